package e2e

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

const python = "/usr/bin/python3.11"

// unittestLine is one verbose unittest result: "test_x (mod.Class.test_x) ... ok".
var unittestLine = regexp.MustCompile(`(?m)^(test\w*) \(([\w.]+)\)(?: .*)? \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure)$`)

// pyTestResults maps each test of a `python -m test -v` run to its result.
func pyTestResults(out string) map[string]string {
	m := map[string]string{}
	for _, g := range unittestLine.FindAllStringSubmatch(out, -1) {
		m[g[2]] = g[3]
	}
	return m
}

// samePythonTests runs `python3.11 -m test -v ARGS` natively and in the
// sandbox and fails on any test whose result differs (or that ran on one
// side only).
func samePythonTests(t *testing.T, args ...string) {
	t.Helper()
	comparePythonTests(t, false, args...)
}

// samePythonNetTests is samePythonTests for network tests: natively they
// run in a fresh network namespace (inFreshNetns).
func samePythonNetTests(t *testing.T, args ...string) {
	t.Helper()
	comparePythonTests(t, true, args...)
}

func comparePythonTests(t *testing.T, netns bool, args ...string) {
	t.Helper()
	argv := append([]string{"-m", "test", "-v"}, args...)
	cmd := exec.Command(python, argv...)
	if netns {
		cmd = inFreshNetns(cmd)
	}
	nout, _ := cmd.CombinedOutput()
	want := pyTestResults(string(nout))
	if len(want) == 0 {
		t.Fatalf("no results natively:\n%s", tail(string(nout), 3000))
	}
	r := sentryPatient(t, append([]string{"run", python}, argv...)...)
	got := pyTestResults(r.stdout + r.stderr)
	var diffs []string
	for name, w := range want {
		if g := got[name]; g != w {
			diffs = append(diffs, name+": "+g+", natively "+w)
		}
	}
	for name, g := range got {
		if _, ok := want[name]; !ok {
			diffs = append(diffs, name+": "+g+", not run natively")
		}
	}
	if len(diffs) > 0 {
		t.Fatalf("%d of %d tests differ:\n%s\nsandbox output:\n%s", len(diffs), len(want), strings.Join(diffs, "\n"), tail(r.stdout+r.stderr, 6000))
	}
}

// TestPythonFcntlTestsPassAsNatively: CPython's test_fcntl (locks through
// F_SETLKW/F_GETLK, which are also the *64 commands on 64-bit, flock,
// lockf, F_NOTIFY with DN_MULTISHOT's 64-bit argument, pipe sizes).
func TestPythonFcntlTestsPassAsNatively(t *testing.T) { samePythonTests(t, "test_fcntl") }

// TestChrootAnswersAsForAProcessWithoutCapSysChroot: chroot checks its
// path (ENOENT, ENOTDIR) and then refuses with EPERM; natively the same
// script runs after dropping root, which gives Linux's answers for a
// process without CAP_SYS_CHROOT.
func TestChrootAnswersAsForAProcessWithoutCapSysChroot(t *testing.T) {
	needRoot(t)
	script := `import os, errno
os.setuid(65534)
for p in ["/nonexistent-dir", "/etc/passwd", "/", "/tmp", "x" * 5000]:
    try:
        os.chroot(p); print(p[:20], "ok")
    except OSError as e:
        print(p[:20], errno.errorcode[e.errno])
`
	want, err := exec.Command(python, "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("native: %v\n%s", err, want)
	}
	r := sentry(t, "run", python, "-c", script)
	if r.status != 0 || r.stdout != string(want) {
		t.Fatalf("status %d, stdout:\n%s\nnatively:\n%s\nstderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
}

// TestPythonPosixTestsPassAsNatively: CPython's test_posix (ids, groups,
// scheduling, priorities, times, file calls) gives every test the result
// it gives natively.
func TestPythonPosixTestsPassAsNatively(t *testing.T) { samePythonTests(t, "test_posix") }

// TestPythonOSTestsPassAsNatively: the same for CPython's test_os.
func TestPythonOSTestsPassAsNatively(t *testing.T) { samePythonTests(t, "test_os") }

// sentryPatient is sentry for a whole CPython test module: hundreds of
// tests, which on a loaded machine can take many times the minute
// sentryIn allows. Only a hang (15 minutes) fails it.
func sentryPatient(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(sentryBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sentry: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Minute):
		cmd.Process.Signal(syscall.SIGABRT)
		<-done
		t.Fatalf("sentry %v: hung; stdout:\n%s\nstderr:\n%s", args, tail(out.String(), 4000), tail(errb.String(), 20000))
	}
	return result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}
