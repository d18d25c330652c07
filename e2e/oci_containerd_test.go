package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// containerdCLI is a containerd of the test's own (its root, state and
// sockets in a temp dir, so it shares nothing with the host's) driven
// by ctr, whose containers run through containerd's runc v2 shim with
// the sentry as the shim's runc.
type containerdCLI struct {
	t *testing.T
	// ctr is ctr's command line up to the subcommand.
	ctr []string
	// runcRoot is the --root the shim passes the sentry: the runtime's
	// state is under runcRoot/default (the namespace).
	runcRoot, fifoDir string
	execs             int
}

// newContainerd starts containerd and stops it when the test ends,
// removing first whatever containers the test left.
func newContainerd(t *testing.T) *containerdCLI {
	t.Helper()
	bin, ctr := needTool(t, "containerd"), needTool(t, "ctr")
	// A unix socket path must fit in 108 bytes: not t.TempDir's.
	d, err := os.MkdirTemp("/tmp", "ctd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	sock := filepath.Join(d, "c.sock")
	// cri would look for CNI and a sandbox image: nothing here uses it.
	config := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
[ttrpc]
  address = %q
`, filepath.Join(d, "root"), filepath.Join(d, "state"), sock, sock+".ttrpc")
	cfg := filepath.Join(d, "config.toml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(d, "containerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	daemon := exec.Command(bin, "--config", cfg)
	daemon.Stdout, daemon.Stderr = logf, logf
	daemon.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- daemon.Wait() }()
	c := &containerdCLI{t: t, ctr: []string{ctr, "--address", sock},
		runcRoot: filepath.Join(d, "runc"), fifoDir: filepath.Join(d, "fifo")}
	t.Cleanup(func() {
		for _, id := range strings.Fields(c.run("containers", "list", "-q").stdout) {
			c.run("tasks", "kill", "-s", "SIGKILL", id)
			c.run("tasks", "delete", "--force", id)
			c.run("containers", "delete", id)
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
			t.Logf("containerd's log:\n%s", tail(string(log), 8000))
		}
	})
	// Serving once ctr gets its version.
	waitServing(t, "containerd", logf.Name(), exited, func() bool { return c.run("version").status == 0 })
	return c
}

// runArgs is `ctr run` with the sentry as the shim's runc.
func (c *containerdCLI) runArgs(flags ...string) []string {
	return append([]string{"run", "--runc-binary", sentryBin, "--runc-root", c.runcRoot,
		"--fifo-dir", c.fifoDir}, flags...)
}

// command is ctr ARGS, not started.
func (c *containerdCLI) command(args ...string) *exec.Cmd {
	return exec.Command(c.ctr[0], append(c.ctr[1:], args...)...)
}

// run runs ctr ARGS; a run longer than hangLimit is a hang.
func (c *containerdCLI) run(args ...string) result {
	c.t.Helper()
	cmd := c.command(args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	wait(c.t, cmd, hangLimit, &out, &errb)
	return result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

// startWaitable starts cmd and returns a function that waits for its exit
// status, failing the test after hangLimit.
func startWaitable(t *testing.T, cmd *exec.Cmd) func() int {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	return func() int {
		t.Helper()
		select {
		case <-exited:
			return cmd.ProcessState.ExitCode()
		case <-time.After(hangLimit):
			t.Fatalf("%v: still running after %v", cmd.Args, hangLimit)
			return 0
		}
	}
}

// exec runs ARGS in container id (`ctr task exec`, which the shim turns
// into the runtime's exec -d --process --pid-file).
func (c *containerdCLI) exec(id string, args ...string) result {
	c.t.Helper()
	c.execs++
	return c.run(append([]string{"tasks", "exec", "--fifo-dir", c.fifoDir,
		"--exec-id", "e" + strconv.Itoa(c.execs), id}, args...)...)
}

// task is id's line of `ctr task ls`: its PID and status.
func (c *containerdCLI) task(id string) (pid int, status string) {
	c.t.Helper()
	r := c.run("tasks", "list")
	for _, l := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == id {
			pid, _ := strconv.Atoi(f[1])
			return pid, f[2]
		}
	}
	c.t.Fatalf("no task %s in ctr task ls: %+v", id, r)
	return 0, ""
}

// TestOCIContainerdRunsContainersOnTheSentry: `ctr run --runc-binary
// sentry` runs a container's program in the sentry through containerd's
// runc v2 shim, with its output and exit status, and the shim deletes
// the runtime's container after it.
func TestOCIContainerdRunsContainersOnTheSentry(t *testing.T) {
	rootfs := filepath.Join(busyboxBundle(t, "true"), "rootfs")
	c := newContainerd(t)
	r := c.run(c.runArgs("--rm", "--rootfs", rootfs, "hi", "/bin/echo", "hi")...)
	if r.status != 0 || r.stdout != "hi\n" {
		t.Fatalf("ctr run echo hi: %+v", r)
	}
	r = c.run(c.runArgs("--rm", "--rootfs", rootfs, "three", "/bin/sh", "-c", "echo out; echo err >&2; exit 3")...)
	if r.status != 3 || r.stdout != "out\n" || !strings.Contains(r.stderr, "err\n") {
		t.Fatalf("ctr run exit 3: %+v", r)
	}
	// --rm: containerd removed the container, the shim the runtime's.
	if r = c.run("containers", "list", "-q"); r.stdout != "" {
		t.Fatalf("containers left: %q", r.stdout)
	}
	ents, _ := os.ReadDir(filepath.Join(c.runcRoot, "default"))
	if len(ents) != 0 {
		t.Fatalf("runtime state left under %s: %v", c.runcRoot, ents)
	}
}

// TestOCIContainerdExecRedisCliPingsTheContainersRedis: a redis-server
// container started by containerd answers `ctr task exec ... redis-cli
// ping` with PONG over the sandbox's loopback; the task's PID is the
// container sentry; `ctr task kill` (SIGTERM) gives redis's clean
// shutdown, whose status 0 ctr run reports.
func TestOCIContainerdExecRedisCliPingsTheContainersRedis(t *testing.T) {
	server, cli := needTool(t, "redis-server"), needTool(t, "redis-cli")
	rootfs := filepath.Join(busyboxBundle(t, "true"), "rootfs")
	addHostPrograms(t, rootfs, server, cli)
	c := newContainerd(t)
	run := c.command(c.runArgs("--rm", "--rootfs", rootfs, "redis",
		server, "--port", "6379", "--save", "", "--appendonly", "no")...)
	var out, errb bytes.Buffer
	run.Stdout, run.Stderr = &out, &errb
	waitRun := startWaitable(t, run)
	// The task may not exist yet, or redis not listen: exec fails
	// (status 1) until both do.
	deadline := time.Now().Add(hangLimit)
	for {
		r := c.exec("redis", cli, "ping")
		if r.status == 0 && r.stdout == "PONG\n" {
			break
		}
		if time.Now().After(deadline) || r.status != 1 {
			t.Fatalf("ctr task exec redis-cli ping: %+v; redis: %s %s", r, out.String(), errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := c.exec("redis", cli, "set", "k", "from exec"); r.status != 0 || r.stdout != "OK\n" {
		t.Fatalf("redis-cli set: %+v", r)
	}
	if r := c.exec("redis", cli, "get", "k"); r.status != 0 || r.stdout != "from exec\n" {
		t.Fatalf("redis-cli get: %+v", r)
	}
	if r := c.exec("redis", "/bin/sh", "-c", "exit 3"); r.status != 3 {
		t.Fatalf("ctr task exec exit 3: %+v", r)
	}

	// The task's PID is the container sentry, and the runtime's state
	// is where the shim's --root says.
	pid, status := c.task("redis")
	if status != "RUNNING" {
		t.Fatalf("ctr task ls: redis %s", status)
	}
	if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err != nil || exe != sentryBin {
		t.Fatalf("task PID %d is %q (%v), not the sentry", pid, exe, err)
	}
	st := sentry(t, "--root", filepath.Join(c.runcRoot, "default"), "state", "redis")
	if !strings.Contains(st.stdout, `"status": "running"`) || !strings.Contains(st.stdout, fmt.Sprintf(`"pid": %d`, pid)) {
		t.Fatalf("sentry state redis: %+v", st)
	}

	if r := c.run("tasks", "kill", "redis"); r.status != 0 {
		t.Fatalf("ctr task kill: %+v", r)
	}
	if st := waitRun(); st != 0 || !strings.Contains(out.String(), "Received SIGTERM") ||
		!strings.Contains(out.String(), "ready to exit, bye bye") {
		t.Fatalf("redis after SIGTERM: status %d\nstdout:\n%s\nstderr:\n%s", st, out.String(), errb.String())
	}
}

// TestOCIContainerdTaskKillReportsTheSignalStatus: a detached container
// that `ctr task kill` stops is STOPPED in `ctr task ls`, and its status
// is 128+SIGTERM, as for a runc container.
func TestOCIContainerdTaskKillReportsTheSignalStatus(t *testing.T) {
	rootfs := filepath.Join(busyboxBundle(t, "true"), "rootfs")
	c := newContainerd(t)
	if r := c.run(c.runArgs("-d", "--rootfs", rootfs, "sleeper", "/bin/sleep", "1000")...); r.status != 0 {
		t.Fatalf("ctr run -d: %+v", r)
	}
	if _, status := c.task("sleeper"); status != "RUNNING" {
		t.Fatalf("ctr task ls: sleeper %s", status)
	}
	if r := c.run("tasks", "kill", "sleeper"); r.status != 0 {
		t.Fatalf("ctr task kill: %+v", r)
	}
	deadline := time.Now().Add(hangLimit)
	for _, status := c.task("sleeper"); status != "STOPPED"; _, status = c.task("sleeper") {
		if time.Now().After(deadline) {
			t.Fatalf("sleeper still %s after SIGTERM", status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// ctr says a task's non-zero status when it deletes it.
	if r := c.run("tasks", "delete", "sleeper"); !strings.Contains(r.stderr, "exit code 143") {
		t.Fatalf("ctr task delete: %+v", r)
	}
	if r := c.run("containers", "delete", "sleeper"); r.status != 0 {
		t.Fatalf("ctr container delete: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(c.runcRoot, "default", "sleeper")); !os.IsNotExist(err) {
		t.Fatalf("runtime state of sleeper left: %v", err)
	}
}

// TestOCIContainerdRunTAndExecTGetATerminal: `ctr run -t` and `ctr task
// exec -t` give the program a terminal (the runtime sends its master to
// the shim's console socket), each sized as ctr's own, and resizing
// ctr's terminal reaches the program as SIGWINCH.
func TestOCIContainerdRunTAndExecTGetATerminal(t *testing.T) {
	rootfs := filepath.Join(busyboxBundle(t, "true"), "rootfs")
	c := newContainerd(t)
	startOnTerm := func(rows, cols uint16, args ...string) (*term, func() int) {
		tm, slave := openPty(t)
		if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
			t.Fatal(err)
		}
		cmd := c.command(args...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
		status := startWaitable(t, cmd)
		slave.Close()
		return tm, status
	}

	tm, status := startOnTerm(33, 99, c.runArgs("-t", "--rootfs", rootfs, "tty",
		"/bin/sh", "-c", `trap 'echo winch $(busybox stty size)' WINCH; echo size $(busybox stty size); while :; do read -t 1 x; [ "$x" = q ] && exit 5; done`)...)
	// ctr sizes the task's terminal as its own after the start, so the
	// program learns 33x99 at its start or, when its stty ran first (and
	// saw 0 rows, as under runc), by the SIGWINCH of that resize. (read
	// -t: see the OCI console test's note on busybox's trap race.)
	for deadline := time.Now().Add(hangLimit); !tm.shows("33 99", time.Second); {
		if time.Now().After(deadline) {
			tm.expectWithin(t, "33 99", 0)
		}
	}
	// (A resize interrupts read: the loop reads again.)
	// ctr gets SIGWINCH from its terminal and resizes the task's. It
	// catches SIGWINCH only after its first resize of the task, which
	// the size above may show before: until the program sees one, each
	// try is a new size, as the same size signals no one.
	for rows, deadline := uint16(40), time.Now().Add(hangLimit); ; rows++ {
		if err := unix.IoctlSetWinsize(int(tm.master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: 100}); err != nil {
			t.Fatal(err)
		}
		if tm.shows(fmt.Sprintf("winch %d 100", rows), time.Second) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no resize reached the program")
		}
	}

	// exec -t into the same container, on another terminal, sized as
	// ctr's own: as for run -t, ctr sizes the process's terminal after
	// it starts, so the size shows at the start or by SIGWINCH. Not
	// 24x80: busybox's stty shows that for a terminal with no size.
	etm, estatus := startOnTerm(27, 91, "tasks", "exec", "-t", "--fifo-dir", c.fifoDir, "--exec-id", "sh", "tty",
		"/bin/sh", "-c", `trap 'echo winch $(busybox stty size)' WINCH; echo size $(busybox stty size); while :; do read -t 1 x; [ -n "$x" ] && break; done; echo got $x; exit 6`)
	etm.expectWithin(t, "27 91", hangLimit)
	etm.send(t, "line\n")
	etm.expectWithin(t, "got line", hangLimit)
	if st := estatus(); st != 6 {
		t.Fatalf("ctr task exec -t: status %d", st)
	}

	tm.send(t, "q\n")
	if st := status(); st != 5 {
		t.Fatalf("ctr run -t: status %d", st)
	}
}
