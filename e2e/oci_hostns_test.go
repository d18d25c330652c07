package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The container sentry's own host namespaces (pkg/oci/hostns.go): the
// process engines see as the container (state's pid) is in the IPC,
// mount, PID, UTS and cgroup namespaces linux.namespaces asks for, as
// runc's init is: new ones for entries without a path, the given ones
// for paths. The sandbox inside runs as before.

// ociHostNS are the namespace types the container sentry enters, as
// /proc/PID/ns names them, with the config's names.
var ociHostNS = []struct{ proc, config string }{
	{"ipc", "ipc"}, {"mnt", "mount"}, {"pid", "pid"}, {"uts", "uts"}, {"cgroup", "cgroup"},
}

func nsLink(t *testing.T, pid int, ns string) string {
	t.Helper()
	l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// setNamespaces makes the config's linux.namespaces exactly paths'
// types (proc names), with their paths ("" for a new one), and a new
// network namespace.
func setNamespaces(t *testing.T, bundle string, paths map[string]string) {
	t.Helper()
	editConfig(t, bundle, func(c map[string]any) {
		nss := []any{map[string]any{"type": "network"}}
		for _, n := range ociHostNS {
			if p, ok := paths[n.proc]; ok {
				e := map[string]any{"type": n.config}
				if p != "" {
					e["path"] = p
				}
				nss = append(nss, e)
			}
		}
		c["linux"].(map[string]any)["namespaces"] = nss
	})
}

// execEcho runs echo in the container through `sentry exec`: a new
// process of the sandbox, so a new stub of the container sentry's.
func execEcho(t *testing.T, o *ociCLI, id string) {
	t.Helper()
	if r := o.run("exec", id, "/bin/echo", "inside"); r.status != 0 || r.stdout != "inside\n" {
		t.Fatalf("exec echo: status %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}
}

// startSleeper creates and starts container "c" running sleep with
// the namespaces setNamespaces makes of paths, and returns its runtime,
// bundle and container sentry's PID.
func startSleeper(t *testing.T, paths map[string]string) (*ociCLI, string, int) {
	t.Helper()
	bundle := busyboxBundle(t, "/bin/sleep", "1000")
	setNamespaces(t, bundle, paths)
	o := newOCI(t)
	o.must("create", "--bundle", bundle, "c")
	t.Cleanup(func() { o.run("delete", "--force", "c") })
	pid := int(o.state("c")["pid"].(float64))
	o.must("start", "c")
	return o, bundle, pid
}

func TestOCIContainerSentryRunsInNewHostNamespaces(t *testing.T) {
	needRoot(t)
	becomeSubreaper(t)
	all := map[string]string{}
	for _, n := range ociHostNS {
		all[n.proc] = ""
	}
	o, _, pid := startSleeper(t, all)
	self := os.Getpid()
	for _, n := range ociHostNS {
		if got, host := nsLink(t, pid, n.proc), nsLink(t, self, n.proc); got == host {
			t.Errorf("container sentry %d: %s namespace %s is the runtime's", pid, n.proc, got)
		}
	}
	// Its stubs are in its PID namespace (it is their init there), and
	// a new process of the sandbox still starts.
	execEcho(t, o, "c")
	stubs := childrenOf(pid)
	if len(stubs) == 0 {
		t.Fatalf("the container sentry %d has no stub", pid)
	}
	for _, s := range stubs {
		if got, want := nsLink(t, s, "pid"), nsLink(t, pid, "pid"); got != want {
			t.Errorf("stub %d: pid namespace %s, the container sentry's %s", s, got, want)
		}
	}
	// Killed, the container sentry takes every stub with it: the
	// kernel ends a PID namespace with its init.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitContainer(t, pid)
	for _, s := range stubs {
		if alive(s) {
			t.Errorf("stub %d outlived the container sentry", s)
		}
	}
	if st := o.status("c"); st != "stopped" {
		t.Errorf("state after SIGKILL: %s", st)
	}
}

func TestOCIContainerSentryJoinsNamespacePaths(t *testing.T) {
	needRoot(t)
	becomeSubreaper(t)
	unshare := needTool(t, "unshare")
	holder := exec.Command(unshare, "--ipc", "--mount", "--pid", "--uts", "--cgroup", "--fork", "sleep", "1000")
	holder.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-holder.Process.Pid, syscall.SIGKILL)
		holder.Wait()
	})
	paths := map[string]string{}
	want := map[string]string{}
	deadline := time.Now().Add(hangLimit)
	for _, n := range ociHostNS {
		// unshare's pid namespace is its children's; the others are
		// its own once it has made them.
		file := n.proc
		if n.proc == "pid" {
			file = "pid_for_children"
		}
		paths[n.proc] = fmt.Sprintf("/proc/%d/ns/%s", holder.Process.Pid, file)
		for {
			// Until unshare has forked, its new pid namespace has
			// no init, and pid_for_children does not resolve.
			l, err := os.Readlink(paths[n.proc])
			if want[n.proc] = l; err == nil && l != nsLink(t, os.Getpid(), n.proc) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("unshare never made its %s namespace", n.proc)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	o, bundle, pid := startSleeper(t, paths)
	for _, n := range ociHostNS {
		if got := nsLink(t, pid, n.proc); got != want[n.proc] {
			t.Errorf("container sentry %d: %s namespace %s, want %s (%s)", pid, n.proc, got, want[n.proc], paths[n.proc])
		}
	}
	execEcho(t, o, "c")
	// Reaped before unshare's sleep is killed: the init of a PID
	// namespace does not finish exiting until every process of it is
	// reaped, the container sentry (this subreaper's child) too.
	o.must("delete", "--force", "c")
	waitContainer(t, pid)

	// A path that is no namespace of that type fails create, leaving
	// no state.
	setNamespaces(t, bundle, map[string]string{"ipc": paths["uts"]})
	r := o.run("create", "--bundle", bundle, "bad")
	if _, errs := o.containerOutput(); r.status != 1 || !strings.Contains(errs, "ipc namespace") {
		t.Fatalf("create with a uts namespace as the ipc one: status %d, stderr %q", r.status, errs)
	}
	if _, err := os.Stat(filepath.Join(o.root, "bad")); !os.IsNotExist(err) {
		t.Fatalf("state left after a failed create: %v", err)
	}
}
