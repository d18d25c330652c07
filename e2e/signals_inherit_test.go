package e2e

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ignoring runs prog with args with SIGHUP and SIGINT ignored, as nohup
// and a shell's background job start a program.
func ignoring(prog string, args ...string) *exec.Cmd {
	return exec.Command("/bin/sh", append([]string{"-c", `trap "" HUP INT; exec "$@"`, "sh", prog}, args...)...)
}

// startWithDefaultAction makes the programs the test starts begin with
// sig at its default action, also when go test itself was started with
// it ignored (nohup, a background job, a CI runner): execve keeps SIG_IGN
// but resets a handled signal to its default, so the test handles sig
// while it runs. A test whose program must die of a signal sets that
// disposition rather than inheriting whatever it finds.
func startWithDefaultAction(t *testing.T, sig os.Signal) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sig)
	t.Cleanup(func() { signal.Stop(ch) })
}

// TestProgramInheritsIgnoredSignals: a program started by a sentry that
// was itself started with SIGHUP and SIGINT ignored (nohup, a background
// job) finds them ignored, as natively, since execve keeps SIG_IGN.
func TestProgramInheritsIgnoredSignals(t *testing.T) {
	bin := buildC(t, "sigign")
	want, err := ignoring(bin).Output()
	if err != nil || string(want) != "ignored: 1 2\n" {
		t.Fatalf("natively: %q, %v; want SIGHUP (1) and SIGINT (2) ignored", want, err)
	}
	got, err := ignoring(sentryBin, "run", bin).Output()
	if err != nil || string(got) != string(want) {
		t.Errorf("under the sentry: %q, %v; natively %q", got, err, want)
	}
	// Started as this test was (under nohup or not), as natively.
	want = []byte(native(t, bin))
	if got, err := exec.Command(sentryBin, "run", bin).Output(); err != nil || string(got) != string(want) {
		t.Errorf("under the sentry started as the test was: %q, %v; natively %q", got, err, want)
	}
}

// TestNohupProgramSurvivesHangup: SIGHUP sent to a sentry started with
// SIGHUP ignored reaches the program, which ignores it and carries on.
func TestNohupProgramSurvivesHangup(t *testing.T) {
	cmd := ignoring(sentryBin, "run", "busybox", "sh", "-c", "echo ready; read x; echo survived $x")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-time.After(hangLimit):
			cmd.Process.Kill()
		}
	}()
	r := bufio.NewReader(stdout)
	if line, err := r.ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("first line %q, %v; stderr:\n%s", line, err, stderr.String())
	}
	// The sh -c exec'd the sentry: cmd.Process is the sentry.
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, "yes\n")
	stdin.Close()
	rest, _ := io.ReadAll(r)
	err = cmd.Wait()
	if string(rest) != "survived yes\n" || err != nil {
		t.Errorf("after SIGHUP: stdout %q, %v; stderr:\n%s", rest, err, stderr.String())
	}
}
