package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestOCIPodmanExecRunsInTheContainersSandbox: podman exec (conmon
// calling the runtime's exec -d --pid-file --process) runs in the
// container's sandbox: it sees what the container wrote, gets stdin with
// -i, and podman reports its status, and runc's words for a missing or
// non-executable program become podman's 127 and 126.
func TestOCIPodmanExecRunsInTheContainersSandbox(t *testing.T) {
	rootfs := busyboxBundle(t, "true") + "/rootfs"
	p := newPodman(t)
	r := p.run("run", "-d", "--name", "r", "--network", "none", "--rootfs", rootfs,
		"/bin/sh", "-c", "echo written > /state; exec sleep 1000")
	if r.status != 0 {
		t.Fatalf("podman run -d: %d %s", r.status, r.stderr)
	}
	t.Cleanup(func() { p.run("rm", "-f", "-t", "0", "r") })
	if r = p.run("exec", "r", "/bin/echo", "hi"); r.status != 0 || r.stdout != "hi\n" {
		t.Fatalf("podman exec echo hi: %+v", r)
	}
	if r = p.run("exec", "r", "/bin/sh", "-c", "exit 3"); r.status != 3 {
		t.Fatalf("podman exec exit 3: %+v", r)
	}
	// The container's program may not have written it yet: wait for it
	// through exec itself.
	deadline := time.Now().Add(hangLimit)
	for r = p.run("exec", "r", "cat", "/state"); r.stdout != "written\n"; r = p.run("exec", "r", "cat", "/state") {
		if r.status != 1 || time.Now().After(deadline) {
			t.Fatalf("podman exec cat /state: %+v", r)
		}
	}
	cmd := exec.Command(p.base[0], append(p.base[1:], "exec", "-i", "r", "cat")...)
	cmd.Stdin = strings.NewReader("to the container\n")
	if out, err := cmd.Output(); err != nil || string(out) != "to the container\n" {
		t.Fatalf("podman exec -i cat: %q %v", out, err)
	}
	r = p.run("exec", "--env", "X=1", "--workdir", "/lib", "r", "/bin/sh", "-c", "echo $X; pwd; /bin/busybox ps")
	if r.status != 0 || !strings.HasPrefix(r.stdout, "1\n/lib\n") || !strings.Contains(r.stdout, "sleep 1000") {
		t.Fatalf("podman exec --env --workdir: %+v", r)
	}
	if r = p.run("exec", "r", "no-such-program"); r.status != 127 {
		t.Fatalf("podman exec of a missing program: %+v", r)
	}
	if r = p.run("exec", "r", "/state"); r.status != 126 {
		t.Fatalf("podman exec of a file that is not executable: %+v", r)
	}
}
