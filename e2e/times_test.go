package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// TestTimesCountsProcessAndChildren: times(2) fills its buffer (it was
// ENOSYS, which glibc passes on as a clock value), the process's time grows
// as it computes and a waited-for child's shows in tms_cutime, natively
// and in the sandbox.
func TestTimesCountsProcessAndChildren(t *testing.T) {
	prog := buildC(t, "times")
	if out, err := exec.Command(prog).CombinedOutput(); err != nil || !strings.Contains(string(out), "done 0") {
		t.Fatalf("native: %v\n%s", err, out)
	}
	r := sentry(t, "run", prog)
	if r.status != 0 || !strings.Contains(r.stdout, "done 0") {
		t.Errorf("status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
}
