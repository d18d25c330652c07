package kernel

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/signals"
	"sentry/pkg/vfs"
)

// Controlling terminals and job control (Linux's drivers/tty/tty_jobctrl.c
// and n_tty.c). A session has at most one controlling terminal and a
// terminal controls at most one session; every process of the session
// refers to it (procLinks.ctty), inherits it across fork and loses it by
// setsid. A terminal's foreground group may read it and change it; a
// process of a background group gets SIGTTIN for reading and SIGTTOU for
// changing it (or writing, with TOSTOP), unless the signal is ignored or
// blocked or its group is orphaned. The sentry's own terminal (stdio, when
// it is one) is the first session's controlling terminal; pseudo-terminals
// (tty.go) become one when a session leader without one opens a slave
// without O_NOCTTY, or by TIOCSCTTY. A host terminal an OCI exec gives
// its process (exec_process.go) is that process's session's controlling
// terminal, a ttyJob of its own that ttyOf finds from the file.

// ttyJob is job control's view of one terminal, guarded by Kernel.mu.
type ttyJob struct {
	// sid is the session the terminal controls (0: none); pgrp its
	// foreground group (0: none; for the sentry's terminal, PID 1's
	// group, which no job-control shell has chosen yet).
	sid, pgrp int
	// pty is the pseudo-terminal, nil for a host terminal.
	pty *pty
	// host is the host terminal an OCI exec gave its process
	// (exec_process.go), which /dev/tty opens; nil for the sentry's own
	// terminal and for ptys. Cleared, and its reference dropped, when
	// its session's leader exits.
	host *vfs.File
}

// hostTerminal reports whether any of the sentry's stdio is a terminal.
func (k *Kernel) hostTerminal() bool {
	for _, f := range k.cfg.Stdio {
		if f != nil && f.IsTerminal() {
			return true
		}
	}
	return false
}

// ttyOf returns the job-control state of the terminal f is, or nil.
func (t *Task) ttyOf(f *vfs.File) *ttyJob {
	switch impl := f.Impl().(type) {
	case *ptySlave:
		return &impl.p.job
	case *ptyMaster:
		return nil
	}
	if f.IsTerminal() {
		if j, ok := t.k.execTTYs.Load(f.Impl()); ok {
			return j.(*ttyJob)
		}
		return &t.k.hostTTY
	}
	return nil
}

// tostop reports whether the terminal has TOSTOP set.
func (t *Task) tostop(f *vfs.File, j *ttyJob) bool {
	if j.pty != nil {
		j.pty.mu.Lock()
		defer j.pty.mu.Unlock()
		return j.pty.ld.Termios().LocalFlags&unix.TOSTOP != 0
	}
	host, ok := f.HostFD()
	if !ok {
		return false
	}
	tio, err := unix.IoctlGetTermios(host, unix.TCGETS)
	return err == nil && tio.Lflag&unix.TOSTOP != 0
}

// ttyCheck is Linux's __tty_check_change: a process of a background group
// using its controlling terminal j gets sig for its whole group and the
// call restarts once the group is continued; EIO instead if the group is
// orphaned (no one could continue it) or, for SIGTTIN, if sig is ignored
// or blocked; an ignored or blocked SIGTTOU lets the call proceed.
func (t *Task) ttyCheck(j *ttyJob, sig int) error {
	k := t.k
	k.mu.Lock()
	if t.tg.proc.ctty != j || j.pgrp == 0 || j.pgrp == t.tg.proc.pgid {
		k.mu.Unlock()
		return nil
	}
	pg := t.tg.proc.pgid
	orphaned := k.willBeOrphanedLocked(pg, nil)
	k.mu.Unlock()
	t.tg.mu.Lock()
	ignored := t.tg.sig.hand.get(sig).Handler == signals.SigIgn || t.sigMask.Has(sig)
	t.tg.mu.Unlock()
	switch {
	case ignored && sig == signals.SIGTTIN:
		return unix.EIO
	case ignored:
		return nil
	case orphaned:
		return unix.EIO
	}
	k.signalGroup(pg, sig)
	return errRestartSys
}

// openedTTY finishes an open of a terminal device: /dev/tty becomes the
// caller's controlling terminal (ENXIO without one), and a pty slave
// opened without O_NOCTTY by a session leader that has none becomes its
// controlling terminal, if it controls no other session.
func (t *Task) openedTTY(f *vfs.File, flags int) (*vfs.File, error) {
	switch impl := f.Impl().(type) {
	case vfs.ControllingTTY:
		f.DecRef()
		k := t.k
		k.mu.Lock()
		j := t.tg.proc.ctty
		var host *vfs.File
		if j != nil && j.host != nil {
			host = j.host
			host.IncRef()
		}
		k.mu.Unlock()
		switch {
		case j == nil:
			return nil, unix.ENXIO
		case host != nil:
			return host, nil
		case j.pty != nil:
			s, err := j.pty.openSlave()
			if err != nil {
				return nil, err
			}
			return vfs.NewFile(s, flags&(unix.O_ACCMODE|unix.O_NONBLOCK|unix.O_APPEND), ptyName(j.pty.index)), nil
		}
		for _, sf := range k.cfg.Stdio {
			if sf != nil && sf.IsTerminal() {
				sf.IncRef()
				return sf, nil
			}
		}
		return nil, unix.ENXIO
	case *ptySlave:
		if flags&unix.O_NOCTTY == 0 {
			k := t.k
			k.mu.Lock()
			p := &t.tg.proc
			if p.sid == t.tg.pid && p.ctty == nil && impl.p.job.sid == 0 {
				k.setCttyLocked(t.tg, &impl.p.job)
			}
			k.mu.Unlock()
		}
	}
	return f, nil
}

