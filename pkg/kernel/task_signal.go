package kernel

import (
	"fmt"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/platform"
	"sentry/pkg/signals"
	"sentry/pkg/strace"
)

// Signals: generation (send), the choice of thread, and delivery at the
// task's next return to user code (handleSignals). Dispositions, the
// group's shared queue and stop state are ThreadGroup.sig; each task has a
// mask and a queue of thread-directed signals. All of it is guarded by
// ThreadGroup.mu. A sender wakes the chosen task with interrupt(), which
// ends its waitFor (EINTR) or its user code (EventInterrupted).

// signalState is the group's signal state (tg.mu).
type signalState struct {
	hand    *sigHandlers  // dispositions, maybe shared (sighand.go)
	pending signals.Queue // process-directed signals
	// stopped is set while the group is stopped (SIGSTOP, SIGTSTP...);
	// cont is closed when SIGCONT ends the stop.
	stopped bool
	cont    chan struct{}
}

const stopSignals = signals.Set(1<<(signals.SIGSTOP-1) | 1<<(signals.SIGTSTP-1) | 1<<(signals.SIGTTIN-1) | 1<<(signals.SIGTTOU-1))

// send generates a signal for the group (target nil: process-directed) or
// for one of its tasks. It returns EAGAIN when a real-time signal cannot
// be queued.
func (tg *ThreadGroup) send(info signals.Info, target *Task) error {
	sig := int(info.Signo)
	continued := false
	defer func() {
		if continued {
			tg.k.groupContinued(tg) // after tg.mu: Kernel.mu comes first
		}
	}()
	if sig == signals.SIGKILL {
		tg.exitGroup(ExitStatus{Signal: sig})
		return nil
	}
	tg.mu.Lock()
	if tg.exiting {
		tg.mu.Unlock()
		return nil
	}
	var wake []*Task
	switch {
	case sig == signals.SIGCONT:
		tg.sig.pending.Discard(stopSignals)
		for _, t := range tg.tasks {
			t.pending.Discard(stopSignals)
		}
		if tg.sig.stopped {
			tg.sig.stopped = false
			close(tg.sig.cont)
			continued = true
		}
	case stopSignals.Has(sig):
		tg.sig.pending.Discard(signals.Bit(signals.SIGCONT))
		for _, t := range tg.tasks {
			t.pending.Discard(signals.Bit(signals.SIGCONT))
		}
	}
	act := tg.sig.hand.get(sig)
	if act.Ignored(sig) && !tg.blockedLocked(sig, target) {
		tg.mu.Unlock()
		return nil
	}
	q := &tg.sig.pending
	if target != nil {
		q = &target.pending
	}
	if !q.Enqueue(info) {
		tg.mu.Unlock()
		if sig >= signals.SIGRTMIN {
			return unix.EAGAIN
		}
		return nil // merged with the instance already pending
	}
	if target != nil {
		wake = append(wake, target)
	} else if t := tg.pickTargetLocked(sig); t != nil {
		wake = append(wake, t)
	}
	tg.mu.Unlock()
	tg.sigfd.Notify(epoll.EventIn | epoll.EventRdNorm)
	for _, t := range wake {
		t.interrupt()
	}
	return nil
}

// blockedLocked reports whether sig is blocked where it would go: by
// target, or for a process-directed signal by every task.
func (tg *ThreadGroup) blockedLocked(sig int, target *Task) bool {
	if target != nil {
		return target.sigMask.Has(sig)
	}
	for _, t := range tg.tasks {
		if !t.sigMask.Has(sig) {
			return false
		}
	}
	return len(tg.tasks) > 0
}

// pickTargetLocked chooses the task to wake for a process-directed sig:
// the leader if it takes it, else any task that does not block it (or
// waits for it in rt_sigtimedwait). nil if all block it: it then waits in
// the shared queue until some task unblocks it.
func (tg *ThreadGroup) pickTargetLocked(sig int) *Task {
	takes := func(t *Task) bool { return !(t.sigMask &^ t.sigWaiting).Has(sig) }
	if t := tg.tasks[tg.pid]; t != nil && takes(t) {
		return t
	}
	for _, t := range tg.tasks {
		if takes(t) {
			return t
		}
	}
	return nil
}

// signalPending reports whether the task has a reason to stop waiting: a
// signal it does not block (or waits for), or a group stop.
func (t *Task) signalPending() bool {
	tg := t.tg
	tg.mu.Lock()
	defer tg.mu.Unlock()
	allowed := ^(t.sigMask &^ t.sigWaiting)
	return (t.pending.Pending()|tg.sig.pending.Pending())&allowed != 0 || tg.sig.stopped
}

// dequeueLocked takes the next signal in allowed, the task's own first.
func (t *Task) dequeueLocked(allowed signals.Set) (signals.Info, bool) {
	if info, ok := t.pending.Dequeue(allowed); ok {
		return info, true
	}
	return t.tg.sig.pending.Dequeue(allowed)
}

