package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestStubIsIsolatedFromTheHost checks from outside what a stub that
// escaped its seccomp filters would find: namespaces of its own (user,
// mount, network, IPC, UTS, cgroup) and an empty root, for the first
// process's stub and for a forked child's (which joins the same
// namespaces), and both seccomp filters installed.
func TestStubIsIsolatedFromTheHost(t *testing.T) {
	// Each process says "ready" once it runs, so its stub is set up.
	cmd := exec.Command(sentryBin, "run", "/bin/busybox", "sh", "-c", "echo ready; read x; (echo ready; read y); echo done")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sentryPID := cmd.Process.Pid
	lines := bufio.NewScanner(stdout)
	expect := func(want string) {
		t.Helper()
		if !lines.Scan() || lines.Text() != want {
			t.Fatalf("output %q, want %q; stderr: %s", lines.Text(), want, errb.String())
		}
	}
	check := func(stub int) {
		t.Helper()
		for _, ns := range []string{"user", "mnt", "net", "ipc", "uts", "cgroup"} {
			theirs, err1 := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", stub, ns))
			ours, err2 := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", sentryPID, ns))
			if err1 != nil || err2 != nil {
				t.Fatalf("reading %s namespaces: %v, %v", ns, err1, err2)
			}
			if theirs == ours {
				t.Errorf("stub %d shares the sentry's %s namespace %s", stub, ns, ours)
			}
		}
		root := fmt.Sprintf("/proc/%d/root", stub)
		ents, err := os.ReadDir(root)
		if err != nil {
			t.Fatalf("reading the stub's root: %v", err)
		}
		if len(ents) != 0 {
			t.Errorf("the stub's root is not empty: %d entries, e.g. %s", len(ents), ents[0].Name())
		}
		var st, host syscall.Stat_t
		if err := syscall.Stat(root+"/", &st); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Stat("/", &host); err != nil {
			t.Fatal(err)
		}
		if st.Dev == host.Dev {
			t.Errorf("the stub's root is on the host root's device")
		}
		if _, err := os.Stat(filepath.Join(root, "etc")); err == nil {
			t.Errorf("the stub sees an /etc")
		}
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", stub))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Seccomp:\t2\n", "Seccomp_filters:\t2\n", "NoNewPrivs:\t1\n"} {
			if !strings.Contains(string(status), want) {
				t.Errorf("stub %d status lacks %q", stub, want)
			}
		}
	}
	expect("ready")
	first := stubsOf(sentryPID)
	if len(first) != 1 {
		t.Fatalf("the sentry has stubs %v, want one", first)
	}
	check(first[0])
	fmt.Fprintln(in, "go")
	expect("ready")
	n := 0
	for _, s := range stubsOf(sentryPID) {
		if s != first[0] {
			check(s) // the forked subshell's
			n++
		}
	}
	if n != 1 {
		t.Errorf("the subshell has %d stubs, want one", n)
	}
	fmt.Fprintln(in, "go")
	in.Close()
	expect("done")
	if err := cmd.Wait(); err != nil {
		t.Errorf("sentry: %v; stderr: %s", err, errb.String())
	}
}

// TestStubRunsWhereTheHostRefusesNamespaces: in a user namespace whose
// max_user_namespaces is 0 (as on a host that disables them), programs
// still run, forks too; --debug says once that the stubs are not
// isolated, and without --debug nothing is said.
func TestStubRunsWhereTheHostRefusesNamespaces(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("unshare (util-linux) is needed: %v", err)
	}
	script := `echo 0 > /proc/sys/user/max_user_namespaces || exit 99
"$0" run --debug /bin/busybox sh -c 'echo hi; (echo sub)' 2>debug.err
echo "status $?"
"$0" run /bin/busybox echo quiet
grep -c "without their own namespaces" debug.err`
	cmd := exec.Command(unshare, "-Ur", "sh", "-c", script, sentryBin)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if want := "hi\nsub\nstatus 0\nquiet\n1\n"; string(out) != want {
		t.Errorf("output %q, want %q", out, want)
	}
}
