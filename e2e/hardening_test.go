package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// runInDir runs `sentry run ARGS...` from dir with an unlimited
// RLIMIT_CORE, so that any process it starts which dumps core leaves the
// file there (core_pattern "core" is relative to the dying process's cwd).
func runInDir(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command("sh", append([]string{"-c", `ulimit -c unlimited; exec "$0" "$@"`, sentryBin, "run"}, args...)...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	_ = cmd.Run()
	return result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

func emptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("left behind in the sentry's working directory: %s", e.Name())
	}
}

// TestVsyscallPageWorksAndNoCoreFile: a program calling the legacy
// vsyscall entries (gettimeofday, time, getcpu) gets the same answers as
// natively, jumping into the middle of the page is SIGSEGV as natively,
// and neither leaves a core file in the sentry's working directory.
func TestVsyscallPageWorksAndNoCoreFile(t *testing.T) {
	prog := buildC(t, "vsyscall")
	// The host's vsyscall mode: xonly and emulate map the page
	// executable, none not at all.
	maps, _ := os.ReadFile("/proc/self/maps")
	native := false
	for _, l := range strings.Split(string(maps), "\n") {
		if f := strings.Fields(l); len(f) == 6 && f[5] == "[vsyscall]" && strings.Contains(f[1], "x") {
			native = true
		}
	}
	want := result{stdout: "gettimeofday 0 in-range 1\ntime 0 stored 1 in-range 1\ngetcpu 0 cpu-set 1 node-set 1\n"}
	if native {
		out, err := exec.Command(prog).Output()
		if err != nil || string(out) != want.stdout {
			t.Fatalf("natively: %q %v, want %q", out, err, want.stdout)
		}
	} else {
		t.Log("this host has vsyscall=none: the sentry's answers are checked against the expected ones only")
	}
	dir := t.TempDir()
	got := runInDir(t, dir, prog)
	if got.status != 0 || got.stdout != want.stdout {
		t.Errorf("vsyscall calls: status %d stdout %q stderr %q, want %q", got.status, got.stdout, got.stderr, want.stdout)
	}
	got = runInDir(t, dir, prog, "jump")
	if got.status != 139 || got.stdout != "jumping\n" {
		t.Errorf("jump into the vsyscall page: status %d stdout %q stderr %q, want SIGSEGV (139)", got.status, got.stdout, got.stderr)
	}
	if native {
		cmd := exec.Command(prog, "jump")
		out, _ := cmd.Output()
		if cmd.ProcessState.ExitCode() != -1 || string(out) != "jumping\n" {
			t.Errorf("natively jump: %v %q", cmd.ProcessState, out)
		}
	}
	emptyDir(t, dir)
}
