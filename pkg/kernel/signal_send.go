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

// sendFromInside sends a signal a process of the sandbox generated (kill,
// tkill, tgkill, rt_sigqueueinfo, pidfd_send_signal) to tg, or to target
// in it. The sandbox is a pid namespace whose init is pid 1, and Linux's
// sig_task_ignored drops a signal to a namespace's init that comes from
// inside the namespace while init leaves it at SIG_DFL: a handled signal
// arrives, and so does a blocked one (Linux never ignores a blocked
// signal), but SIGKILL and SIGSTOP (always SIG_DFL) never do, so no
// process in the sandbox can kill or stop its init. Signals the kernel
// raises (faults) and those the sentry forwards from the host are not
// sent through here.
func (t *Task) sendFromInside(tg *ThreadGroup, info signals.Info, target *Task) error {
	if tg.pid == 1 {
		sig := int(info.Signo)
		tg.mu.Lock()
		// sig_ignored: a blocked signal is never ignored, since the
		// handler may change before it is unblocked (and signalfd or
		// sigwait may take it). kill() names the leader, tkill a thread.
		who := target
		if who == nil {
			who = tg.tasks[tg.pid]
		}
		blocked := who != nil && who.sigMask.Has(sig)
		dfl := tg.sig.hand.get(sig).Handler == signals.SigDfl
		tg.mu.Unlock()
		if dfl && !blocked {
			return nil
		}
	}
	return tg.send(info, target)
}
