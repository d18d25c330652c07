package e2e

import (
	"os/exec"
	"testing"
)

// TestProcStatusShowsSignalsAsLinux: /proc/self/status's SigPnd, ShdPnd,
// SigBlk, SigIgn and SigCgt, and stat's signal fields, after a program
// ignores, catches, blocks and raises signals: the same lines natively
// and in the sandbox.
func TestProcStatusShowsSignalsAsLinux(t *testing.T) {
	prog := buildC(t, "proc_sigstatus")
	native, err := exec.Command(prog).Output()
	if err != nil {
		t.Fatalf("native: %v", err)
	}
	r := sentry(t, "run", prog)
	if r.status != 0 || r.stdout != string(native) {
		t.Errorf("status %d; sandbox:\n%s\nnative:\n%s\nstderr:\n%s", r.status, r.stdout, native, r.stderr)
	}
}
