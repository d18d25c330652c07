package kernel

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/procfs"
	"sentry/pkg/signals"
	"sentry/pkg/vfs"
)

// pidfd is the open file behind pidfd_open: a handle on one process that
// stays valid (and refers to the same process, never a reused PID) for
// as long as it is open.
type pidfd struct{ tg *ThreadGroup }

func (p *pidfd) ReadAt([]byte, int64) (int, error)  { return 0, unix.EINVAL }
func (p *pidfd) WriteAt([]byte, int64) (int, error) { return 0, unix.EINVAL }
func (p *pidfd) Stat() (vfs.Stat, error)            { return vfs.Stat{Mode: 0o600, Nlink: 1}, nil }
func (p *pidfd) Truncate(int64) error               { return unix.EINVAL }
func (p *pidfd) Sync() error                        { return unix.EINVAL }
func (p *pidfd) Seekable() bool                     { return false }
func (p *pidfd) Release()                           {}

// Readiness: a pidfd polls readable once its process has exited.
func (p *pidfd) Readiness(mask epoll.EventMask) epoll.EventMask {
	k := p.tg.k
	k.mu.Lock()
	gone := p.tg.proc.zombie || k.procs[p.tg.pid] != p.tg
	k.mu.Unlock()
	if gone {
		return mask & epoll.EventIn
	}
	return 0
}

func (p *pidfd) EventRegister(e *epoll.Entry)   { p.tg.proc.exited.Register(e) }
func (p *pidfd) EventUnregister(e *epoll.Entry) { p.tg.proc.exited.Unregister(e) }

const pidfdNonblock = unix.O_NONBLOCK

func sysPidfdOpen(t *Task, a [6]uint64) (uint64, error) {
	pid, flags := int32(a[0]), int(a[1])
	if flags&^pidfdNonblock != 0 || pid <= 0 {
		return 0, unix.EINVAL
	}
	tg := t.k.processByPID(int(pid))
	if tg == nil {
		return 0, unix.ESRCH
	}
	f := newPidfdFile(tg, flags)
	fd, err := t.tg.fds.install(f, 0, true, t.tg.limit(unix.RLIMIT_NOFILE))
	if err != nil {
		f.DecRef()
		return 0, err
	}
	return uint64(fd), nil
}

func newPidfdFile(tg *ThreadGroup, flags int) *vfs.File {
	return vfs.NewFile(&pidfd{tg: tg}, unix.O_RDWR|flags, "anon_inode:[pidfd]")
}

// pidfdTarget is the process behind the pidfd fd.
func (t *Task) pidfdTarget(fd int32) (*ThreadGroup, error) {
	return t.pidfdOrProcDirTarget(fd, false)
}

// pidfdOrProcDirTarget is pidfdTarget that, if procDir, also takes an open
// /proc/PID directory as a pidfd of the process it was opened for, as
// Linux's pidfd_send_signal does (and its waitid and pidfd_getfd do not).
func (t *Task) pidfdOrProcDirTarget(fd int32, procDir bool) (*ThreadGroup, error) {
	f, err := t.tg.fds.get(fd)
	if err != nil {
		return nil, err
	}
	defer f.DecRef()
	if p, ok := f.Impl().(*pidfd); ok {
		return p.tg, nil
	}
	if d := f.Dentry(); procDir && d != nil {
		if p, ok := procfs.DirProcess(d.SyntheticNode()); ok {
			if p, ok := p.(procTG); ok {
				return p.tg, nil
			}
		}
	}
	return nil, unix.EBADF
}

// pidfd_send_signal's scope flags (Linux 6.9): the pidfd's thread, its
// process (the default), or the process group it leads.
const (
	pidfdSignalThread       = 1
	pidfdSignalThreadGroup  = 2
	pidfdSignalProcessGroup = 4
)

func sysPidfdSendSignal(t *Task, a [6]uint64) (uint64, error) {
	sig, flags := int(a[1]), a[3]
	if flags&^(pidfdSignalThread|pidfdSignalThreadGroup|pidfdSignalProcessGroup) != 0 || flags&(flags-1) != 0 || (sig != 0 && !signals.Valid(sig)) {
		return 0, unix.EINVAL
	}
	tg, err := t.pidfdOrProcDirTarget(int32(a[0]), true)
	if err != nil {
		return 0, err
	}
	code := int32(signals.SIUser)
	if flags == pidfdSignalThread {
		code = signals.SITkill
	}
	info := t.userInfo(sig, code)
	if a[2] != 0 {
		// As rt_sigqueueinfo, except that si_signo must be sig, and
		// only a thread signalling its own TID (a leader signalling
		// its process or itself) may pose as kill or the kernel.
		b := make([]byte, signals.InfoSize)
		if err := t.copyIn(a[2], b); err != nil {
			return 0, err
		}
		info = signals.DecodeInfo(b)
		if int(info.Signo) != sig {
			return 0, unix.EINVAL
		}
		self := tg == t.tg && t.tid == tg.pid && flags != pidfdSignalProcessGroup
		if (info.Code >= 0 || info.Code == signals.SITkill) && !self {
			return 0, unix.EPERM
		}
	}
	if flags == pidfdSignalProcessGroup {
		// The group whose ID is the process's PID: none (ESRCH)
		// unless the process leads one.
		var targets []*ThreadGroup
		t.k.mu.Lock()
		for _, g := range t.k.procs {
			if g.proc.pgid == tg.pid && !g.proc.zombie {
				targets = append(targets, g)
			}
		}
		t.k.mu.Unlock()
		if len(targets) == 0 {
			return 0, unix.ESRCH
		}
		targets, err := t.permittedKillTargets(0, sig, targets)
		if err != nil || sig == 0 {
			return 0, err
		}
		var firstErr error
		for _, g := range targets {
			if err := g.send(info, nil); err != nil && firstErr == nil {
				firstErr = err
			}
		}
		return 0, firstErr
	}
	t.k.mu.Lock()
	gone := tg.proc.zombie || t.k.procs[tg.pid] != tg
	t.k.mu.Unlock()
	var thread *Task
	if !gone && flags == pidfdSignalThread {
		if thread = t.k.taskByTID(tg.pid); thread == nil || thread.tg != tg {
			gone = true
		}
	}
	if gone {
		return 0, unix.ESRCH
	}
	if !t.mayKill(tg, sig) {
		return 0, unix.EPERM
	}
	if sig == 0 {
		return 0, nil
	}
	return 0, t.sendFromInside(tg, info, thread)
}
