package kernel

import (
	"time"

	"golang.org/x/sys/unix"
)

// Blocking. Every syscall that waits (futex, sleeps, and later reads of
// pipes and sockets, accept, epoll_wait, wait4) waits through waitFor, so
// one mechanism makes all of them interruptible: the group being killed,
// a signal becoming deliverable to the task (ThreadGroup.send calls
// t.interrupt() after queueing it), and another thread's execve
// (endOtherThreads sets execKilled, then interrupts).

// waitFor blocks until ready is closed or receives (nil), the deadline
// passes (ETIMEDOUT; a zero deadline never passes), or the task is
// interrupted (EINTR). ready may be nil to wait only for the others.
func (t *Task) waitFor(ready <-chan struct{}, deadline time.Time) error {
	// A token left by an earlier interrupt says nothing now; what counts
	// is the state behind it: a pending signal, or another thread's
	// execve ending this one (endOtherThreads). Each sender records its
	// state first and interrupts after, so one arriving from here on
	// leaves a new token. (Taking the token and then finding no signal
	// pending once lost an execve's interrupt: the thread slept on in
	// pause() while the exec waited for it to end.)
	select {
	case <-t.interruptCh:
	default:
	}
	if t.execKilled.Load() || t.signalPending() {
		return unix.EINTR
	}
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		d := time.Until(deadline)
		if d <= 0 {
			return unix.ETIMEDOUT
		}
		tm := time.NewTimer(d)
		defer tm.Stop()
		timeout = tm.C
	}
	if t.traced != nil && (deadline.IsZero() || time.Until(deadline) >= longWait) {
		// Only a call that will really wait shows as unfinished.
		select {
		case <-ready:
			return nil
		default:
		}
		t.k.cfg.Strace.Blocking(t.traced)
	}
	select {
	case <-ready:
		return nil
	case <-timeout:
		return unix.ETIMEDOUT
	case <-t.interruptCh:
		return unix.EINTR
	case <-t.tg.killed:
		return unix.EINTR
	}
}

// longWait is how far a deadline must be for the trace to show the call
// as "<unfinished ...>" while it waits: shorter waits end soon and their
// line is written whole at exit, as strace writes a call no other
// thread's line interrupts; Tracer.Blocking costs a "resumed" line.
const longWait = time.Second

// interrupt wakes the task from waitFor (or makes its next waitFor return
// EINTR at once) and from user code.
func (t *Task) interrupt() {
	select {
	case t.interruptCh <- struct{}{}:
	default:
	}
	t.park.wake()
	t.interruptPlatform()
}
