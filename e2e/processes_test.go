package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestForkExecWaitSemantics runs a C program checking exit statuses,
// death by signal, zombies, WNOHANG/ECHILD, SIGCHLD (handler siginfo and
// SIG_IGN auto-reap), orphans going to a subreaper and to PID 1,
// close-on-exec and signal dispositions across execve, a failed execve
// (ENOENT, E2BIG) leaving the caller intact, vfork, process groups and
// sessions, kill to a group, waitid (WNOWAIT, P_PIDFD), pidfd_open and
// pidfd_send_signal, WUNTRACED/WCONTINUED, and copy-on-write memory.
func TestForkExecWaitSemantics(t *testing.T) {
	prog := buildC(t, "procs")
	r := sentry(t, "run", prog)
	if r.status != 0 || strings.Contains(r.stdout, "FAIL") || !strings.Contains(r.stdout, "done 0") {
		t.Fatalf("status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
	// The program is PID 1 in the sandbox, so it also checks that
	// orphans are re-parented to it.
	if !strings.Contains(r.stdout, "ok orphan-to-init") {
		t.Errorf("the init-only check did not run:\n%s", r.stdout)
	}
}

// TestForkSnapshotWhileParentWrites is BGSAVE's use of fork without a
// network: a 256 MiB heap forked while the parent keeps writing; the
// child must see the heap as it was, and fork must not copy it up front.
func TestForkSnapshotWhileParentWrites(t *testing.T) {
	prog := buildC(t, "bgsave")
	r := sentry(t, "run", prog, "256", "/tmp/bgsave.out")
	if r.status != 0 || !strings.Contains(r.stdout, "ok snapshot") {
		t.Fatalf("status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
	t.Log(strings.TrimSpace(r.stdout))
}

// TestShellsRunJobs runs dash and busybox sh scripts with subshells,
// background jobs, wait, kill of a job, and nested shells.
func TestShellsRunJobs(t *testing.T) {
	for _, sh := range [][]string{{"/bin/dash"}, {"/usr/bin/busybox", "sh"}} {
		if _, err := os.Stat(sh[0]); err != nil {
			t.Fatalf("%s: not installed (make deps installs it)", sh[0])
		}
		for _, tc := range []struct{ script, want string }{
			{`(exit 3); echo $?`, "3\n"},
			{`sleep 0.1 & wait; echo waited $?`, "waited 0\n"},
			{`sleep 10 & kill $!; wait $!; echo $?`, "143\n"},
			{`/bin/sh -c 'exit 4' & wait $!; echo $?`, "4\n"},
			{`/bin/sh -c 'kill -9 $$'; echo $?`, "137\n"},
			{`trap 'echo got usr1' USR1; kill -USR1 $$; echo after`, "got usr1\nafter\n"},
			{`/bin/echo external; exec /bin/echo replaced; echo not reached`, "external\nreplaced\n"},
		} {
			args := append(append([]string{"run"}, sh...), "-c", tc.script)
			r := sentry(t, args...)
			if r.stdout != tc.want || r.status != 0 {
				t.Errorf("%s -c %q: stdout %q status %d, want %q; stderr:\n%s", sh[0], tc.script, r.stdout, r.status, tc.want, r.stderr)
			}
		}
	}
}

// TestShellPipelines needs pipes: a pipeline, command substitution.
func TestShellPipelines(t *testing.T) {
	for _, sh := range [][]string{{"/bin/dash"}, {"/usr/bin/busybox", "sh"}} {
		args := append(append([]string{"run"}, sh...), "-c", `echo a | cat; (exit 3); echo $?; x=$(echo sub); echo $x; echo b | tr b c | cat`)
		r := sentry(t, args...)
		if want := "a\n3\nsub\nc\n"; r.stdout != want || r.status != 0 {
			t.Errorf("%s: stdout %q status %d, want %q; stderr:\n%s", sh[0], r.stdout, r.status, want, r.stderr)
		}
	}
}

// TestSandboxEndsWithFirstProcess: background processes do not keep the
// sandbox alive; the sentry exits with PID 1's status at once.
func TestSandboxEndsWithFirstProcess(t *testing.T) {
	// The children would outlive the harness's 60 s limit, which fails
	// the test if the sandbox waited for them.
	r := sentry(t, "run", "/bin/sh", "-c", "sleep 1000 & sleep 1000 & exit 5")
	if r.status != 5 {
		t.Fatalf("status %d, want 5; stderr:\n%s", r.status, r.stderr)
	}
}

// TestProcShowsEveryProcess: /proc/PID of a child, with its parent.
func TestProcShowsEveryProcess(t *testing.T) {
	r := sentry(t, "run", "/bin/sh", "-c", `sleep 1 & sleep 0.3; grep -E "^(Name|PPid)" /proc/$!/status; kill $!`)
	if want := "Name:\tsleep\nPPid:\t1\n"; r.stdout != want {
		t.Errorf("stdout %q, want %q; stderr:\n%s", r.stdout, want, r.stderr)
	}
	// After execve, /proc/self shows the new program's arguments and
	// environment.
	r = sentry(t, "run", "/bin/sh", "-c", `env -i BAR=baz cat /proc/self/environ; echo; cat /proc/self/cmdline | tr "\0" " "`)
	if want := "BAR=baz\x00\ncat /proc/self/cmdline "; r.stdout != want {
		t.Errorf("stdout %q, want %q; stderr:\n%s", r.stdout, want, r.stderr)
	}
}

// TestRISCVForkExecWaitSemantics runs the same checks on the riscv64
// interpreter platform (copy-on-write there is the interpreter honouring
// the write-protection of shared pages).
func TestRISCVForkExecWaitSemantics(t *testing.T) {
	root := riscvRoot(t)
	gcc := needTool(t, "riscv64-linux-gnu-gcc")
	dir := t.TempDir()
	prog := filepath.Join(dir, "procs")
	if b, err := exec.Command(gcc, "-O1", "-static", "-o", prog, filepath.Join("..", "testdata", "c", "procs.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
	r := sentry(t, "run", "--root", root, "-v", dir+":/t:ro", "/t/procs")
	if r.status != 0 || strings.Contains(r.stdout, "FAIL") || !strings.Contains(r.stdout, "done 0") {
		t.Fatalf("status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
}

// TestRISCVBusyboxJobs: the riscv64 root's busybox sh with pipelines,
// command substitution, background jobs and kill.
func TestRISCVBusyboxJobs(t *testing.T) {
	root := riscvRoot(t)
	r := sentry(t, "run", "--root", root, "/bin/busybox", "sh", "-c",
		`(exit 3); echo $?; echo a | cat; x=$(echo sub); echo $x; sleep 0.1 & wait; echo waited $?; sleep 10 & kill $!; wait $!; echo $?`)
	if want := "3\na\nsub\nwaited 0\n143\n"; r.stdout != want || r.status != 0 {
		t.Fatalf("stdout %q status %d, want %q; stderr:\n%s", r.stdout, r.status, want, r.stderr)
	}
}

// TestOrphanedStoppedGroupGetsHUPAndCONT: an exit that orphans a process
// group with a stopped member (the exiting process's own group, or its
// child's) sends SIGHUP then SIGCONT to the group; a running orphaned
// group gets nothing.
func TestOrphanedStoppedGroupGetsHUPAndCONT(t *testing.T) { sameAsNative(t, "jobctl_orphan", 0) }
