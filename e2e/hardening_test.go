package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
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

// TestInt80IsSIGSEGVLikeAKernelWithoutIA32: int $0x80 from a 64-bit
// program is not served as a 64-bit syscall (eax=1 would be write) but is
// the #GP of a kernel without IA32 emulation: SIGSEGV, SI_KERNEL, rip at
// the instruction. Hosts without IA32 emulation answer the same natively.
func TestInt80IsSIGSEGVLikeAKernelWithoutIA32(t *testing.T) {
	prog := buildC(t, "int80")
	const want = "SIGSEGV code 128 at-int80 1\n"
	cmd := exec.Command(prog)
	out, _ := cmd.Output()
	if string(out) == want {
		t.Log("this host has no IA32 emulation either: same answer natively")
	} else {
		t.Logf("natively (IA32 emulation on): %q, status %d", out, cmd.ProcessState.ExitCode())
	}
	got := sentry(t, "run", prog)
	if got.status != 0 || got.stdout != want {
		t.Errorf("int $0x80: status %d stdout %q stderr %q, want %q", got.status, got.stdout, got.stderr, want)
	}
}

// TestArchPrctlKernelHalfBaseIsEPERM: ARCH_SET_FS/GS with a base at or
// above TASK_SIZE_MAX (including the last user page) fails with EPERM as
// natively, instead of reaching PTRACE_SETREGS and killing the program.
func TestArchPrctlKernelHalfBaseIsEPERM(t *testing.T) {
	prog := buildC(t, "int80")
	want, err := exec.Command(prog, "fs").Output()
	if err != nil {
		t.Fatalf("natively: %v", err)
	}
	got := sentry(t, "run", prog, "fs")
	if got.status != 0 || got.stdout != string(want) {
		t.Errorf("status %d stdout %q stderr %q, natively %q", got.status, got.stdout, got.stderr, want)
	}
}

// TestInitIgnoresKillFromInside: kill(1, SIGKILL), SIGSTOP and an
// unhandled SIGTERM from a child (and from init itself) do not touch the
// sandbox's init; a handled SIGUSR1 does arrive. Natively the program runs
// as pid 1 of a new pid namespace (unshare, as root).
func TestInitIgnoresKillFromInside(t *testing.T) {
	prog := buildC(t, "initkill")
	want := "child: exited 1 status 0\ninit survived; SIGUSR1 handled 1\n"
	if out, err := exec.Command("unshare", "--pid", "--fork", prog).Output(); err == nil {
		want = string(out)
	} else {
		t.Logf("no native pid namespace (%v): comparing with the expected output", err)
	}
	got := sentry(t, "run", prog)
	if got.status != 0 || got.stdout != want {
		t.Errorf("status %d stdout %q stderr %q, want %q", got.status, got.stdout, got.stderr, want)
	}
}

