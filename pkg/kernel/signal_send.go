package kernel

import (
	"sentry/pkg/signals"
)

// Signals the process tree generates: SIGCHLD to a parent, the
// parent-death signal, and signals one process sends another.

// signalProcess sends sig to tg from the kernel (SI_KERNEL).
func (k *Kernel) signalProcess(tg *ThreadGroup, sig int) {
	if !signals.Valid(sig) {
		return
	}
	_ = tg.send(signals.Info{Signo: int32(sig), Code: signals.SIKernel}, nil)
}

// CLD_* codes of SIGCHLD's siginfo.
const (
	cldExited    = 1
	cldKilled    = 2
	cldDumped    = 3
	cldStopped   = 5
	cldContinued = 6
)

// notifyParent sends the parent of child its exit signal (SIGCHLD for a
// forked process) describing what happened to child: code is CLD_* and
// status the exit code or signal.
func (k *Kernel) notifyParent(parent, child *ThreadGroup, sig, code, status int) {
	if parent == nil || !signals.Valid(sig) {
		return
	}
	_ = parent.send(signals.Info{
		Signo: int32(sig), Code: int32(code), Pid: int32(child.pid),
		Uid: int32(child.credentials().RealUID), Status: int32(status),
	}, nil)
}
