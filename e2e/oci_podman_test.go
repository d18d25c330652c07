package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// podman drives the sentry as its OCI runtime (through conmon), with its
// own storage so tests share nothing with the host's containers, and no
// network (the sandbox has its own).
type podmanCLI struct {
	t    *testing.T
	base []string
}

func newPodman(t *testing.T) *podmanCLI {
	t.Helper()
	p := needTool(t, "podman")
	// podman refuses a runroot longer than 50 characters.
	d, err := os.MkdirTemp("/tmp", "pm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return &podmanCLI{t: t, base: []string{p, "--root", filepath.Join(d, "storage"),
		"--runroot", filepath.Join(d, "run"), "--runtime", sentryBin}}
}

func (p *podmanCLI) run(args ...string) result {
	p.t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(p.base[0], append(p.base[1:], args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	st := 0
	if ee, ok := err.(*exec.ExitError); ok {
		st = ee.ExitCode()
	} else if err != nil {
		p.t.Fatalf("podman %v: %v", args, err)
	}
	return result{stdout: out.String(), stderr: errb.String(), status: st}
}

// stopWaits stops container name (podman stop, SIGTERM, no SIGKILL for
// 600 s) and wants podman wait to report status.
func (p *podmanCLI) stopWaits(name, status string) {
	p.t.Helper()
	if r := p.run("stop", "-t", "600", name); r.status != 0 {
		p.t.Fatalf("podman stop %s: %+v", name, r)
	}
	if r := p.run("wait", name); strings.TrimSpace(r.stdout) != status {
		p.t.Fatalf("podman wait %s: %+v, want %s", name, r, status)
	}
}

func TestOCIPodmanRunsContainersOnTheSentry(t *testing.T) {
	rootfs := filepath.Join(busyboxBundle(t, "true"), "rootfs")
	p := newPodman(t)
	// podman's config binds /etc/hostname, /etc/resolv.conf and
	// /run/.containerenv (files) and /dev/shm, and sets
	// RLIMIT_NPROC, which runc and crun fail to apply on this machine.
	r := p.run("run", "--rm", "--network", "none", "--rootfs", rootfs, "/bin/echo", "hi")
	if r.status != 0 || r.stdout != "hi\n" {
		t.Fatalf("podman run echo hi: status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}
	r = p.run("run", "--rm", "--network", "none", "--hostname", "box", "--rootfs", rootfs,
		"/bin/sh", "-c", "cat /etc/hostname; echo; hostname; exit 7")
	if r.status != 7 || r.stdout != "box\nbox\n" {
		t.Fatalf("podman run exit 7: status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}

	r = p.run("run", "-d", "--name", "sleeper", "--network", "none", "--rootfs", rootfs, "/bin/sleep", "1000")
	if r.status != 0 {
		t.Fatalf("podman run -d: %d %s", r.status, r.stderr)
	}
	t.Cleanup(func() { p.run("rm", "-f", "-t", "0", "sleeper") })
	if r = p.run("inspect", "-f", "{{.State.Status}}", "sleeper"); r.stdout != "running\n" {
		t.Fatalf("podman inspect: %q %s", r.stdout, r.stderr)
	}
	// podman passes no --root: the state is under /run/sentry.
	id := strings.TrimSpace(p.run("inspect", "-f", "{{.Id}}", "sleeper").stdout)
	if _, err := os.Stat(filepath.Join("/run/sentry", id, "state.json")); err != nil {
		t.Fatalf("the sentry's state of %q: %v", id, err)
	}
	// stop sends SIGTERM (runtime kill), which the sentry forwards to
	// sleep: the container's status is 128+15.
	p.stopWaits("sleeper", "143")
	if r = p.run("rm", "sleeper"); r.status != 0 {
		t.Fatalf("podman rm: %d %s", r.status, r.stderr)
	}
	// podman deletes the runtime's container once it has stopped.
	if _, err := os.Stat(filepath.Join("/run/sentry", id)); !os.IsNotExist(err) {
		t.Fatalf("state of %s left after podman rm: %v", id, err)
	}
}