// TestVolumeCannotPlantPrivilegedHostFiles: inside a writable volume the
// sandbox makes a copy of busybox set-user-ID and set-group-ID, gives it
// to other owners, creates a set-user-ID file, and sets file capabilities
// and trusted.* attributes. The sandbox sees the bits, owners and
// attributes it set; the host files stay owned by the sentry's user,
// without set-ID bits and without the privileged attributes (a user.* one
// does reach the host).
func TestVolumeCannotPlantPrivilegedHostFiles(t *testing.T) {
	setx := buildC(t, "setxattrs", "-static")
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	script := `cp /usr/bin/busybox /v/bb && chmod 6755 /v/bb && chown 0:0 /v/bb && chmod 6755 /v/bb && ls -ln /v/bb &&
cp /usr/bin/busybox /v/bb2 && chown 1234:5678 /v/bb2 && chmod 6755 /v/bb2 && ls -ln /v/bb2 &&
/usr/bin/busybox touch /v/f /v/g && chmod 4755 /v/g && ls -ln /v/g && mkdir /v/d && chmod 2775 /v/d && mkdir -m 6775 /v/d2 &&
` + setx + ` /v/f security.capability trusted.x user.ok`
	got := sentry(t, "run", "-v", dir+":/v", "/usr/bin/busybox", "sh", "-c", script)
	if got.status != 0 {
		t.Fatalf("sandbox script: status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	wantOut := []string{
		fmt.Sprintf("-rwsr-sr-x 1 %d %d ", uid, gid), // bb: the sandbox sees its chmod
		"-rwsr-sr-x 1 1234 5678 ",                    // bb2: and its chown
		fmt.Sprintf("-rwsr-xr-x 1 %d %d ", uid, gid), // g
		"security.capability ok read back 20\ntrusted.x ok read back 20\nuser.ok ok read back 20\n",
	}
	for _, w := range wantOut {
		if !strings.Contains(got.stdout, w) {
			t.Errorf("sandbox output lacks %q:\n%s", w, got.stdout)
		}
	}
	for _, name := range []string{"bb", "bb2", "g", "f"} {
		var st syscall.Stat_t
		if err := syscall.Stat(dir+"/"+name, &st); err != nil {
			t.Fatal(err)
		}
		if st.Mode&(syscall.S_ISUID|syscall.S_ISGID) != 0 || st.Uid != uid || st.Gid != gid {
			t.Errorf("host %s: mode %o owner %d:%d, want no set-ID bits and %d:%d", name, st.Mode, st.Uid, st.Gid, uid, gid)
		}
	}
	var st syscall.Stat_t
	if err := syscall.Stat(dir+"/d", &st); err != nil || st.Mode&syscall.S_ISGID == 0 {
		t.Errorf("host d: mode %o (%v): set-group-ID on a directory should reach the host", st.Mode, err)
	}
	if err := syscall.Stat(dir+"/d2", &st); err != nil || st.Mode&syscall.S_ISUID != 0 {
		t.Errorf("host d2: mode %o (%v): set-user-ID reached the host", st.Mode, err)
	}
	for _, x := range []string{"security.capability", "trusted.x"} {
		if _, err := syscall.Getxattr(dir+"/f", x, make([]byte, 64)); err == nil {
			t.Errorf("host f has %s", x)
		}
	}
	if _, err := syscall.Getxattr(dir+"/f", "user.ok", make([]byte, 64)); err != nil {
		t.Errorf("host f lacks user.ok: %v", err)
	}
}

// TestPidsLimitStopsForkBombs: --pids-limit N bounds the tasks alive at
// once: a process that forks waiting children gets EAGAIN after N-1 of
// them, so does one whose children exit unreaped (zombies keep their
// PIDs), and a fork bomb (every process forking until it fails) fills the
// limit and ends, with the sentry intact.
func TestPidsLimitStopsForkBombs(t *testing.T) {
	prog := buildC(t, "forkbomb")
	got := sentry(t, "run", "--pids-limit", "10", prog, "flat")
	if got.status != 0 || got.stdout != "forked 9 children, then EAGAIN\n" {
		t.Errorf("flat: status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
	// Zombies hold their PIDs until reaped, as in a pids cgroup.
	got = sentry(t, "run", "--pids-limit", "10", prog, "zombies")
	if got.status != 0 || got.stdout != "forked 9 children, then EAGAIN\n" {
		t.Errorf("zombies: status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
	got = sentry(t, "run", "--pids-limit", "40", prog, "bomb")
	if got.status != 0 || got.stdout != "bomb contained: fork failed with EAGAIN\n" {
		t.Errorf("bomb: status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
}

// TestNofileCapsRLIMIT_NOFILE: --nofile N is the hard limit of open files
// (soft min(1024, N)); raising it is EPERM. Without the flag: 1024 soft,
// 1048576 hard.
func TestNofileCapsRLIMIT_NOFILE(t *testing.T) {
	got := sentry(t, "run", "--nofile", "100", "/bin/sh", "-c", "ulimit -n; ulimit -Hn; ulimit -n 200 2>/dev/null || echo refused; ulimit -n 50 && ulimit -n")
	if got.status != 0 || got.stdout != "100\n100\nrefused\n50\n" {
		t.Errorf("--nofile 100: status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
	got = sentry(t, "run", "/bin/sh", "-c", "ulimit -n; ulimit -Hn")
	if got.status != 0 || got.stdout != "1024\n1048576\n" {
		t.Errorf("default: status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
}
