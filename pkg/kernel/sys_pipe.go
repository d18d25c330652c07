package kernel

import (
	"fmt"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/marshal/primitive"

	"sentry/pkg/epoll"
	"sentry/pkg/vfs"
)

// Pipes, eventfd and timerfd: anonymous waitable files (pkg/epoll).

// installNew puts a new file in the fd table, or drops it on failure.
func (t *Task) installNew(f *vfs.File, cloexec bool) (int, error) {
	fd, err := t.tg.fds.install(f, 0, cloexec, t.tg.limit(unix.RLIMIT_NOFILE))
	if err != nil {
		f.DecRef()
	}
	return fd, err
}

// installPair installs two new files and writes their fds as int[2] at
// addr (pipe, socketpair).
func (t *Task) installPair(a, b *vfs.File, cloexec bool, addr uint64) error {
	fa, err := t.installNew(a, cloexec)
	if err != nil {
		b.DecRef()
		return err
	}
	fb, err := t.installNew(b, cloexec)
	if err != nil {
		t.tg.fds.remove(int32(fa))
		return err
	}
	fds := slice[primitive.Int32, *primitive.Int32]{primitive.Int32(fa), primitive.Int32(fb)}
	if err := t.copyOutObj(addr, fds); err != nil {
		t.tg.fds.remove(int32(fa))
		t.tg.fds.remove(int32(fb))
		return err
	}
	return nil
}

func sysPipe(t *Task, a [6]uint64) (uint64, error) { return 0, t.pipe2(a[0], 0) }

func sysPipe2(t *Task, a [6]uint64) (uint64, error) { return 0, t.pipe2(a[0], int(a[1])) }

func (t *Task) pipe2(addr uint64, flags int) error {
	if flags&^(unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_DIRECT) != 0 {
		return unix.EINVAL
	}
	ino := t.k.net.nextIno()
	r, w := epoll.NewChargedPipe(ino, t.k.mem)
	name := fmt.Sprintf("pipe:[%d]", ino)
	st := flags & unix.O_NONBLOCK
	rf := vfs.NewFile(r, unix.O_RDONLY|st, name)
	wf := vfs.NewFile(w, unix.O_WRONLY|st, name)
	return t.installPair(rf, wf, flags&unix.O_CLOEXEC != 0, addr)
}

// pipeFcntl serves F_GETPIPE_SZ and F_SETPIPE_SZ; ok is false for other
// commands.
func pipeFcntl(f *vfs.File, cmd int, arg uint64) (ret uint64, ok bool, err error) {
	if cmd != unix.F_GETPIPE_SZ && cmd != unix.F_SETPIPE_SZ {
		return 0, false, nil
	}
	p, isPipe := f.Impl().(epoll.PipeSizer)
	if !isPipe {
		return 0, true, unix.EBADF
	}
	if cmd == unix.F_GETPIPE_SZ {
		return uint64(p.Capacity()), true, nil
	}
	n, err := p.SetCapacity(int(int32(arg)))
	return uint64(n), true, err
}

const efdSemaphore = 1

func sysEventfd(t *Task, a [6]uint64) (uint64, error) { return t.eventfd(a[0], 0) }

func sysEventfd2(t *Task, a [6]uint64) (uint64, error) { return t.eventfd(a[0], int(a[1])) }

func (t *Task) eventfd(initval uint64, flags int) (uint64, error) {
	if flags&^(unix.O_CLOEXEC|unix.O_NONBLOCK|efdSemaphore) != 0 {
		return 0, unix.EINVAL
	}
	e := epoll.NewEventFD(uint64(uint32(initval)), flags&efdSemaphore != 0)
	f := vfs.NewFile(e, unix.O_RDWR|flags&unix.O_NONBLOCK, anonName("eventfd"))
	fd, err := t.installNew(f, flags&unix.O_CLOEXEC != 0)
	return uint64(fd), err
}
