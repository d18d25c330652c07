package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// openDir is a fresh directory an unprivileged uid can reach (the test's
// temporary directories are 0700; the program opens its own to all).
func openDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	if err := os.Chmod(filepath.Dir(d), 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// needRoot: these tests compare with a native run that changes ids, which
// only root may do.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Fatal("the credential tests compare with a native run as root; run them as root")
	}
}

// TestCredentialsBehaveAsOnLinux: set*id with and without privilege (and
// -1 arguments), setfs*id, setgroups/getgroups, ids inherited over fork,
// /proc/self/status, EACCES for an unprivileged open/access/exec, new
// files owned by the fs ids, and a set-user-id-root exec (AT_SECURE): the
// same program prints the same natively and in the sandbox.
func TestCredentialsBehaveAsOnLinux(t *testing.T) {
	needRoot(t)
	sameAsNativeInDir(t, "creds")
}

// TestProcFilesBelongToTheProcessAsOnLinux: who owns /proc/self and its
// files (the euid while dumpable; root after setuid made the process
// non-dumpable, but for the 0555 directories; the euid again after
// PR_SET_DUMPABLE 1 and after exec), PR_GET_DUMPABLE through fork, the
// modes of /proc/self/fd and of fd links, and a non-root write-open of
// /proc/sys/kernel/hostname: the same program prints the same natively
// and in the sandbox.
func TestProcFilesBelongToTheProcessAsOnLinux(t *testing.T) {
	needRoot(t)
	sameAsNative(t, "proc_owner", 0)
}

// TestCapabilitiesFollowLinuxRules: capset's subset rules, the bounding
// set, keep-caps, ambient capabilities across execve, euid and fsuid
// moving to and from 0, and permission checks by CAP_DAC_OVERRIDE,
// CAP_DAC_READ_SEARCH, CAP_SYS_ADMIN and CAP_KILL rather than by uid 0:
// the same program prints the same natively and in the sandbox (whose
// root starts with the sentry's own capability sets).
func TestCapabilitiesFollowLinuxRules(t *testing.T) {
	needRoot(t)
	sameAsNative(t, "caps", 0)
}

