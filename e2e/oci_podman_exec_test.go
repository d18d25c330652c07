package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// addHostPrograms copies host programs and the libraries they link into
// rootfs, at the same paths.
func addHostPrograms(t *testing.T, rootfs string, progs ...string) {
	t.Helper()
	files := append([]string(nil), progs...)
	for _, p := range progs {
		out, err := exec.Command("ldd", p).Output()
		if err != nil {
			t.Fatalf("ldd %s: %v", p, err)
		}
		files = append(files, regexp.MustCompile(`/\S+`).FindAllString(string(out), -1)...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(rootfs, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOCIPodmanExecRedisCliPingsTheContainersRedis: podman exec r
// redis-cli ping answers PONG from the redis-server the container runs:
// the exec'd client reaches it over the sandbox's own loopback, as it
// would in the container's network namespace under runc.
func TestOCIPodmanExecRedisCliPingsTheContainersRedis(t *testing.T) {
	server, cli := needTool(t, "redis-server"), needTool(t, "redis-cli")
	rootfs := busyboxBundle(t, "true") + "/rootfs"
	addHostPrograms(t, rootfs, server, cli)
	p := newPodman(t)
	r := p.run("run", "-d", "--name", "r", "--network", "none", "--rootfs", rootfs,
		server, "--port", "6379", "--save", "", "--appendonly", "no")
	if r.status != 0 {
		t.Fatalf("podman run -d redis-server: %d %s", r.status, r.stderr)
	}
	t.Cleanup(func() { p.run("rm", "-f", "-t", "0", "r") })
	// redis may not listen yet: redis-cli says so and exits 1 until
	// it does.
	deadline := time.Now().Add(hangLimit)
	for {
		r = p.run("exec", "r", cli, "ping")
		if r.status == 0 && r.stdout == "PONG\n" {
			break
		}
		if time.Now().After(deadline) || r.status != 1 {
			t.Fatalf("podman exec r redis-cli ping: %+v", r)
		}
	}
	if r = p.run("exec", "r", cli, "set", "k", "from exec"); r.status != 0 || r.stdout != "OK\n" {
		t.Fatalf("redis-cli set: %+v", r)
	}
	if r = p.run("exec", "r", cli, "get", "k"); r.status != 0 || r.stdout != "from exec\n" {
		t.Fatalf("redis-cli get: %+v", r)
	}
	// The clean SIGTERM shutdown is redis's: status 0.
	p.stopWaits("r", "0")
}
