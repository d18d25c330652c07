package e2e

import (
	"path/filepath"
	"testing"
)

// TestExecFromAThreadEndsALeaderThatIsJustBlocking: a thread's execve
// ends the other threads wherever they are, also one that is just going
// into pause(); 300 times on each platform. On riscv64 beside two CPU
// hogs the exec waited forever now and then: the leader took the exec's
// interrupt on its way into pause(), then slept, since its wait checked
// only for signals (the same in procs' exec-from-thread part, which hung
// TestRISCVForkExecWaitSemantics in a loaded CI run).
func TestExecFromAThreadEndsALeaderThatIsJustBlocking(t *testing.T) {
	for _, c := range []struct{ name, bin string }{
		{"amd64", buildC(t, "exec_thread_race", "-pthread")},
		{"riscv64", buildRISCVFrom(t, filepath.Join("c", "exec_thread_race.c"))},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := sentry(t, "run", c.bin, "300")
			if r.status != 0 || r.stdout != "ok 300\n" {
				t.Fatalf("status %d, stdout %q, stderr:\n%s", r.status, r.stdout, r.stderr)
			}
		})
	}
}
