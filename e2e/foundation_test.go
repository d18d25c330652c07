package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEchoPrintsHello(t *testing.T) {
	r := sentry(t, "run", "/bin/echo", "hello")
	if r.stdout != "hello\n" || r.status != 0 {
		t.Fatalf("got stdout %q status %d, stderr:\n%s", r.stdout, r.status, r.stderr)
	}
}

func TestExitStatusIsTheApps(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		status int
	}{
		{[]string{"/bin/true"}, 0},
		{[]string{"/bin/false"}, 1},
		{[]string{"/bin/sh", "-c", "exit 7"}, 7},
		{[]string{"true"}, 0}, // found through PATH inside the sandbox
	} {
		r := sentry(t, append([]string{"run"}, tc.args...)...)
		if r.status != tc.status {
			t.Errorf("%v: status %d, want %d; stderr:\n%s", tc.args, r.status, tc.status, r.stderr)
		}
	}
}

func TestShellOverlayWriteStaysInSandbox(t *testing.T) {
	probe := filepath.Join(os.TempDir(), "sentry-e2e-probe")
	os.Remove(probe)
	r := sentry(t, "run", "/bin/sh", "-c", "echo x > "+probe+"; read l < "+probe+"; echo $l")
	if r.stdout != "x\n" || r.status != 0 {
		t.Fatalf("got stdout %q status %d, stderr:\n%s", r.stdout, r.status, r.stderr)
	}
	if _, err := os.Stat(probe); err == nil {
		os.Remove(probe)
		t.Fatalf("%s appeared on the host", probe)
	}
}

func TestCoreutilsRun(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.txt"), []byte("one\ntwo\nthree\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want func(string) bool
	}{
		{[]string{"/bin/cat", filepath.Join(dir, "f.txt")}, func(s string) bool { return s == "one\ntwo\nthree\n" }},
		{[]string{"/usr/bin/head", "-n", "2", filepath.Join(dir, "f.txt")}, func(s string) bool { return s == "one\ntwo\n" }},
		{[]string{"/bin/ls", dir}, func(s string) bool { return s == "f.txt\n" }},
		{[]string{"/bin/ls", "-la", "/"}, func(s string) bool { return strings.Contains(s, " etc\n") && strings.Contains(s, " usr") }},
		{[]string{"/usr/bin/env"}, func(s string) bool { return strings.Contains(s, "SENTRY_E2E=yes\n") }},
		{[]string{"/bin/sleep", "0.2"}, func(s string) bool { return s == "" }},
	} {
		t.Setenv("SENTRY_E2E", "yes")
		r := sentry(t, append([]string{"run"}, tc.args...)...)
		if r.status != 0 || !tc.want(r.stdout) {
			t.Errorf("%v: status %d stdout %q stderr:\n%s", tc.args, r.status, r.stdout, r.stderr)
		}
	}
}

func TestBusyboxRuns(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"/bin/busybox", "sh", "-c", "echo $((6*7)); x=sandbox; echo ${x}"}, "42\nsandbox\n"},
		{[]string{"/bin/busybox", "echo", "via-applet"}, "via-applet\n"},
		{[]string{"/bin/busybox", "uname", "-sm"}, "Linux x86_64\n"},
		{[]string{"/bin/busybox", "wc", "-l", "/etc/passwd"}, ""},
	} {
		r := sentry(t, append([]string{"run"}, tc.args...)...)
		if r.status != 0 || (tc.want != "" && r.stdout != tc.want) || r.stdout == "" {
			t.Errorf("%v: status %d stdout %q stderr:\n%s", tc.args, r.status, r.stdout, r.stderr)
		}
	}
}

func TestStaticAndStaticPIEPrograms(t *testing.T) {
	for _, flags := range [][]string{{"-static"}, {"-static-pie"}, {}} {
		bin := buildC(t, "hello", flags...)
		r := sentry(t, "run", bin, "world")
		if r.status != 0 || r.stdout != "hello world mapped 120\n" {
			t.Errorf("gcc %v: status %d stdout %q stderr:\n%s", flags, r.status, r.stdout, r.stderr)
		}
	}
}

func TestSegfaultIsReportedLikeAShell(t *testing.T) {
	bin := buildC(t, "segv")
	r := sentry(t, "run", bin)
	if r.status != 139 || !strings.Contains(r.stderr, "Segmentation fault") {
		t.Fatalf("status %d stderr %q", r.status, r.stderr)
	}
}

