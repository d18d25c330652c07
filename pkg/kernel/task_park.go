package kernel

import (
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Parking: waitFor's contract (ready, deadline, EINTR on interrupt or
// group kill) for a wait whose wakers can call t.park.wake() instead of
// sending on a channel. The task sleeps on a futex in its own OS thread,
// in a blocking syscall as far as the Go scheduler knows, instead of
// parking its goroutine. A task goroutine is locked to its OS thread, so
// readying it from a channel send costs the waker a hand-off of its P to
// that thread and a park of its own thread (startlockedm); a futex wake is
// one syscall and the waker goes on running. Measured on the hot path of a
// single-client redis: see the commit that added this file.

// parker is a futex word: parkIdle, parkToken (a wake came) or
// parkSleeping (the owner is in FUTEX_WAIT). Only the owning task parks;
// anyone may wake.
type parker struct {
	word atomic.Uint32
}

const (
	parkIdle uint32 = iota
	parkToken
	parkSleeping
)

// wake leaves a token, waking the owner if it sleeps.
func (p *parker) wake() {
	if p.word.Swap(parkToken) == parkSleeping {
		hostFutexWake(&p.word)
	}
}

// park sleeps until a token is there or d passes (d < 0: no limit), and
// consumes the token. It may return early (signals to the sentry's
// thread); callers re-check what they wait for.
func (p *parker) park(d time.Duration) {
	if p.word.CompareAndSwap(parkToken, parkIdle) {
		return
	}
	if p.word.CompareAndSwap(parkIdle, parkSleeping) {
		hostFutexWait(&p.word, parkSleeping, d)
	}
	p.word.Store(parkIdle)
}

// waitUntil is waitFor for conditions rather than channels: it returns
// nil once ready() holds, ETIMEDOUT at the deadline (zero: none), EINTR
// when the task is interrupted or its group killed. Whatever makes ready()
// true must call t.park.wake() afterwards.
func (t *Task) waitUntil(ready func() bool, deadline time.Time) error {
	select {
	case <-t.interruptCh:
	default:
	}
	if t.signalPending() {
		return unix.EINTR
	}
	traced := false
	for {
		if ready() {
			return nil
		}
		select {
		case <-t.interruptCh:
			return unix.EINTR
		case <-t.tg.killed:
			return unix.EINTR
		default:
		}
		d := time.Duration(-1)
		if !deadline.IsZero() {
			if d = time.Until(deadline); d <= 0 {
				return unix.ETIMEDOUT
			}
		}
		if !traced && t.traced != nil && (d < 0 || d >= longWait) {
			t.k.cfg.Strace.Blocking(t.traced)
			traced = true
		}
		t.park.park(d)
	}
}
