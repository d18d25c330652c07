package e2e

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The limits a sandbox has when no flag sets them (docker's defaults are
// no limits; the sentry's are what keeps the host and the sentry itself
// alive): these tests give no limit flag.

// signalOnMatch is an io.Writer that closes seen the first time a write
// contains pattern (a pattern split across two writes is found in a
// later one: the tests look for a line that repeats).
type signalOnMatch struct {
	pattern []byte
	once    sync.Once
	seen    chan struct{}
}

func newSignalOnMatch(pattern string) *signalOnMatch {
	return &signalOnMatch{pattern: []byte(pattern), seen: make(chan struct{})}
}

func (s *signalOnMatch) Write(p []byte) (int, error) {
	if bytes.Contains(p, s.pattern) {
		s.once.Do(func() { close(s.seen) })
	}
	return len(p), nil
}

// reaperLine is reaper.c's last line: it waited for every process
// orphaned by the sentry (its stubs) to be gone.
var reaperLine = regexp.MustCompile(`(?m)^reaper: \d+ orphans reaped$`)

// TestForkBombWithoutFlagsEndsInEAGAINAndACleanExit: the shell fork bomb
// f(){ f|f& };f run by busybox sh without any limit flag fills the
// default pids limit: the bomb's shells get EAGAIN from fork ("can't
// fork"), and the sentry does not die of it (no Go thread exhaustion, no
// crash). A signal still ends it: SIGTERM to the sentry kills PID 1 (the
// shell, which has no handler), and its death ends the sandbox with its
// status (143), every other process killed. The sentry runs under
// reaper.c, a child subreaper that exits only once every process left
// below the sentry is gone, so a stub outliving the sandbox hangs the
// test.
func TestForkBombWithoutFlagsEndsInEAGAINAndACleanExit(t *testing.T) {
	reaper := buildC(t, "reaper")
	// The background sleep keeps PID 1 waiting whatever the bomb's jobs do.
	script := `/bin/busybox sleep 1000000 & f(){ f|f& }; f; wait; echo wait returned $?`
	cmd := exec.Command(reaper, sentryBin, "run", "/bin/busybox", "sh", "-c", script)
	var out, errb bytes.Buffer
	eagain := newSignalOnMatch("can't fork: Resource temporarily unavailable")
	cmd.Stdout = &out
	cmd.Stderr = io.MultiWriter(&errb, eagain)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	go func() {
		<-eagain.seen
		t.Logf("first EAGAIN after %v", time.Since(start))
		// reaper passes it on to the sentry, which passes it to PID 1.
		cmd.Process.Signal(syscall.SIGTERM)
	}()
	waitStarted(t, cmd, hangLimit, &out, &errb)
	t.Logf("ended after %v", time.Since(start))
	status, stderr := cmd.ProcessState.ExitCode(), errb.String()
	if m := crashText.FindString(stderr); m != "" || strings.Contains(stderr, "pthread_create") {
		t.Fatalf("the sentry crashed (%q): %s", m, tail(stderr, 8000))
	}
	select {
	case <-eagain.seen:
	default:
		t.Fatalf("no fork failed with EAGAIN: status %d stdout %q stderr %s", status, out.String(), tail(stderr, 4000))
	}
	if status != 128+int(syscall.SIGTERM) || out.String() != "" {
		t.Errorf("status %d stdout %q, want PID 1 killed by SIGTERM; stderr %s", status, out.String(), tail(stderr, 4000))
	}
	if !reaperLine.MatchString(stderr) {
		t.Errorf("reaper did not finish: %s", tail(stderr, 4000))
	}
}

// TestRootFilesOpenedUntilEMFILEStillLetAChildExec: a program raising
// RLIMIT_NOFILE to its hard limit and opening a file of the read-only
// root until open fails gets EMFILE from its own limit, as natively
// (the sentry's host fds for root files park and reopen on use, so the
// sandbox's limit may exceed the sentry's own), then frees one fd, forks,
// and the child execs busybox, which loads and prints: the sentry could
// still make the child's stub and open the program and its libraries.
// Without flags (hard limit 1048576) and with --nofile 1048576 spelled
// out; natively the host's limit applies.
func TestRootFilesOpenedUntilEMFILEStillLetAChildExec(t *testing.T) {
	prog := buildC(t, "fdfill")
	args := []string{prog, "/etc/passwd", "/bin/busybox", "echo", "child ran"}
	native, err := exec.Command(args[0], args[1:]...).Output()
	if err != nil || string(native) != "open failed: Too many open files\nchild ran\nchild exited 0\n" {
		t.Fatalf("native: %v %q", err, native)
	}
	for _, flags := range [][]string{nil, {"--nofile", "1048576"}} {
		got := sentry(t, append(append([]string{"run"}, flags...), args...)...)
		if got.status != 0 || got.stdout != string(native) || crashText.MatchString(got.stderr) {
			t.Errorf("%v: status %d stdout %q, native %q; stderr %q", flags, got.status, got.stdout, native, tail(got.stderr, 2000))
		}
		if !strings.Contains(got.stderr, "opened 1048573\n") {
			t.Errorf("%v: want the sandbox's whole limit opened (1048576 but stdio): %q", flags, tail(got.stderr, 2000))
		}
	}
}

// TestFiftyGigabytesTouchedWithoutFlagsEndInTheOOMKill: without --memory
// a program mapping 50 GB (more than this host has) gets the mapping, as
// Linux's overcommit gives it, and touching it page by page ends in the
// sandbox's OOM kill at the default limit (three quarters of the host's
// available memory): SIGKILL (exit 137) with the sentry's line on stderr,
// and the sentry exits cleanly. The host saw at most the limit: the
// largest resident set of the sentry and its stubs (wait4's rusage, the
// host's own count) stays below three quarters of the host's memory plus
// slack, and above the smallest default (min(1 GiB, half the RAM)), so
// the memory was really touched.
func TestFiftyGigabytesTouchedWithoutFlagsEndInTheOOMKill(t *testing.T) {
	prog := buildC(t, "memhog")
	cmd := exec.Command(sentryBin, "run", prog, "reserve", "50")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	wait(t, cmd, hangLimit, &out, &errb)
	status, stderr := cmd.ProcessState.ExitCode(), errb.String()
	if crashText.MatchString(stderr) {
		t.Fatalf("the sentry crashed: %s", tail(stderr, 8000))
	}
	if status != 137 || out.String() != "mapped 50 GB\n" || !oomLine.MatchString(stderr) {
		t.Errorf("status %d stdout %q stderr %q, want the OOM kill after the mapping", status, out.String(), tail(stderr, 2000))
	}
	total := memTotal(t)
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
	t.Logf("peak resident set %d MB of %d MB", peak>>20, total>>20)
	if slack := int64(512 << 20); peak > total/4*3+slack {
		t.Errorf("peak resident set %d MB, above 3/4 of the host's %d MB", peak>>20, total>>20)
	}
	if peak < min(1<<30, total/2)/2 {
		t.Errorf("peak resident set %d MB: the touched memory was not seen", peak>>20)
	}
}

// memTotal is the host's MemTotal in bytes.
func memTotal(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no MemTotal in /proc/meminfo")
	return 0
}

// TestWalkingMoreDirectoriesThanTheSentryHasFdsWorks: every directory of
// the read-only root the sandbox has looked up stays cached, and its host
// fd parks when the sentry's directory fds run short (reopened by name on
// use), so find over a tree of 3,031 directories, with the sentry's own
// RLIMIT_NOFILE at 1024, lists every one without an error, as natively,
// and a child still forks and execs afterwards.
func TestWalkingMoreDirectoriesThanTheSentryHasFdsWorks(t *testing.T) {
	tree := t.TempDir()
	for i := 0; i < 30; i++ {
		for j := 0; j < 100; j++ {
			if err := os.MkdirAll(fmt.Sprintf("%s/d%d/e%d", tree, i, j), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	script := "find " + tree + " -type d 2>&1 | wc -l; /bin/busybox echo child ran"
	native, err := exec.Command("/bin/busybox", "sh", "-c", script).Output()
	if err != nil || string(native) != "3031\nchild ran\n" {
		t.Fatalf("native: %v %q", err, native)
	}
	// The host shell lowers the sentry's own limit.
	cmd := exec.Command("/bin/sh", "-c", `ulimit -n 1024 && exec "$0" "$@"`, sentryBin, "run", "/bin/busybox", "sh", "-c", script)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	wait(t, cmd, hangLimit, &out, &errb)
	if st := cmd.ProcessState.ExitCode(); st != 0 || out.String() != string(native) {
		t.Errorf("status %d stdout %q, native %q; stderr %q", st, out.String(), native, tail(errb.String(), 2000))
	}
}
