package kernel

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/signals"
)

// Process groups, sessions, the terminal's foreground group (with
// tty_job.go), and kill to
// processes, groups and everyone.

// pgid is the caller's process group.
func (t *Task) pgid() int {
	t.k.mu.Lock()
	defer t.k.mu.Unlock()
	return t.tg.proc.pgid
}

// target resolves a pid argument where 0 means the caller.
func (t *Task) target(pid int32) (*ThreadGroup, error) {
	if pid < 0 {
		return nil, unix.EINVAL
	}
	if pid == 0 {
		return t.tg, nil
	}
	tg := t.k.processByPID(int(pid))
	if tg == nil {
		return nil, unix.ESRCH
	}
	return tg, nil
}

func sysGetppid(t *Task, a [6]uint64) (uint64, error) {
	t.k.mu.Lock()
	defer t.k.mu.Unlock()
	if p := t.tg.proc.parent; p != nil {
		return uint64(p.pid), nil
	}
	return 0, nil
}

func sysGetpgid(t *Task, a [6]uint64) (uint64, error) {
	tg, err := t.target(int32(a[0]))
	if err != nil {
		return 0, err
	}
	t.k.mu.Lock()
	defer t.k.mu.Unlock()
	return uint64(tg.proc.pgid), nil
}

func sysGetpgrp(t *Task, a [6]uint64) (uint64, error) { return uint64(t.pgid()), nil }

func sysGetsid(t *Task, a [6]uint64) (uint64, error) {
	tg, err := t.target(int32(a[0]))
	if err != nil {
		return 0, err
	}
	t.k.mu.Lock()
	defer t.k.mu.Unlock()
	return uint64(tg.proc.sid), nil
}

func sysSetpgid(t *Task, a [6]uint64) (uint64, error) {
	pid, pgid := int32(a[0]), int32(a[1])
	if pgid < 0 {
		return 0, unix.EINVAL
	}
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	tg := t.tg
	if pid != 0 && int(pid) != t.tg.pid {
		tg = k.procs[int(pid)]
		if tg == nil || tg.proc.parent != t.tg || tg.proc.zombie {
			return 0, unix.ESRCH
		}
		if tg.proc.sid != t.tg.proc.sid {
			return 0, unix.EPERM
		}
		if tg.proc.execed {
			return 0, unix.EACCES
		}
	}
	if tg.proc.sid == tg.pid {
		return 0, unix.EPERM // a session leader stays in its group
	}
	if pgid == 0 {
		pgid = int32(tg.pid)
	}
	if int(pgid) != tg.pid {
		// Joining a group: it must exist in the same session.
		ok := false
		for _, o := range k.procs {
			if o.proc.pgid == int(pgid) && o.proc.sid == tg.proc.sid && !o.proc.zombie {
				ok = true
				break
			}
		}
		if !ok {
			return 0, unix.EPERM
		}
	}
	tg.proc.pgid = int(pgid)
	return 0, nil
}

func sysSetsid(t *Task, a [6]uint64) (uint64, error) {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, o := range k.procs {
		if o.proc.pgid == t.tg.pid {
			return 0, unix.EPERM // already leads a process group
		}
	}
	t.tg.proc.sid, t.tg.proc.pgid = t.tg.pid, t.tg.pid
	t.tg.proc.ctty = nil
	return uint64(t.tg.pid), nil
}

// setForegroundPgrp is tcsetpgrp on terminal j: it must be the caller's
// controlling terminal and pgid a group of the caller's session.
func (t *Task) setForegroundPgrp(j *ttyJob, pgid int32) error {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	if t.tg.proc.ctty != j || j.sid != t.tg.proc.sid {
		return unix.ENOTTY
	}
	if pgid < 0 {
		return unix.EINVAL
	}
	for _, o := range k.procs {
		if o.proc.pgid == int(pgid) && !o.proc.zombie {
			if o.proc.sid != t.tg.proc.sid {
				return unix.EPERM
			}
			j.pgrp = int(pgid)
			return nil
		}
	}
	return unix.ESRCH
}

// signalForeground passes a signal the sentry's terminal generated
// (Ctrl-C, Ctrl-\, Ctrl-Z, a resize) to the foreground process group a
// job-control shell chose with tcsetpgrp, as the terminal would, and
// reports whether there was one. SIGTSTP without one is dropped: it
// would otherwise stop the sentry itself.
func (k *Kernel) signalForeground(sig int) bool {
	switch sig {
	case signals.SIGINT, signals.SIGQUIT, signals.SIGTSTP, signals.SIGWINCH:
	default:
		return false
	}
	k.mu.Lock()
	var group []*ThreadGroup
	if fg := k.hostTTY.pgrp; fg != 0 {
		for _, tg := range k.procs {
			if tg.proc.pgid == fg && !tg.proc.zombie {
				group = append(group, tg)
			}
		}
	}
	k.mu.Unlock()
	for _, tg := range group {
		_ = tg.send(signals.Info{Signo: int32(sig), Code: signals.SIKernel}, nil)
	}
	return len(group) > 0 || sig == signals.SIGTSTP
}

// killTargets resolves kill's pid argument to processes.
func (t *Task) killTargets(pid int32) ([]*ThreadGroup, error) {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []*ThreadGroup
	switch {
	case pid > 0:
		if tg := k.procs[int(pid)]; tg != nil {
			out = append(out, tg)
		} else if t := k.tasks[int(pid)]; t != nil {
			// A thread's ID names its process too, as on Linux.
			out = append(out, t.tg)
		}
	case pid == -1:
		for _, tg := range k.procs {
			if tg.pid != 1 && tg != t.tg {
				out = append(out, tg)
			}
		}
	default:
		g := t.tg.proc.pgid
		if pid < -1 {
			if pid == -1<<31 {
				return nil, unix.ESRCH
			}
			g = int(-pid)
		}
		for _, tg := range k.procs {
			if tg.proc.pgid == g {
				out = append(out, tg)
			}
		}
	}
	if len(out) == 0 {
		return nil, unix.ESRCH
	}
	return out, nil
}

func sysKill(t *Task, a [6]uint64) (uint64, error) {
	sig := int(a[1])
	if sig != 0 && !signals.Valid(sig) {
		return 0, unix.EINVAL
	}
	targets, err := t.killTargets(int32(a[0]))
	if err != nil {
		return 0, err
	}
	if targets, err = t.permittedKillTargets(int32(a[0]), sig, targets); err != nil {
		return 0, err
	}
	if sig == 0 {
		return 0, nil
	}
	var firstErr error
	for _, tg := range targets {
		if err := t.sendFromInside(tg, t.userInfo(sig, signals.SIUser), nil); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return 0, firstErr
}
