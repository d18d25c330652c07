package kernel

import (
	"testing"

	"sentry/pkg/signals"
)

func TestSigHandlersCopyTable(t *testing.T) {
	h := &sigHandlers{}
	h.swap(signals.SIGUSR1, signals.Action{Handler: 0x401000, Flags: signals.SASigInfo})
	h.swap(signals.SIGUSR2, signals.Action{Handler: signals.SigIgn, Flags: signals.SAResetHand})
	h.swap(signals.SIGCHLD, signals.Action{Handler: signals.SigDfl, Flags: signals.SANoCldStop})
	for _, tc := range []struct {
		name  string
		reset bool
		sig   int
		want  signals.Action
	}{
		{"fork keeps a handler", false, signals.SIGUSR1, signals.Action{Handler: 0x401000, Flags: signals.SASigInfo}},
		{"fork keeps flags of a default", false, signals.SIGCHLD, signals.Action{Flags: signals.SANoCldStop}},
		{"exec resets a handler", true, signals.SIGUSR1, signals.Action{}},
		{"exec keeps ignored, clears its flags", true, signals.SIGUSR2, signals.Action{Handler: signals.SigIgn}},
		{"exec clears flags of a default", true, signals.SIGCHLD, signals.Action{}},
	} {
		c := h.copyTable(tc.reset)
		if got := c.get(tc.sig); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
		c.swap(tc.sig, signals.Action{Handler: 0x999})
		if h.get(tc.sig).Handler == 0x999 {
			t.Errorf("%s: the copy is shared with the original", tc.name)
		}
	}
}