func TestBadPointersGiveEFAULT(t *testing.T) {
	bin := buildC(t, "efault")
	r := sentry(t, "run", bin)
	if r.status != 0 || r.stdout != "efault bad=0\n" {
		t.Fatalf("status %d stdout %q stderr:\n%s", r.status, r.stdout, r.stderr)
	}
}

func TestUnsupportedSyscallWarnsOnceAndCounts(t *testing.T) {
	bin := buildC(t, "enosys")
	r := sentry(t, "run", "--debug", bin)
	if r.status != 0 || r.stdout != "ENOSYS twice\n" {
		t.Fatalf("status %d stdout %q stderr:\n%s", r.status, r.stdout, r.stderr)
	}
	if n := strings.Count(r.stderr, "unsupported syscall io_setup"); n != 1 {
		t.Errorf("warned %d times about io_setup, want once; stderr:\n%s", n, r.stderr)
	}
	if !strings.Contains(r.stderr, "io_setup") || !strings.Contains(r.stderr, " 2\n") {
		t.Errorf("--debug summary lacks io_setup with 2 calls; stderr:\n%s", r.stderr)
	}
}

func TestBadInputIsOneLineAndShellStatus(t *testing.T) {
	dir := t.TempDir()
	notElf := filepath.Join(dir, "notelf")
	os.WriteFile(notElf, []byte("just text\n"), 0o755)
	noExec := filepath.Join(dir, "noexec")
	os.WriteFile(noExec, []byte("\x7fELF"), 0o644)
	for _, tc := range []struct {
		prog   string
		status int
		msg    string
	}{
		{notElf, 126, "Exec format error"},
		{filepath.Join(dir, "missing"), 127, "No such file or directory"},
		{"no-such-command-xyz", 127, "command not found"},
		{noExec, 126, "Permission denied"},
	} {
		r := sentry(t, "run", tc.prog)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.status != tc.status || len(lines) != 1 || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("%s: status %d stderr %q; want %d and one line with %q", tc.prog, r.status, r.stderr, tc.status, tc.msg)
		}
	}
}

func TestStraceShowsDecodedSyscalls(t *testing.T) {
	out := filepath.Join(t.TempDir(), "trace")
	r := sentry(t, "run", "--strace", "--strace-output", out, "/bin/cat", "/nonexistent-file")
	if r.status != 1 {
		t.Fatalf("status %d stderr:\n%s", r.status, r.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	trace := string(b)
	for _, want := range []string{
		`openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3`,
		`openat(AT_FDCWD, "/nonexistent-file", O_RDONLY) = -1 ENOENT (No such file or directory)`,
		`mmap(NULL, `,
		`arch_prctl(ARCH_SET_FS, 0x`,
		`exit_group(1)`,
		`+++ exited with 1 +++`,
	} {
		if !strings.Contains(trace, want) {
			t.Errorf("trace lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("trace:\n%s", trace)
	}
	// Without --strace-output the trace goes to stderr.
	r = sentry(t, "run", "--strace", "/bin/true")
	if !strings.Contains(r.stderr, "exit_group(0)") {
		t.Errorf("no trace on stderr: %q", r.stderr)
	}
}

// TestRandomSyscallArgumentsNeverCrashTheSentry throws random arguments at
// the implemented syscalls: each must get an answer, never a sentry crash.
func TestRandomSyscallArgumentsNeverCrashTheSentry(t *testing.T) {
	bin := buildC(t, "syscall_fuzz")
	for _, seed := range []string{"1", "2", "3"} {
		r := sentry(t, "run", bin, "20000", seed)
		if r.status != 0 || r.stdout != "survived 20000 calls\n" || strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "internal error") {
			t.Fatalf("seed %s: status %d stdout %q stderr:\n%s", seed, r.status, r.stdout, r.stderr)
		}
	}
}

// TestTtyFlagWantsATerminal: -t refuses a stdin that is no terminal with
// one line, before the program starts.
func TestTtyFlagWantsATerminal(t *testing.T) {
	r := sentry(t, "run", "-it", "/bin/echo", "never")
	if r.status != 125 || r.stdout != "" || !strings.Contains(r.stderr, "not a terminal") {
		t.Fatalf("status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}
}
