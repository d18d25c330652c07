package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestUserCPUTimeIsTheCPUTheThreadGot: on a busy host a spinning
// program's user time is the CPU its thread was given, not the wall time
// it spent runnable (as Linux counts it): with two CPU hogs per CPU
// beside it, the user time getrusage reports in the sandbox never exceeds
// what the host's scheduler counted for the stub threads that ran it
// (schedstat), read after the report.
func TestUserCPUTimeIsTheCPUTheThreadGot(t *testing.T) {
	bin := buildC(t, "spin_cputime")
	for i := 0; i < 2*runtime.NumCPU(); i++ {
		hog := exec.Command("sh", "-c", "while :; do :; done")
		if err := hog.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { hog.Process.Kill(); hog.Wait() })
	}
	cmd := exec.Command(sentryBin, "run", bin)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("no report: %v", sc.Err())
	}
	userUS, err := strconv.ParseInt(sc.Text(), 10, 64)
	if err != nil {
		t.Fatalf("report %q: %v", sc.Text(), err)
	}
	// The program now blocks in read: its stubs' CPU is final.
	var stubNS int64
	for _, p := range descendants(cmd.Process.Pid) {
		files, _ := filepath.Glob("/proc/" + strconv.Itoa(p) + "/task/*/schedstat")
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			if ns, err := strconv.ParseInt(strings.Fields(string(b))[0], 10, 64); err == nil {
				stubNS += ns
			}
		}
	}
	if stubNS == 0 {
		t.Fatal("no stub found under the sentry")
	}
	if userUS*1000 > stubNS {
		t.Fatalf("user time %d µs, but the stubs ran %d µs on a CPU", userUS, stubNS/1000)
	}
	t.Logf("user time %d µs, stubs on a CPU %d µs, of 500,000 µs of wall time", userUS, stubNS/1000)
}
