// Package e2e runs real host programs under a freshly built sentry and
// checks what a user sees: output, exit status, files, processes.
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

var sentryBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sentry-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sentryBin = filepath.Join(dir, "sentry")
	args := []string{"build", "-o", sentryBin}
	// SENTRY_E2E_RACE=1 builds the sentry with the race detector, so the
	// end-to-end tests also hunt data races in the kernel under real
	// programs.
	if os.Getenv("SENTRY_E2E_RACE") == "1" {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "sentry/cmd/sentry")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build sentry:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one finished run.
type result struct {
	stdout, stderr string
	status         int
}

// hangLimit is how long an end-to-end test waits for something before
// calling it a hang. The machine may be loaded (a race-built sentry
// running the riscv64 redis beside CPU hogs took 40 s to answer its first
// PING, most of it starved of CPU), so no shorter wait is a failure: a
// test must not assert a time.
const hangLimit = 5 * time.Minute

// wait starts cmd, whose stdout and stderr go to out and errb, and waits
// up to limit for it to end. A run past limit is a hang: SIGABRT first,
// which makes the sentry print every goroutine's stack (it sets traceback
// "all"), so the failure says where it hung.
func wait(t *testing.T, cmd *exec.Cmd, limit time.Duration, out, errb *bytes.Buffer) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	waitStarted(t, cmd, limit, out, errb)
}

// waitStarted is wait for a cmd the caller has started.
func waitStarted(t *testing.T, cmd *exec.Cmd, limit time.Duration, out, errb *bytes.Buffer) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(limit):
		cmd.Process.Signal(syscall.SIGABRT)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		t.Fatalf("%s %v: still running after %v; stdout:\n%s\nstderr (goroutines at the abort):\n%s", cmd.Path, cmd.Args[1:], limit, tail(out.String(), 4000), tail(errb.String(), 60000))
	}
}

// sentry runs `sentry ARGS...` and returns what it did; a run longer than
// hangLimit is a hang.
func sentry(t *testing.T, args ...string) result {
	t.Helper()
	return sentryIn(t, "", args...)
}

func sentryIn(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(sentryBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	wait(t, cmd, hangLimit, &out, &errb)
	return result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}

// buildC compiles testdata/c/NAME.c with extra gcc flags into a temp dir.
func buildC(t *testing.T, name string, flags ...string) string {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Fatalf("these programs are built for the host, which must be amd64")
	}
	out := filepath.Join(t.TempDir(), name)
	args := append([]string{"-O1", "-o", out, filepath.Join("..", "testdata", "c", name+".c")}, flags...)
	cmd := exec.Command("gcc", args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", name, err, b)
	}
	return out
}
