package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// stubThread is one host thread of a stub process as /proc shows it.
type stubThread struct {
	tid     int
	state   byte   // R, S, t, ...
	cpu     int    // the processor it last ran on
	allowed string // Cpus_allowed_list
}

// stubThreads lists the host threads of the sentry's stubs.
func stubThreads(sentryPID int) []stubThread {
	var out []stubThread
	for _, pid := range stubsOf(sentryPID) {
		ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		for _, e := range ents {
			dir := fmt.Sprintf("/proc/%d/task/%s", pid, e.Name())
			stat, err1 := os.ReadFile(dir + "/stat")
			status, err2 := os.ReadFile(dir + "/status")
			if err1 != nil || err2 != nil {
				continue
			}
			s := string(stat)
			f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
			if len(f) < 37 {
				continue
			}
			th := stubThread{state: f[0][0]}
			th.tid, _ = strconv.Atoi(e.Name())
			th.cpu, _ = strconv.Atoi(f[36]) // field 39, "processor"
			for _, l := range strings.Split(string(status), "\n") {
				if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
					th.allowed = strings.TrimSpace(v)
				}
			}
			out = append(out, th)
		}
	}
	return out
}

// hostCPUs lists the CPUs this test may run on.
func hostCPUs(t *testing.T) []int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Fatal(err)
	}
	var cpus []int
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	return cpus
}

// startCPUSpread runs testdata/c/cpu_spread ARGS under the sentry and
// waits for its line want.
func startCPUSpread(t *testing.T, want string, args ...string) *exec.Cmd {
	t.Helper()
	bin := buildC(t, "cpu_spread", "-pthread")
	cmd := exec.Command(sentryBin, append([]string{"run", bin}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(l)
	}()
	select {
	case l := <-line:
		if l != want {
			t.Fatalf("cpu_spread printed %q, want %q", l, want)
		}
	case <-time.After(hangLimit):
		t.Fatalf("cpu_spread did not print %q", want)
	}
	return cmd
}

// TestThreadsOfOneProcessRunOnSeveralCPUs: two threads of one process that
// compute without syscalls are not confined to one host CPU: their stub
// threads may run on more than one CPU, and are seen running on two CPUs at
// once.
func TestThreadsOfOneProcessRunOnSeveralCPUs(t *testing.T) {
	if len(hostCPUs(t)) < 2 {
		t.Skip("needs 2 host CPUs")
	}
	cmd := startCPUSpread(t, "ready", "spread", "2")
	var widened, together bool
	var last []stubThread
	deadline := time.Now().Add(hangLimit)
	for !(widened && together) && time.Now().Before(deadline) {
		last = stubThreads(cmd.Process.Pid)
		running := map[int]bool{}
		singles := map[string]bool{}
		for _, th := range last {
			if !strings.ContainsAny(th.allowed, ",-") {
				singles[th.allowed] = true
			} else {
				widened = true
			}
			if th.state == 'R' {
				running[th.cpu] = true
			}
		}
		if len(singles) > 1 {
			widened = true
		}
		if len(running) > 1 {
			together = true
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !widened || !together {
		t.Fatalf("stub threads confined: may use more than one CPU %v, seen running on two CPUs at once %v; last seen %+v", widened, together, last)
	}
}

// TestSchedSetaffinityPlacesTheThread: a thread that restricts itself to
// one CPU with sched_setaffinity runs on that host CPU, and stays there
// while it computes.
func TestSchedSetaffinityPlacesTheThread(t *testing.T) {
	checkSpinnerConfined(t, "pin")
}

// TestNewThreadInheritsSchedAffinity: a thread created by a thread
// restricted to one CPU runs on that CPU, as in Linux.
func TestNewThreadInheritsSchedAffinity(t *testing.T) {
	checkSpinnerConfined(t, "inherit")
}

// checkSpinnerConfined runs cpu_spread MODE CPU, for a CPU other than the
// host's first, and checks that its spinning thread runs there only.
func checkSpinnerConfined(t *testing.T, mode string) {
	cpus := hostCPUs(t)
	if len(cpus) < 2 {
		t.Skip("needs 2 host CPUs")
	}
	// Not the first CPU, where an unplaced thread would most likely be.
	cpu := cpus[len(cpus)-1]
	cmd := startCPUSpread(t, "pinned", mode, strconv.Itoa(cpu))
	want := strconv.Itoa(cpu)
	// The spinning thread is the stub thread that is running; the others
	// are stopped at a syscall. Wait until it has been seen on its CPU,
	// then check that it stays confined there.
	seen, confined := 0, 0
	var last []stubThread
	deadline := time.Now().Add(hangLimit)
	for confined < 50 && time.Now().Before(deadline) {
		last = stubThreads(cmd.Process.Pid)
		for _, th := range last {
			if th.state != 'R' {
				continue
			}
			if th.allowed == want && th.cpu == cpu {
				seen++
			}
			if seen > 0 {
				if th.allowed != want {
					t.Fatalf("stub thread %d of the thread on CPU %d may run on %q", th.tid, cpu, th.allowed)
				}
				confined++
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if confined < 50 {
		t.Fatalf("the thread that asked for CPU %d was not seen running there; last seen %+v", cpu, last)
	}
}
