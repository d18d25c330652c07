package kernel

import (
	"sync"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/epoll"
	"sentry/pkg/signals"
	"sentry/pkg/vfs"
)

// signalfd: pending signals of a set read as struct signalfd_siginfo
// records. It lives in the kernel because it takes signals from the
// reading task's queues; readiness comes from ThreadGroup.sigfd, which
// every send notifies.

const sizeofSignalfdSiginfo = 128

type signalFD struct {
	tg    *ThreadGroup
	owner *Task // whose thread-directed signals readiness looks at

	mu   sync.Mutex
	mask signals.Set
}

func (s *signalFD) getMask() signals.Set {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mask
}

// Readiness implements epoll.Waitable.
func (s *signalFD) Readiness(mask epoll.EventMask) epoll.EventMask {
	m := s.getMask()
	s.tg.mu.Lock()
	p := s.tg.sig.pending.Pending() | s.owner.pending.Pending()
	s.tg.mu.Unlock()
	if p&m != 0 {
		return mask & (epoll.EventIn | epoll.EventRdNorm)
	}
	return 0
}

// EventRegister implements epoll.Waitable.
func (s *signalFD) EventRegister(e *epoll.Entry) { s.tg.sigfd.Register(e) }

// EventUnregister implements epoll.Waitable.
func (s *signalFD) EventUnregister(e *epoll.Entry) { s.tg.sigfd.Unregister(e) }

// ReadAt implements vfs.FileImpl for reads that come without a task
// (the kernel's reads go through read below).
func (s *signalFD) ReadAt(p []byte, _ int64) (int, error) { return s.read(s.owner, p) }

// read takes as many pending signals of the set as fit in p, from t's
// queue first, then the process's; EAGAIN when there are none.
func (s *signalFD) read(t *Task, p []byte) (int, error) {
	if len(p) < sizeofSignalfdSiginfo {
		return 0, unix.EINVAL
	}
	m := s.getMask()
	n := 0
	for n+sizeofSignalfdSiginfo <= len(p) {
		t.tg.mu.Lock()
		info, ok := t.dequeueLocked(m)
		t.tg.mu.Unlock()
		if !ok {
			break
		}
		putSignalfdSiginfo(p[n:n+sizeofSignalfdSiginfo], &info)
		n += sizeofSignalfdSiginfo
	}
	if n == 0 {
		return 0, unix.EAGAIN
	}
	return n, nil
}

func putSignalfdSiginfo(b []byte, i *signals.Info) {
	clear(b)
	si := linux.SignalfdSiginfo{
		Signo:   uint32(i.Signo),
		Errno:   i.Errno,
		Code:    i.Code,
		PID:     uint32(i.Pid),
		UID:     uint32(i.Uid),
		TID:     uint32(i.TimerID), // ssi_tid is the POSIX timer's id
		Overrun: uint32(i.Overrun),
		Status:  i.Status,
		Int:     int32(i.Value),
		Ptr:     i.Value,
		Addr:    i.Addr,
	}
	// gVisor's struct declares 48 bytes of tail padding where Linux has
	// 46 (it is 130 bytes long): marshal it whole and keep Linux's 128.
	copy(b, marshal(&si)[:sizeofSignalfdSiginfo])
}

// WriteAt implements vfs.FileImpl.
func (s *signalFD) WriteAt([]byte, int64) (int, error) { return 0, unix.EINVAL }

// Stat implements vfs.FileImpl: an anonymous inode.
func (s *signalFD) Stat() (vfs.Stat, error) {
	return vfs.Stat{Dev: 0xd, Ino: 1, Nlink: 1, Mode: 0o600, Blksize: 4096}, nil
}

// Truncate implements vfs.FileImpl.
func (s *signalFD) Truncate(int64) error { return unix.EINVAL }

// Sync implements vfs.FileImpl.
func (s *signalFD) Sync() error { return unix.EINVAL }

// Seekable implements vfs.FileImpl.
func (s *signalFD) Seekable() bool { return false }

// Release implements vfs.FileImpl. Watchers of this signalfd stay on the
// group's queue until their epoll instance drops them; they are only
// ever told "a signal was queued", so a stale one costs a re-check.
func (s *signalFD) Release() {}

func sysSignalfd(t *Task, a [6]uint64) (uint64, error) { return t.signalfd(a[0], a[1], a[2], 0) }

func sysSignalfd4(t *Task, a [6]uint64) (uint64, error) {
	return t.signalfd(a[0], a[1], a[2], int(a[3]))
}

func (t *Task) signalfd(fd, maskAddr, size uint64, flags int) (uint64, error) {
	if size != sigsetSize || flags&^(unix.SFD_CLOEXEC|unix.SFD_NONBLOCK) != 0 {
		return 0, unix.EINVAL
	}
	v, err := t.readU64(maskAddr)
	if err != nil {
		return 0, err
	}
	mask := signals.Set(v) &^ signals.Unblockable
	if int32(fd) != -1 {
		f, err := t.file(fd)
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		s, ok := f.Impl().(*signalFD)
		if !ok {
			return 0, unix.EINVAL
		}
		s.mu.Lock()
		s.mask = mask
		s.mu.Unlock()
		t.tg.sigfd.Notify(epoll.EventIn)
		return fd, nil
	}
	s := &signalFD{tg: t.tg, owner: t, mask: mask}
	f := vfs.NewFile(s, unix.O_RDWR|flags&unix.O_NONBLOCK, anonName("signalfd"))
	nfd, err := t.installNew(f, flags&unix.O_CLOEXEC != 0)
	return uint64(nfd), err
}