// forceSignal raises a synchronous signal (a fault) in the task: if the
// task blocks or ignores it, the default action is restored and it is
// unblocked, so that a fault can never be lost (Linux's force_sig_info).
func (t *Task) forceSignal(info signals.Info) {
	tg := t.tg
	sig := int(info.Signo)
	tg.mu.Lock()
	blocked := t.sigMask.Has(sig)
	tg.sig.hand.update(sig, func(act *signals.Action) {
		if blocked || act.Handler == signals.SigIgn {
			act.Handler = signals.SigDfl
			blocked = true
		}
	})
	if blocked {
		t.sigMask &^= signals.Bit(sig)
	}
	t.pending.Enqueue(info)
	tg.mu.Unlock()
}

// Fault si_codes (asm-generic/siginfo.h).
const (
	segvMapErr = 1 // SEGV_MAPERR
	segvAccErr = 2 // SEGV_ACCERR
	busAdrErr  = 2 // BUS_ADRERR
)

// faultInfo is the siginfo of a fault the platform reported. A page fault
// on a page of a file mapping past the file's end is SIGBUS for Linux:
// the platform saw only a page it does not map.
func (t *Task) faultInfo(ev platform.Event) signals.Info {
	if ev.Kind == platform.EventFault && ev.Signo == int(unix.SIGSEGV) &&
		(ev.Code == segvMapErr || ev.Code == segvAccErr) && t.tg.mm.PastEOF(ev.Addr) {
		return signals.Info{Signo: signals.SIGBUS, Code: busAdrErr, Addr: ev.Addr}
	}
	return signals.Info{Signo: int32(ev.Signo), Code: int32(ev.Code), Addr: ev.Addr}
}

// handleSignals delivers what is pending and deliverable before the task
// returns to user code: handlers get frames (nested, one per signal),
// defaults are applied, a group stop parks the task. It settles an
// interrupted syscall (fixRestart) and reports whether the task must exit.
func (t *Task) handleSignals() bool {
	tg := t.tg
	handled := false
	for {
		tg.mu.Lock()
		if tg.exiting {
			tg.mu.Unlock()
			return true
		}
		if tg.sig.stopped {
			cont := tg.sig.cont
			tg.mu.Unlock()
			select {
			case <-cont:
			case <-tg.killed:
			}
			continue
		}
		info, ok := t.dequeueLocked(^t.sigMask)
		if !ok {
			tg.mu.Unlock()
			break
		}
		sig := int(info.Signo)
		act := tg.sig.hand.get(sig)
		if act.Handler == signals.SigIgn {
			tg.mu.Unlock()
			continue
		}
		if act.Handler == signals.SigDfl {
			switch signals.Default(sig) {
			case signals.ActIgnore, signals.ActContinue:
				tg.mu.Unlock()
				continue
			case signals.ActStop:
				tg.sig.stopped = true
				tg.sig.cont = make(chan struct{})
				others := tg.otherTasksLocked(t)
				tg.mu.Unlock()
				t.traceDelivery(&info)
				for _, o := range others {
					o.interrupt()
				}
				t.k.groupStopped(tg, sig)
				continue
			}
			tg.mu.Unlock()
			t.traceDelivery(&info)
			tg.exitGroup(ExitStatus{Signal: sig, Core: signals.Default(sig) == signals.ActCore})
			return true
		}
		if act.Flags&signals.SAResetHand != 0 {
			tg.sig.hand.update(sig, func(a *signals.Action) {
				a.Handler = signals.SigDfl
				a.Flags &^= signals.SASigInfo
			})
		}
		oldMask := t.sigMask
		if t.haveSavedMask {
			oldMask = t.savedMask
			t.haveSavedMask = false
		}
		newMask := t.sigMask | act.Mask
		if act.Flags&signals.SANoDefer == 0 {
			newMask |= signals.Bit(sig)
		}
		t.sigMask = newMask &^ signals.Unblockable
		tg.mu.Unlock()
		t.traceDelivery(&info)
		if !handled {
			t.fixRestart(&act)
			handled = true
		}
		if err := t.pushSignalFrame(&info, &act, oldMask); err != nil {
			// No room for the frame (or no way to build one): Linux
			// kills with SIGSEGV.
			if _, isErrno := err.(unix.Errno); !isErrno {
				fmt.Fprintf(t.k.cfg.Warn, "sentry: task %d: signal %d: %v\n", t.tid, sig, err)
			}
			tg.exitGroup(ExitStatus{Signal: signals.SIGSEGV, Core: true})
			return true
		}
	}
	if !handled {
		t.fixRestart(nil)
		if t.haveSavedMask {
			tg.mu.Lock()
			t.sigMask = t.savedMask
			tg.mu.Unlock()
			t.haveSavedMask = false
		}
	}
	return false
}

func (tg *ThreadGroup) otherTasksLocked(t *Task) []*Task {
	var out []*Task
	for _, o := range tg.tasks {
		if o != t {
			out = append(out, o)
		}
	}
	return out
}

// traceDelivery shows a delivered signal the way strace -f does.
func (t *Task) traceDelivery(info *signals.Info) {
	tr := t.k.cfg.Strace
	if tr == nil {
		return
	}
	tr.Signal(t.tid, &strace.SigInfo{
		Signo: info.Signo, Errno: info.Errno, Code: info.Code, Pid: info.Pid, Uid: info.Uid,
		Addr: info.Addr, TimerID: info.TimerID, Overrun: info.Overrun, Value: info.Value,
	})
}
