package kernel

import "sentry/pkg/signals"

// procSignals is what /proc/PID/status (SigPnd, ShdPnd, SigBlk, SigIgn,
// SigCgt) and /proc/PID/stat show of a process's signals: the pending
// queue and mask of task t (the thread group leader, as Linux shows for
// /proc/PID), the group's shared queue, and which dispositions ignore or
// catch. Programs read it to check what they inherited (CPython's
// subprocess restore_signals test reads SigIgn).
type procSignals struct {
	pnd, shd, blk, ign, cgt signals.Set
}

// signalStatus reads tg's signal state; t may be nil (no task left).
func (tg *ThreadGroup) signalStatus(t *Task) procSignals {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	var s procSignals
	if t != nil {
		s.pnd, s.blk = t.pending.Pending(), t.sigMask
	}
	s.shd = tg.sig.pending.Pending()
	s.ign, s.cgt = tg.sig.hand.dispositionSets()
	return s
}

// dispositionSets returns the signals whose handler is SIG_IGN and those
// with a handler function.
func (h *sigHandlers) dispositionSets() (ign, cgt signals.Set) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sig := 1; sig <= signals.NumSignals; sig++ {
		switch h.act[sig].Handler {
		case signals.SigDfl:
		case signals.SigIgn:
			ign |= signals.Bit(sig)
		default:
			cgt |= signals.Bit(sig)
		}
	}
	return ign, cgt
}
