package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// descendants lists every process below pid, from /proc.
func descendants(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(b)) {
			c, err := strconv.Atoi(s)
			if err == nil {
				out = append(out, c)
				out = append(out, descendants(c)...)
			}
		}
	}
	return out
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// A zombie waiting for a reaper is gone for our purpose.
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] != "Z"
}

// TestStubHoldsOnlyTheMemoryFile is the one invariant checked from
// outside: the process that runs the app holds no host fd but the memory
// file, maps no app file from the host, runs under a seccomp filter, and
// dies when the sentry is killed.
func TestStubHoldsOnlyTheMemoryFile(t *testing.T) {
	cmd := exec.Command(sentryBin, "run", "/bin/sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var stubs []int
	for i := 0; i < 100 && len(stubs) == 0; i++ {
		time.Sleep(50 * time.Millisecond)
		stubs = descendants(cmd.Process.Pid)
	}
	if len(stubs) == 0 {
		t.Fatal("no process under the sentry: where does the app run?")
	}
	// Give the app time to load and map its libraries.
	time.Sleep(500 * time.Millisecond)
	for _, p := range stubs {
		dir := "/proc/" + strconv.Itoa(p)
		fds, _ := filepath.Glob(dir + "/fd/*")
		if len(fds) == 0 {
			t.Errorf("stub %d: no fds at all, not even the memory file", p)
		}
		for _, fd := range fds {
			target, err := os.Readlink(fd)
			if err == nil && !strings.HasPrefix(target, "/memfd:") {
				t.Errorf("stub %d holds host fd %s -> %s", p, fd, target)
			}
		}
		maps, err := os.ReadFile(dir + "/maps")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(maps), "\n") {
			f := strings.Fields(line)
			if len(f) >= 6 && strings.HasPrefix(f[5], "/") && !strings.HasPrefix(f[5], "/memfd:") {
				t.Errorf("stub %d maps a host file: %s", p, line)
			}
		}
		if !strings.Contains(string(maps), "/memfd:") {
			t.Errorf("stub %d maps nothing from the memory file", p)
		}
		status, _ := os.ReadFile(dir + "/status")
		if !strings.Contains(string(status), "Seccomp:\t2") {
			t.Errorf("stub %d is not under a seccomp filter", p)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	// A loaded machine may take long to kill the stubs: only hangLimit
	// is a failure.
	deadline := time.Now().Add(hangLimit)
	for _, p := range stubs {
		for alive(p) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if alive(p) {
			t.Errorf("stub %d outlived the sentry's SIGKILL", p)
		}
	}
}
