package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runFor runs name with args (the sentry or a native program) and gives
// it up to limit, which these tests need beyond sentryIn's minute: a
// thousand forks take a while on a busy machine. On timeout it sends
// SIGABRT first, so a hung sentry prints its goroutines.
func runFor(t *testing.T, limit time.Duration, name string, args ...string) (result, time.Duration) {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	wait(t, cmd, limit, &out, &errb)
	st := cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		st = 128 + int(ws.Signal())
	}
	return result{out.String(), errb.String(), st}, time.Since(start)
}

// TestForkWhileThreadsWriteKeepsEveryByte forks 1,000 times from a process
// whose 32 threads keep rewriting and checking memory of their own (and
// passing it through pipes, so the sentry writes there too) while the
// forks happen; every child checks that it sees each thread's memory as
// it was at one instant and that none of it changes under it, writes and
// checks memory of its own, and exits with the verdict; the parent checks
// every child's status and its threads' memory. The same program runs
// natively first; then 300 times more from a process small enough that
// the sentry copies its memory instead of sharing it. Under the sentry
// this used to kill the parent with SIGSEGV (a thread's fault on memory
// another thread had just taken back from copy-on-write was taken for a
// real one) and give children of the small process a snapshot torn
// between moments (its memory was copied while its threads wrote it).
func TestForkWhileThreadsWriteKeepsEveryByte(t *testing.T) {
	bin := buildC(t, "fork_threads", "-pthread")
	for _, tc := range []struct {
		name string
		args []string
	}{
		// 32 threads of 16 KiB each and 3 MiB of ballast: the sentry
		// shares the memory copy-on-write at fork (as for redis and
		// CPython).
		{"copy-on-write", []string{"32", "1000", "16", "3072"}},
		// No ballast: the process is small enough that the sentry
		// copies its memory at fork.
		{"copied", []string{"32", "300", "16", "0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := "ok 32 " + tc.args[1] + "\n"
			native, nd := runFor(t, 5*time.Minute, bin, tc.args...)
			if native.status != 0 || native.stdout != want {
				t.Fatalf("natively: status %d\nstdout:\n%s\nstderr:\n%s", native.status, native.stdout, native.stderr)
			}
			r, sd := runFor(t, 10*time.Minute, sentryBin, append([]string{"run", bin}, tc.args...)...)
			if r.status != native.status || r.stdout != native.stdout {
				t.Fatalf("under the sentry: status %d, stdout:\n%s\nnatively:\n%s\nstderr:\n%s", r.status, r.stdout, native.stdout, tail(r.stderr, 4000))
			}
			t.Logf("%s forks: %v natively, %v under the sentry", tc.args[1], nd.Round(time.Millisecond), sd.Round(time.Millisecond))
		})
	}
}

// forkAfterThreadsPy is CPython's
// test_threading.ThreadJoinOnShutdown.test_clear_threads_states_after_fork
// (16 threads in time.sleep(0.3), then os.fork(); the child checks that
// only its own thread state is left) three times over.
const forkAfterThreadsPy = `
import os, sys, threading, time
for round in range(3):
    threads = [threading.Thread(target=lambda: time.sleep(0.3)) for _ in range(16)]
    for t in threads:
        t.start()
    pid = os.fork()
    if pid == 0:
        os._exit(51 if len(sys._current_frames()) == 1 else 52)
    _, status = os.waitpid(pid, 0)
    for t in threads:
        t.join()
    print("round", round, "child exit", os.waitstatus_to_exitcode(status))
`

// TestPythonForkWithSleepingThreads runs CPython's fork-with-16-sleeping-
// threads test under the sentry and natively. It used to end in "Fatal
// Python error: Segmentation fault" in the parent.
func TestPythonForkWithSleepingThreads(t *testing.T) {
	py := "/usr/bin/python3.11"
	if _, err := os.Stat(py); err != nil {
		t.Fatalf("%s: not installed (make deps installs python3.11)", py)
	}
	script := filepath.Join(t.TempDir(), "fork_threads.py")
	if err := os.WriteFile(script, []byte(forkAfterThreadsPy), 0o644); err != nil {
		t.Fatal(err)
	}
	native, _ := runFor(t, 2*time.Minute, py, script)
	if native.status != 0 || strings.Count(native.stdout, "child exit 51") != 3 {
		t.Fatalf("natively: status %d\nstdout:\n%s\nstderr:\n%s", native.status, native.stdout, native.stderr)
	}
	r, _ := runFor(t, 5*time.Minute, sentryBin, "run", py, script)
	if r.status != native.status || r.stdout != native.stdout {
		t.Fatalf("under the sentry: status %d, stdout:\n%s\nnatively:\n%s\nstderr:\n%s", r.status, r.stdout, native.stdout, tail(r.stderr, 4000))
	}
}
