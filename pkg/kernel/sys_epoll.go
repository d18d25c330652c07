package kernel

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/epoll"
	"sentry/pkg/signals"
	"sentry/pkg/vfs"
)

// epoll_create/ctl/wait on pkg/epoll instances.

// struct epoll_event differs by architecture: packed on amd64 (12
// bytes), naturally aligned on riscv64 (16). gVisor's abi/linux builds
// only the host's, so both are pkg/arch types, whose layouts a test
// checks against each architecture's C compiler; these pick the task's.

// epollEventSize is sizeof(struct epoll_event) for t's architecture.
func (t *Task) epollEventSize() int {
	if t.regs.Arch == arch.AMD64 {
		return binary.Size(arch.EpollEventPacked{})
	}
	return binary.Size(arch.EpollEventGeneric{})
}

// readEpollEvent reads one struct epoll_event.
func (t *Task) readEpollEvent(addr uint64) (epoll.EventMask, uint64, error) {
	if t.regs.Arch == arch.AMD64 {
		var e arch.EpollEventPacked
		err := t.copyInObj(addr, fixed[arch.EpollEventPacked]{&e})
		return epoll.EventMask(e.Events), e.Data, err
	}
	var e arch.EpollEventGeneric
	err := t.copyInObj(addr, fixed[arch.EpollEventGeneric]{&e})
	return epoll.EventMask(e.Events), e.Data, err
}

// epollEvents lays evs out as an array of struct epoll_event.
func (t *Task) epollEvents(evs []epoll.Event) marshaller {
	if t.regs.Arch == arch.AMD64 {
		out := make([]arch.EpollEventPacked, len(evs))
		for i, ev := range evs {
			out[i] = arch.EpollEventPacked{Events: uint32(ev.Events), Data: ev.Data}
		}
		return fixed[[]arch.EpollEventPacked]{&out}
	}
	out := make([]arch.EpollEventGeneric, len(evs))
	for i, ev := range evs {
		out[i] = arch.EpollEventGeneric{Events: uint32(ev.Events), Data: ev.Data}
	}
	return fixed[[]arch.EpollEventGeneric]{&out}
}

func sysEpollCreate(t *Task, a [6]uint64) (uint64, error) {
	if int32(a[0]) <= 0 {
		return 0, unix.EINVAL
	}
	return t.epollCreate(0)
}

func sysEpollCreate1(t *Task, a [6]uint64) (uint64, error) {
	if a[0]&^unix.EPOLL_CLOEXEC != 0 {
		return 0, unix.EINVAL
	}
	return t.epollCreate(a[0] & unix.EPOLL_CLOEXEC)
}

func (t *Task) epollCreate(flags uint64) (uint64, error) {
	f := vfs.NewFile(epoll.NewInstance(), unix.O_RDWR, anonName("eventpoll"))
	fd, err := t.installNew(f, flags&unix.EPOLL_CLOEXEC != 0)
	return uint64(fd), err
}

func (t *Task) epollInstance(fd uint64) (*vfs.File, *epoll.Instance, error) {
	f, err := t.file(fd)
	if err != nil {
		return nil, nil, err
	}
	ep, ok := f.Impl().(*epoll.Instance)
	if !ok {
		f.DecRef()
		return nil, nil, unix.EINVAL
	}
	return f, ep, nil
}

func sysEpollCtl(t *Task, a [6]uint64) (uint64, error) {
	epf, ep, err := t.epollInstance(a[0])
	if err != nil {
		return 0, err
	}
	defer epf.DecRef()
	op, fd := int(a[1]), int32(a[2])
	tf, err := t.file(a[2])
	if err != nil {
		return 0, err
	}
	defer tf.DecRef()
	if tf == epf {
		return 0, unix.EINVAL
	}
	w, ok := tf.Impl().(epoll.Waitable)
	if !ok {
		// Regular files and directories are always ready: Linux refuses
		// them rather than report that forever.
		return 0, unix.EPERM
	}
	var events epoll.EventMask
	var data uint64
	if op != epoll.CtlDel {
		if events, data, err = t.readEpollEvent(a[3]); err != nil {
			return 0, err
		}
	}
	return 0, ep.Ctl(op, epoll.Key{File: tf, FD: fd}, w, events, data)
}

