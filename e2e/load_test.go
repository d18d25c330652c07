package e2e

import (
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// cpuHogs starts n busy processes (stress-ng's CPU workers when
// installed, else `yes >/dev/null`) that load every CPU until the test
// ends.
func cpuHogs(t *testing.T, n int) {
	t.Helper()
	var cmds []*exec.Cmd
	if _, err := exec.LookPath("stress-ng"); err == nil {
		cmds = append(cmds, exec.Command("stress-ng", "--cpu", itoa(n), "--quiet"))
	} else {
		for i := 0; i < n; i++ {
			cmds = append(cmds, exec.Command("yes"))
		}
	}
	for _, c := range cmds {
		// Its own process group, so the cleanup kills stress-ng's
		// workers too.
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := c.Start(); err != nil {
			t.Fatalf("start %v: %v", c.Args, err)
		}
		c := c
		t.Cleanup(func() {
			syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
			c.Wait()
		})
	}
}

// TestThreadCreationUnderCPULoad: a program creating hundreds of threads,
// sixteen at a time, creates every one of them under the sentry while
// CPU hogs load the machine, as it does natively.
func TestThreadCreationUnderCPULoad(t *testing.T) {
	bin := buildC(t, "thread_churn", "-pthread")
	cpuHogs(t, 2*runtime.NumCPU()+2)
	want := native(t, bin)
	if want != "128 threads ran\n" {
		t.Fatalf("natively: %q", want)
	}
	r := sentry(t, "run", bin)
	if r.status != 0 || r.stdout != want || strings.Contains(r.stderr, "thread") {
		t.Fatalf("status %d, stdout %q (natively %q), stderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
}
