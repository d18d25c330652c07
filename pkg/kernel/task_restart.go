package kernel

import (
	"errors"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/signals"
)

// Syscall restart, as Linux does it with ERESTARTSYS and friends: a
// syscall interrupted by a signal either returns EINTR or runs again,
// decided when the signal is delivered (task_signal.go), never by the
// handler that was waiting. Handlers return one of the restart errors
// below; a handler returning plain unix.EINTR (from waitFor) gets the
// policy of its syscall: restartPolicy, or ERESTARTSYS by default.
// These errors never reach the application.

// restartErr is one of Linux's restart errnos (512..516).
type restartErr int

const (
	// errRestartSys: EINTR if a handler without SA_RESTART runs, else
	// restart (read, write, accept, wait4, futex without timeout...).
	errRestartSys restartErr = 512
	// errRestartNoIntr: always restart.
	errRestartNoIntr restartErr = 513
	// errRestartNoHand: EINTR if any handler runs, else restart (pause,
	// rt_sigsuspend, poll, select).
	errRestartNoHand restartErr = 514
	// errRestartBlock: EINTR if any handler runs, else restart through
	// restart_syscall, which resumes with Task.restart.block (nanosleep,
	// clock_nanosleep, futex with a timeout).
	errRestartBlock restartErr = 516
	// errNoRestart: EINTR whatever happens (epoll_wait,
	// rt_sigtimedwait): plain unix.EINTR for calls without a policy.
	errNoRestart restartErr = 4
)

func (e restartErr) Error() string {
	switch e {
	case errRestartSys:
		return "ERESTARTSYS"
	case errRestartNoIntr:
		return "ERESTARTNOINTR"
	case errRestartNoHand:
		return "ERESTARTNOHAND"
	case errRestartBlock:
		return "ERESTART_RESTARTBLOCK"
	}
	return "EINTR"
}

// restartPolicy gives the calls Linux never restarts (or restarts only
// when no handler ran) whose handlers just return unix.EINTR from waitFor.
// Everything else that returns EINTR is ERESTARTSYS.
var restartPolicy = map[string]restartErr{
	"epoll_wait":      errNoRestart,
	"epoll_pwait":     errNoRestart,
	"epoll_pwait2":    errNoRestart,
	"rt_sigtimedwait": errNoRestart,
	"io_getevents":    errNoRestart,
	"semtimedop":      errNoRestart,
	"poll":            errRestartNoHand,
	"ppoll":           errRestartNoHand,
	"select":          errRestartNoHand,
	"pselect6":        errRestartNoHand,
	"pause":           errRestartNoHand,
	"rt_sigsuspend":   errRestartNoHand,
	// restart_syscall with nothing to continue is Linux's
	// do_no_restart_syscall: a plain EINTR. Restarting it would run it
	// again at once, forever.
	"restart_syscall": errNoRestart,
}

// restartState is what the task goroutine keeps between an interrupted
// syscall and the delivery that decides its fate.
type restartState struct {
	kind restartErr // 0: nothing pending
	nr   uint64     // the architecture's number of the interrupted call
	arg0 uint64
	// block continues a call restarted through restart_syscall.
	block func(t *Task) (uint64, error)
}

// setRestart records that the syscall just served was interrupted, if err
// says so, and reports whether it did.
func (t *Task) setRestart(sc *Syscall, nr uint64, args [6]uint64, err error) bool {
	var kind restartErr
	switch {
	case errors.As(err, &kind):
	case err == unix.EINTR:
		kind = errRestartSys
		if p, ok := restartPolicy[sc.Name]; ok {
			kind = p
		}
	default:
		return false
	}
	if kind == errNoRestart {
		return false
	}
	t.restart.kind, t.restart.nr, t.restart.arg0 = kind, nr, args[0]
	return true
}

// restartWith returns errRestartBlock after saving how to continue.
func (t *Task) restartWith(fn func(t *Task) (uint64, error)) error {
	t.restart.block = fn
	return errRestartBlock
}

// fixRestart settles an interrupted syscall once it is known whether a
// handler runs (act != nil) for the signal that interrupted it. The
// result register holds -EINTR until then.
func (t *Task) fixRestart(act *signals.Action) {
	kind := t.restart.kind
	if kind == 0 {
		return
	}
	t.restart.kind = 0
	switch {
	case kind == errRestartNoIntr,
		kind == errRestartSys && (act == nil || act.Flags&signals.SARestart != 0),
		kind == errRestartNoHand && act == nil:
		t.regs.RestartSyscall(t.restart.nr, t.restart.arg0)
	case kind == errRestartBlock && act == nil:
		if nr, ok := arch.Number(t.regs.Arch, restartSyscallSysno); ok {
			t.regs.RestartSyscall(nr, t.restart.arg0)
		}
	default:
		t.restart.block = nil
	}
}

var restartSyscallSysno, _ = arch.SysnoByName("restart_syscall")

func sysRestartSyscall(t *Task, a [6]uint64) (uint64, error) {
	fn := t.restart.block
	t.restart.block = nil
	if fn == nil {
		return 0, unix.EINTR
	}
	return fn(t)
}