// sameAsNativeInDir runs testdata/c/NAME.c natively and in the sandbox,
// each with a fresh directory of its own as argument, and compares
// their output.
func sameAsNativeInDir(t *testing.T, name string) {
	t.Helper()
	bin := buildC(t, name)
	want, err := exec.Command(bin, openDir(t)).Output()
	if err != nil {
		t.Fatalf("native: %v\n%s", err, want)
	}
	r := sentry(t, "run", bin, openDir(t))
	if r.status != 0 || r.stdout != string(want) {
		t.Fatalf("status %d, stdout:\n%s\nnatively:\n%s\nstderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
}

// TestCredentialsOnRISCV64: the same program built for riscv64 prints in
// the sandbox what the amd64 build prints natively (the rules are
// architecture-neutral; this checks the riscv64 syscall numbers reach them).
func TestCredentialsOnRISCV64(t *testing.T) {
	needRoot(t)
	root := riscvRoot(t)
	want, err := exec.Command(buildC(t, "creds"), openDir(t)).Output()
	if err != nil {
		t.Fatalf("native: %v\n%s", err, want)
	}
	bin := buildRISCVFrom(t, "c/creds.c")
	r := sentry(t, "run", "--root", root, "-v", filepath.Dir(bin)+":/t:ro", "/t/creds", "/tmp")
	if r.status != 0 || r.stdout != string(want) {
		t.Fatalf("status %d, stdout:\n%s\nnatively (amd64):\n%s\nstderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
}

// TestPythonPopenUserGroupExtraGroups: subprocess.Popen's user, group and
// extra_groups (setgroups, setregid, setreuid in the child before exec)
// give `id` the ids they give it natively.
func TestPythonPopenUserGroupExtraGroups(t *testing.T) {
	needRoot(t)
	const py = "/usr/bin/python3.11"
	script := `import subprocess,sys
for kw in [dict(), dict(user=1000), dict(user=1000, group=1001), dict(group=5, extra_groups=[7, 9, 7]), dict(user=65534, group=65534, extra_groups=[])]:
    p = subprocess.run(['id'], capture_output=True, text=True, **kw)
    print(kw, p.returncode, p.stdout.strip())
`
	want, err := exec.Command(py, "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("native: %v\n%s", err, want)
	}
	r := sentry(t, "run", py, "-c", script)
	if r.status != 0 || r.stdout != string(want) {
		t.Fatalf("status %d, stdout:\n%s\nnatively:\n%s\nstderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
	if !strings.Contains(r.stdout, "uid=1000") {
		t.Fatalf("no uid=1000 in:\n%s", r.stdout)
	}
}

// TestNiceAffinityClockSetAndPidfdSignalsAsOnLinux: nice values by
// process, group and user (clamping, EACCES/EPERM unprivileged,
// inheritance), per-thread affinity masks inherited over fork and
// pthread_create, sched_rr_get_interval, clock_settime/settimeofday as an
// unprivileged process sees them, pidfd_send_signal's scopes and siginfo
// rules (pidfds from pidfd_open and CLONE_PIDFD), and kill's permission
// check: the program prints the same natively and in the sandbox.
func TestNiceAffinityClockSetAndPidfdSignalsAsOnLinux(t *testing.T) {
	needRoot(t)
	sameAsNative(t, "prio_affinity", 0)
}

// TestPreadv2Pwritev2FlagsAsOnLinux: offsets of -1, RWF_APPEND,
// RWF_NOAPPEND, RWF_NOWAIT on files, pipes and sockets, and the errnos for
// bad offsets and flags, as a native run shows them.
func TestPreadv2Pwritev2FlagsAsOnLinux(t *testing.T) { sameAsNativeInDir(t, "rwf") }

// TestReniceShowsInProcAndPs: renice (setpriority) changes what
// /proc/PID/stat (priority, nice) and ps show, as natively.
func TestReniceShowsInProcAndPs(t *testing.T) {
	script := `renice -n 7 $$ >/dev/null; cut -d" " -f18,19 /proc/$$/stat; ps -o ni= -p $$; sh -c 'ps -o ni= -p $$'`
	want := native(t, "sh", "-c", script)
	r := sentry(t, "run", "/bin/sh", "-c", script)
	if r.status != 0 || r.stdout != want {
		t.Fatalf("status %d, stdout %q, natively %q\nstderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
}

// TestSentryRunByAnUnprivilegedUser: run by uid 1000, the sandbox starts
// with uid 1000, enforces the mode bits the host enforces for that user,
// and lets it make directories and files it owns: the same script run
// natively as uid 1000 prints the same.
func TestSentryRunByAnUnprivilegedUser(t *testing.T) {
	needRoot(t)
	setpriv := needTool(t, "setpriv")
	dir := openDir(t)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(openDir(t), "sentry")
	b, err := os.ReadFile(sentryBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	script := func(sub string) string {
		d := filepath.Join(dir, sub)
		return `id -u; mkdir ` + d + ` && mkdir ` + d + `/a && echo x > ` + d + `/a/f && ls -ln ` + d + `/a | grep -v total | sed 's/ [A-Z][a-z][a-z] .*//';` +
			` cat /etc/shadow 2>&1 | sed 's/^[^:]*: //'; echo hi > /proc/self/comm && echo comm ok; touch /root/x 2>&1 | sed 's/^[^:]*: //'`
	}
	as1000 := []string{setpriv, "--reuid=1000", "--regid=1000", "--clear-groups"}
	want := native(t, append(as1000, "sh", "-c", script("native"))...)
	cmd := exec.Command(as1000[0], append(as1000[1:], bin, "run", "/bin/sh", "-c", script("sandbox"))...)
	got, _ := cmd.Output()
	if string(got) != want {
		t.Fatalf("as uid 1000 in the sandbox:\n%s\nnatively:\n%s", got, want)
	}
}
