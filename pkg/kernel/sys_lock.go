package kernel

import (
	"errors"
	"math"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/vfs"
)

// Advisory locks: fcntl record locks (POSIX and OFD) and flock, over the
// vfs lock tables. The blocking forms wait through t.waitFor, so a signal
// or the group's death interrupts them with EINTR. A POSIX F_SETLKW also
// takes part in the kernel's wait-for graph (vfs.LockWaits) while it
// sleeps, and fails with EDEADLK instead of closing a cycle, as Linux's
// does; OFD locks and flock are not checked, as on Linux.

// readFlock converts a struct flock into a lock range, resolving l_whence
// against the file.
func (t *Task) readFlock(f *vfs.File, addr uint64, ofd bool) (vfs.Lock, error) {
	var fl linux.Flock
	if err := t.copyInObj(addr, &fl); err != nil {
		return vfs.Lock{}, err
	}
	typ, whence, start, length := fl.Type, fl.Whence, fl.Start, fl.Len
	if ofd && fl.PID != 0 {
		return vfs.Lock{}, unix.EINVAL
	}
	var base int64
	switch whence {
	case unix.SEEK_SET:
	case unix.SEEK_CUR:
		base = f.Offset()
	case unix.SEEK_END:
		st, err := f.Stat()
		if err != nil {
			return vfs.Lock{}, err
		}
		base = st.Size
	default:
		return vfs.Lock{}, unix.EINVAL
	}
	if (start > 0 && base > math.MaxInt64-start) || base+start < 0 {
		return vfs.Lock{}, unix.EINVAL
	}
	start += base
	l := vfs.Lock{Type: typ, Start: uint64(start), End: vfs.LockEOF}
	switch {
	case length > 0:
		if start > math.MaxInt64-(length-1) {
			return vfs.Lock{}, unix.EOVERFLOW
		}
		l.End = uint64(start + length - 1)
	case length < 0:
		if start+length < 0 {
			return vfs.Lock{}, unix.EINVAL
		}
		l.Start, l.End = uint64(start+length), uint64(start-1)
	}
	return l, nil
}

func (t *Task) writeFlock(addr uint64, l vfs.Lock) error {
	// Linux writes back the caller's struct with the lock's fields
	// changed, so the rest (padding) stays as the caller left it: marshal
	// over the bytes read, which leaves the padding untouched.
	var fl linux.Flock
	b := make([]byte, fl.SizeBytes())
	if err := t.copyIn(addr, b); err != nil {
		return err
	}
	fl.UnmarshalBytes(b)
	fl.Type = l.Type
	if l.Type != unix.F_UNLCK {
		fl.Whence = unix.SEEK_SET
		fl.Start = int64(l.Start)
		fl.Len = 0
		if l.End != vfs.LockEOF {
			fl.Len = int64(l.End - l.Start + 1)
		}
		fl.PID = int32(l.Pid)
	}
	fl.MarshalBytes(b)
	return t.copyOut(addr, b)
}

// fcntlLock serves F_GETLK, F_SETLK, F_SETLKW and their OFD forms.
func (t *Task) fcntlLock(f *vfs.File, cmd int, addr uint64) (uint64, error) {
	ofd := cmd == unix.F_OFD_GETLK || cmd == unix.F_OFD_SETLK || cmd == unix.F_OFD_SETLKW
	if f.Flags()&unix.O_PATH != 0 {
		return 0, unix.EBADF
	}
	l, err := t.readFlock(f, addr, ofd)
	if err != nil {
		return 0, err
	}
	var owner any
	if !ofd {
		owner = t.tg.pid
		l.Pid = t.tg.pid
	}
	switch cmd {
	case unix.F_GETLK, unix.F_OFD_GETLK:
		if l.Type != unix.F_RDLCK && l.Type != unix.F_WRLCK {
			return 0, unix.EINVAL
		}
		c, found := f.TestLock(owner, l)
		if !found {
			c = vfs.Lock{Type: unix.F_UNLCK}
		}
		return 0, t.writeFlock(addr, c)
	}
	wait := cmd == unix.F_SETLKW || cmd == unix.F_OFD_SETLKW
	setLock := func() (<-chan struct{}, error) { return f.SetLock(owner, l) }
	if cmd == unix.F_SETLKW {
		// Every attempt checks the chain again: after a wake-up the
		// lock may be held by a different owner.
		w := t.k.lockWaits.Waiter(t.tg.pid)
		defer w.Done()
		setLock = func() (<-chan struct{}, error) { return f.SetLockWait(w, l) }
	}
	for {
		ch, err := setLock()
		if !errors.Is(err, unix.EAGAIN) || !wait {
			return 0, err
		}
		if err := t.waitFor(ch, time.Time{}); err != nil {
			return 0, unix.EINTR
		}
	}
}

func sysFlock(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if f.Flags()&unix.O_PATH != 0 {
		return 0, unix.EBADF
	}
	op := int(a[1])
	nb := op&unix.LOCK_NB != 0
	op &^= unix.LOCK_NB
	for {
		ch, err := f.Flock(op)
		if !errors.Is(err, unix.EWOULDBLOCK) || nb {
			return 0, err
		}
		if err := t.waitFor(ch, time.Time{}); err != nil {
			return 0, unix.EINTR
		}
	}
}

// closeFD closes fd, first dropping the process's record locks on the
// file, as Linux does on any close of it.
func (t *Task) closeFD(fd int32) error {
	f, err := t.tg.fds.get(fd)
	if err != nil {
		return err
	}
	defer f.DecRef()
	if err := t.tg.fds.remove(fd); err != nil {
		return err
	}
	f.ReleaseLocks(t.tg.pid)
	return nil
}
