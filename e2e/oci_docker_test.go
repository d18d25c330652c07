package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dockerCLI is a dockerd of the test's own (data, exec root, socket in
// a temp dir; no bridge or iptables: the sandbox has its own network)
// with the sentry added as the runtime "sentry".
type dockerCLI struct {
	t    *testing.T
	host string
}

func newDocker(t *testing.T) *dockerCLI {
	t.Helper()
	bin := needTool(t, "dockerd")
	needTool(t, "docker")
	d, err := os.MkdirTemp("/tmp", "dk")
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(d, "dockerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	sock := filepath.Join(d, "d.sock")
	daemon := exec.Command(bin, "--data-root", filepath.Join(d, "data"), "--exec-root", filepath.Join(d, "exec"),
		"--pidfile", filepath.Join(d, "d.pid"), "-H", "unix://"+sock,
		"--add-runtime", "sentry="+sentryBin, "--iptables=false", "--bridge=none")
	daemon.Stdout, daemon.Stderr = logf, logf
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- daemon.Wait() }()
	c := &dockerCLI{t: t, host: "unix://" + sock}
	t.Cleanup(func() {
		for _, id := range strings.Fields(c.run("ps", "-aq").stdout) {
			c.run("rm", "-f", id)
		}
		daemon.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(hangLimit):
			daemon.Process.Kill()
			<-exited
		}
		if t.Failed() {
			log, _ := os.ReadFile(logf.Name())
			t.Logf("dockerd's log:\n%s", tail(string(log), 8000))
		}
		os.RemoveAll(d)
	})
	waitServing(t, "dockerd", logf.Name(), exited, func() bool { return c.run("version").status == 0 })
	return c
}

// run runs docker ARGS against the test's dockerd.
func (c *dockerCLI) run(args ...string) result {
	c.t.Helper()
	cmd := exec.Command("docker", append([]string{"--host", c.host}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	wait(c.t, cmd, hangLimit, &out, &errb)
	return result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

// TestOCIDockerRunsAndStopsRedisOnTheSentry: `docker run --runtime
// sentry` of an image imported from a root filesystem tarball runs its
// program in the sentry with its output and status; a redis container
// answers `docker exec ... redis-cli ping`, and `docker stop` gives
// redis's clean shutdown, whose status 0 docker wait reports.
func TestOCIDockerRunsAndStopsRedisOnTheSentry(t *testing.T) {
	server, cli := needTool(t, "redis-server"), needTool(t, "redis-cli")
	rootfs := filepath.Join(busyboxBundle(t, "true"), "rootfs")
	addHostPrograms(t, rootfs, server, cli)
	c := newDocker(t)
	tarball := filepath.Join(t.TempDir(), "rootfs.tar")
	if out, err := exec.Command("tar", "-C", rootfs, "-cf", tarball, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	if r := c.run("import", tarball, "sentry-e2e:redis"); r.status != 0 {
		t.Fatalf("docker import: %+v", r)
	}
	run := []string{"run", "--runtime", "sentry", "--network", "none"}
	if r := c.run(append(run, "--rm", "sentry-e2e:redis", "/bin/echo", "hi")...); r.status != 0 || r.stdout != "hi\n" {
		t.Fatalf("docker run echo hi: %+v", r)
	}
	if r := c.run(append(run, "--rm", "sentry-e2e:redis", "/bin/sh", "-c", "exit 3")...); r.status != 3 {
		t.Fatalf("docker run exit 3: %+v", r)
	}
	if r := c.run(append(run, "-d", "--name", "rds", "sentry-e2e:redis", server, "--save", "", "--appendonly", "no")...); r.status != 0 {
		t.Fatalf("docker run -d redis-server: %+v", r)
	}
	deadline := time.Now().Add(hangLimit)
	for {
		r := c.run("exec", "rds", cli, "ping")
		if r.status == 0 && r.stdout == "PONG\n" {
			break
		}
		if time.Now().After(deadline) || r.status != 1 {
			t.Fatalf("docker exec rds redis-cli ping: %+v", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := c.run("stop", "-t", "600", "rds"); r.status != 0 {
		t.Fatalf("docker stop: %+v", r)
	}
	if r := c.run("wait", "rds"); strings.TrimSpace(r.stdout) != "0" {
		t.Fatalf("docker wait: %+v", r)
	}
	if r := c.run("logs", "rds"); !strings.Contains(r.stdout, "ready to exit, bye bye") {
		t.Fatalf("docker logs: %+v", r)
	}
}

// waitServing waits until ready (a daemon the test started, name, answers
// its client), failing with the end of its log if it exits first or
// does not answer within hangLimit.
func waitServing(t *testing.T, name, logPath string, exited <-chan error, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(hangLimit)
	for !ready() {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logPath)
			t.Fatalf("%s exited: %v\n%s", name, err, tail(string(log), 4000))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never served its socket", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
