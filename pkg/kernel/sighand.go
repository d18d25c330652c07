package kernel

import (
	"sync"

	"sentry/pkg/signals"
)

// sigHandlers is a table of signal dispositions, Linux's sighand_struct.
// Each thread group points at one; processes created with CLONE_SIGHAND
// (which requires CLONE_VM) point at the same table, so a sigaction in
// one is seen by the others, until one of them execs and gets its own
// (Linux's unshare_sighand). The pointer ThreadGroup.sig.hand is guarded
// by ThreadGroup.mu; the table by its own mu, a leaf lock, because the
// thread groups sharing it have different ThreadGroup.mu.
type sigHandlers struct {
	mu  sync.Mutex
	act [signals.NumSignals + 1]signals.Action
}

// get returns sig's disposition.
func (h *sigHandlers) get(sig int) signals.Action {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.act[sig]
}

// swap sets sig's disposition and returns the old one.
func (h *sigHandlers) swap(sig int, a signals.Action) signals.Action {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.act[sig]
	h.act[sig] = a
	return old
}

// update changes sig's disposition in place, atomically with respect to
// the other sharers.
func (h *sigHandlers) update(sig int, f func(*signals.Action)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(&h.act[sig])
}

// copyTable returns an unshared copy. With reset, every signal is set
// back to its default action except ignored ones, which stay ignored,
// and flags and masks are cleared (Linux's flush_signal_handlers, run at
// exec and for CLONE_CLEAR_SIGHAND).
func (h *sigHandlers) copyTable(reset bool) *sigHandlers {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := &sigHandlers{act: h.act}
	if reset {
		for i := range n.act {
			h := signals.SigDfl
			if n.act[i].Handler == signals.SigIgn {
				h = signals.SigIgn
			}
			n.act[i] = signals.Action{Handler: uint64(h)}
		}
	}
	return n
}