func ptyName(n int) string { return "/dev/pts/" + itoa(n) }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// setCttyLocked makes j the controlling terminal of tg's session, with
// tg's group in the foreground (proc_set_tty). k.mu must be held.
func (k *Kernel) setCttyLocked(tg *ThreadGroup, j *ttyJob) {
	j.sid, j.pgrp = tg.proc.sid, tg.proc.pgid
	tg.proc.ctty = j
}

// disassociateLocked ends j's control of its session: no process of the
// session has it any more (session_clear_tty). It returns the
// foreground group it had. k.mu must be held.
func (k *Kernel) disassociateLocked(j *ttyJob) int {
	fg := j.pgrp
	for _, o := range k.procs {
		if o.proc.ctty == j {
			o.proc.ctty = nil
		}
	}
	j.sid, j.pgrp = 0, 0
	return fg
}

// sessionLeaderExited is disassociate_ctty(1): when a session leader
// exits, its pseudo-terminal's (or exec's host terminal's) foreground
// group gets SIGHUP and the terminal no longer controls the session.
// (The sentry's own terminal is left alone: the first session's leader
// is PID 1, whose exit ends the sandbox.)
func (k *Kernel) sessionLeaderExited(tg *ThreadGroup) {
	k.mu.Lock()
	j := tg.proc.ctty
	if tg.proc.sid != tg.pid || j == nil || (j.pty == nil && j.host == nil) {
		k.mu.Unlock()
		return
	}
	fg := k.disassociateLocked(j)
	host := j.host
	j.host = nil
	k.mu.Unlock()
	if host != nil {
		// Those still holding it see a terminal with no job control,
		// as the sentry's own.
		k.execTTYs.Delete(host.Impl())
		host.DecRef()
	}
	if fg != 0 {
		k.signalGroup(fg, signals.SIGHUP)
	}
}

// signalTTYForeground sends a signal character's signal to j's
// foreground group.
func (k *Kernel) signalTTYForeground(j *ttyJob, sig int) {
	k.mu.Lock()
	fg := j.pgrp
	k.mu.Unlock()
	if fg != 0 {
		k.signalGroup(fg, sig)
	}
}

// jobIoctl serves the job-control requests on terminal j; viaMaster is
// set for a pty master, which may ask about its slave without
// controlling it.
func (t *Task) jobIoctl(j *ttyJob, viaMaster bool, req uint32, arg uint64) (uint64, bool, error) {
	k := t.k
	switch req {
	case unix.TIOCGPGRP:
		k.mu.Lock()
		mine, fg := t.tg.proc.ctty == j, j.pgrp
		k.mu.Unlock()
		if !viaMaster && !mine {
			return 0, true, unix.ENOTTY
		}
		if fg == 0 && j == &k.hostTTY {
			fg = 1
		}
		return 0, true, t.writeU32(arg, uint32(fg))
	case unix.TIOCSPGRP:
		if err := t.ttyCheck(j, signals.SIGTTOU); err != nil {
			return 0, true, err
		}
		g, err := t.readU32(arg)
		if err != nil {
			return 0, true, err
		}
		return 0, true, t.setForegroundPgrp(j, int32(g))
	case unix.TIOCGSID:
		k.mu.Lock()
		mine, sid := t.tg.proc.ctty == j, j.sid
		k.mu.Unlock()
		if (!viaMaster && !mine) || sid == 0 {
			return 0, true, unix.ENOTTY
		}
		return 0, true, t.writeU32(arg, uint32(sid))
	case unix.TIOCSCTTY:
		return 0, true, t.setCtty(j, arg == 1)
	case unix.TIOCNOTTY:
		k.mu.Lock()
		if t.tg.proc.ctty != j {
			k.mu.Unlock()
			return 0, true, unix.ENOTTY
		}
		if t.tg.proc.sid != t.tg.pid {
			t.tg.proc.ctty = nil
			k.mu.Unlock()
			return 0, true, nil
		}
		fg := k.disassociateLocked(j)
		k.mu.Unlock()
		if fg != 0 {
			k.signalGroup(fg, signals.SIGHUP)
			k.signalGroup(fg, signals.SIGCONT)
		}
		return 0, true, nil
	}
	return 0, false, nil
}

// setCtty is TIOCSCTTY: a session leader without a controlling terminal
// takes j; steal (arg 1, which the sandbox's privileged user may use)
// takes it even from another session.
func (t *Task) setCtty(j *ttyJob, steal bool) error {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	p := &t.tg.proc
	if p.sid == t.tg.pid && j.sid == p.sid {
		return nil
	}
	if p.sid != t.tg.pid || p.ctty != nil {
		return unix.EPERM
	}
	if j.sid != 0 {
		if !steal {
			return unix.EPERM
		}
		k.disassociateLocked(j)
	}
	k.setCttyLocked(t.tg, j)
	return nil
}