// epollWait collects events, waiting until some arrive, the deadline
// passes (a zero deadline with block waits forever) or a signal comes.
func (t *Task) epollWait(epfd, evAddr uint64, max int32, block bool, deadline time.Time) (uint64, error) {
	size := t.epollEventSize()
	if max <= 0 || int(max) > (1<<31-1)/size {
		return 0, unix.EINVAL
	}
	f, ep, err := t.epollInstance(epfd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	evs := ep.Wait(int(max))
	t.noteEpollResult(len(evs), block)
	if len(evs) == 0 && block {
		// Parked rather than waitFor: the hot wait of an event loop
		// (task_park.go).
		e := epoll.NewEntry(epoll.EventIn, func(epoll.EventMask) { t.park.wake() })
		ep.EventRegister(e)
		err := t.waitUntil(func() bool {
			evs = ep.Wait(int(max))
			return len(evs) > 0
		}, deadline)
		ep.EventUnregister(e)
		if err == unix.ETIMEDOUT {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
	}
	if len(evs) == 0 {
		return 0, nil
	}
	if err := t.copyOutObj(evAddr, t.epollEvents(evs)); err != nil {
		return 0, err
	}
	return uint64(len(evs)), nil
}

// msTimeout turns a poll/epoll millisecond timeout into (block, deadline):
// negative waits forever, zero does not wait.
func msTimeout(ms int32) (bool, time.Time) {
	switch {
	case ms < 0:
		return true, time.Time{}
	case ms == 0:
		return false, time.Time{}
	}
	return true, time.Now().Add(time.Duration(ms) * time.Millisecond)
}

// tsTimeout reads a struct timespec timeout: NULL waits forever, zero
// does not wait.
func (t *Task) tsTimeout(addr uint64) (bool, time.Time, error) {
	if addr == 0 {
		return true, time.Time{}, nil
	}
	ts, err := t.readTimespec(addr)
	if err != nil {
		return false, time.Time{}, err
	}
	d := durationOf(ts)
	if d == 0 {
		return false, time.Time{}, nil
	}
	return true, time.Now().Add(d), nil
}

func sysEpollWait(t *Task, a [6]uint64) (uint64, error) {
	block, dl := msTimeout(int32(a[3]))
	return t.epollWait(a[0], a[1], int32(a[2]), block, dl)
}

func sysEpollPwait(t *Task, a [6]uint64) (uint64, error) {
	finish, err := t.withSigmask(a[4], a[5])
	if err != nil {
		return 0, err
	}
	block, dl := msTimeout(int32(a[3]))
	n, err := t.epollWait(a[0], a[1], int32(a[2]), block, dl)
	finish(err)
	return n, err
}

func sysEpollPwait2(t *Task, a [6]uint64) (uint64, error) {
	block, dl, err := t.tsTimeout(a[3])
	if err != nil {
		return 0, err
	}
	finish, err := t.withSigmask(a[4], a[5])
	if err != nil {
		return 0, err
	}
	n, err := t.epollWait(a[0], a[1], int32(a[2]), block, dl)
	finish(err)
	return n, err
}

// withSigmask installs the signal mask at addr (if any) for the duration
// of a wait, as epoll_pwait, ppoll and pselect6 do. finish gets the wait's
// error: after an interruption the temporary mask stays until the signal
// is delivered (its frame, or handleSignals, restores the old one, as for
// rt_sigsuspend); otherwise the old mask comes back at once.
func (t *Task) withSigmask(addr, size uint64) (finish func(error), err error) {
	if addr == 0 {
		return func(error) {}, nil
	}
	if size != 8 {
		return nil, unix.EINVAL
	}
	m, err := t.readU64(addr)
	if err != nil {
		return nil, err
	}
	t.savedMask, t.haveSavedMask = t.mask(), true
	t.setMask(signals.Set(m))
	return func(err error) {
		if err == unix.EINTR {
			return
		}
		t.setMask(t.savedMask)
		t.haveSavedMask = false
	}, nil
}
