package ptrace

import "testing"

func TestCapEffHas(t *testing.T) {
	for _, tc := range []struct {
		status string
		want   bool
	}{
		{"Name:\tx\nCapEff:\t000001ffffffffff\n", true},
		{"Name:\tx\nCapEff:\t0000000000000000\n", false},
		{"CapEff:\t0000000000080000\n", true},
		{"CapEff:\t0000000000040000\n", false},
		{"CapPrm:\t0000000000080000\n", false},
		{"CapEff:\tzz\n", false},
	} {
		if got := capEffHas(tc.status, capSysPtrace); got != tc.want {
			t.Errorf("capEffHas(%q) = %v, want %v", tc.status, got, tc.want)
		}
	}
}
