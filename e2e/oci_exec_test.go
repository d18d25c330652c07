package e2e

// The OCI exec verb: a new process inside a running container's sandbox
// (the same kernel: its files, its PID table), never on the host, driven
// as engines drive runc exec.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
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

// runExec runs `sentry exec ARGS` with stdin and returns what it wrote
// and its status.
func (o *ociCLI) runExec(stdin string, args ...string) result {
	o.t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(o.bin, append([]string{"--root", o.root, "exec"}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	st := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		st = ee.ExitCode()
	} else if err != nil {
		o.t.Fatalf("sentry exec %v: %v", args, err)
	}
	return result{stdout: out.String(), stderr: errb.String(), status: st}
}

// runningContainer creates and starts a busybox container whose program
// writes /ready (holding "ready") and then sleeps, and returns once the
// file is there (seen through exec itself) with the container sentry's
// PID.
func runningContainer(t *testing.T, o *ociCLI, id string) int {
	t.Helper()
	bundle := busyboxBundle(t, "sh", "-c", "echo ready > /ready; exec sleep 1000")
	o.must("create", "--bundle", bundle, id)
	pid := int(o.state(id)["pid"].(float64))
	o.must("start", id)
	deadline := time.Now().Add(hangLimit)
	for {
		r := o.runExec("", id, "/bin/cat", "/ready")
		if r.status == 0 && r.stdout == "ready\n" {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("the container's /ready never appeared: %+v", r)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// nativeStatus is the exit status of the bundle's busybox run on the host.
func nativeStatus(t *testing.T, bundle string, args ...string) int {
	t.Helper()
	err := exec.Command(filepath.Join(bundle, "rootfs/bin/busybox"), args...).Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// TestOCIExecRunsProcessInsideTheRunningContainer: exec's process sees
// the container's files (what its program wrote), shares its PID table
// (ps lists both, its own PID among them), reads exec's stdin, writes
// exec's stdout, and exec exits with its status as a shell reports it.
func TestOCIExecRunsProcessInsideTheRunningContainer(t *testing.T) {
	becomeSubreaper(t)
	o := newOCI(t)
	runningContainer(t, o, "e1")
	bundle := busyboxBundle(t, "true")

	sock, err := os.Stat(filepath.Join(o.root, "e1", "exec.sock"))
	if err != nil || sock.Mode()&os.ModeSocket == 0 || sock.Mode().Perm() != 0o600 {
		t.Fatalf("exec socket: %v %v", sock, err)
	}
	if r := o.runExec("", "e1", "/bin/echo", "hi"); r.status != 0 || r.stdout != "hi\n" {
		t.Fatalf("exec echo hi: %+v", r)
	}
	want := nativeStatus(t, bundle, "sh", "-c", "exit 3")
	if r := o.runExec("", "e1", "/bin/sh", "-c", "exit 3"); r.status != want || want != 3 {
		t.Fatalf("exec sh -c 'exit 3': %+v, native %d", r, want)
	}
	want = nativeStatus(t, bundle, "sh", "-c", "kill -9 $$")
	if r := o.runExec("", "e1", "sh", "-c", "kill -9 $$"); r.status != want || want != 128+9 {
		t.Fatalf("exec of a process killed by SIGKILL: %+v, native %d", r, want)
	}
	if r := o.runExec("data from the host\n", "e1", "cat"); r.status != 0 || r.stdout != "data from the host\n" {
		t.Fatalf("exec cat with stdin: %+v", r)
	}
	r := o.runExec("", "e1", "sh", "-c", "echo $$; /bin/busybox ps")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.status != 0 || len(lines) < 3 {
		t.Fatalf("exec ps: %+v", r)
	}
	self := strings.TrimSpace(lines[0])
	if n, err := strconv.Atoi(self); err != nil || n <= 1 {
		t.Fatalf("exec'd shell's PID %q", self)
	}
	var sawInit, sawSelf bool
	for _, l := range lines[2:] {
		f := strings.Fields(l)
		if len(f) < 3 {
			continue
		}
		sawInit = sawInit || f[0] == "1" && strings.Contains(l, "sleep 1000")
		sawSelf = sawSelf || f[0] == self
	}
	if !sawInit || !sawSelf {
		t.Fatalf("ps inside lists the program as PID 1 (%v) and the exec'd shell %s (%v):\n%s", sawInit, self, sawSelf, r.stdout)
	}
	r = o.runExec("", "e1", "no-such-program")
	if r.status != 127 || !strings.Contains(r.stderr, `exec: "no-such-program": executable file not found in $PATH`) {
		t.Fatalf("exec of a missing program: %+v", r)
	}
	r = o.runExec("", "e1", "/ready")
	if r.status != 126 || !strings.Contains(r.stderr, `exec: "/ready": permission denied`) {
		t.Fatalf("exec of a file that is not executable: %+v", r)
	}
	// Nothing exec did reached the host's files.
	if _, err := os.Stat(filepath.Join(bundle, "rootfs", "ready")); err == nil {
		t.Fatal("the container's write reached the bundle")
	}
}

// TestOCIExecHonoursEnvCwdUserAndProcessFile: --env adds to (and
// overrides) the container's environment, --cwd and --user choose where
// and as whom the process runs, and --process FILE, a runtime-spec
// process, replaces them all.
func TestOCIExecHonoursEnvCwdUserAndProcessFile(t *testing.T) {
	becomeSubreaper(t)
	o := newOCI(t)
	runningContainer(t, o, "e2")

	r := o.runExec("", "e2", "sh", "-c", "echo $PATH")
	if r.status != 0 || !strings.Contains(r.stdout, "/bin") {
		t.Fatalf("the container's PATH: %+v", r)
	}
	r = o.runExec("", "--env", "FOO=bar", "-e", "PATH=/nowhere:/bin", "--cwd", "/lib", "e2",
		"/bin/sh", "-c", `echo "$FOO $PATH"; pwd`)
	if r.status != 0 || r.stdout != "bar /nowhere:/bin\n/lib\n" {
		t.Fatalf("exec --env --cwd: %+v", r)
	}
	r = o.runExec("", "--user", "1000:1001", "e2", "sh", "-c", "echo $(/bin/busybox id -u) $(/bin/busybox id -g)")
	if r.status != 0 || r.stdout != "1000 1001\n" {
		t.Fatalf("exec --user 1000:1001: %+v", r)
	}
	proc := filepath.Join(t.TempDir(), "process.json")
	if err := os.WriteFile(proc, []byte(`{"args":["sh","-c","echo \"$A $FOO\"; pwd; exit 5"],
		"env":["A=1","PATH=/bin"],"cwd":"/bin","user":{"uid":0,"gid":0}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r = o.runExec("", "--process", proc, "e2")
	if r.status != 5 || r.stdout != "1 \n/bin\n" {
		t.Fatalf("exec --process: %+v", r)
	}
	if r := o.runExec("", "--cwd", "/no/such/dir", "e2", "true"); r.status == 0 || !strings.Contains(r.stderr, "/no/such/dir") {
		t.Fatalf("exec --cwd of a missing directory: %+v", r)
	}
}

// TestOCIExecDetachReturnsAndPidFileEndsWithTheProcess: exec -d returns
// while the process runs; the PID in --pid-file (what engines wait on)
// lives until the process ends and exits with its status.
func TestOCIExecDetachReturnsAndPidFileEndsWithTheProcess(t *testing.T) {
	becomeSubreaper(t)
	o := newOCI(t)
	runningContainer(t, o, "e3")

	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	// Files, not pipes, as for create: the detached waiter keeps them.
	cmd := exec.Command(sentryBin, "--root", o.root, "exec", "-d", "--pid-file", pidFile, "e3",
		"sh", "-c", "while [ ! -e /go ]; do sleep 0.01; done; echo finished > /finished; exit 7")
	cmd.Stdout, cmd.Stderr = o.out, o.errf
	if err := cmd.Run(); err != nil {
		_, errs := o.containerOutput()
		t.Fatalf("exec -d: %v %s", err, errs)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(string(data))
	if err != nil {
		t.Fatalf("pid file %q", data)
	}
	if r := o.runExec("", "e3", "cat", "/finished"); r.status == 0 {
		t.Fatalf("the detached process finished before it was let go: %+v", r)
	}
	if err := unix.Kill(pid, 0); err != nil {
		t.Fatalf("the pid file's process %d is gone while the process runs: %v", pid, err)
	}
	o.must("exec", "e3", "sh", "-c", "echo > /go")
	ws := waitContainer(t, pid)
	if !ws.Exited() || ws.ExitStatus() != 7 {
		t.Fatalf("the pid file's process ended with %v, the process with 7", ws)
	}
	if r := o.runExec("", "e3", "cat", "/finished"); r.status != 0 || r.stdout != "finished\n" {
		t.Fatalf("after the detached process: %+v", r)
	}
}

// TestOCIExecIntoContainerNotRunningFails: exec into an unknown or a
// stopped container is one clear line and status 1.
func TestOCIExecIntoContainerNotRunningFails(t *testing.T) {
	becomeSubreaper(t)
	o := newOCI(t)
	if r := o.runExec("", "nosuch", "true"); r.status != 1 || !strings.Contains(r.stderr, "container does not exist") {
		t.Fatalf("exec into an unknown container: %+v", r)
	}
	bundle := busyboxBundle(t, "true")
	o.must("create", "--bundle", bundle, "e4")
	pid := int(o.state("e4")["pid"].(float64))
	o.must("start", "e4")
	waitContainer(t, pid)
	if r := o.runExec("", "e4", "true"); r.status != 1 || !strings.Contains(r.stderr, "cannot exec in a stopped container") {
		t.Fatalf("exec into a stopped container: %+v", r)
	}
	o.must("delete", "e4")
}

// TestOCIDeleteAfterExecLeavesNothing: delete --force of a container with
// an exec'd process still running ends it too (its waiter reports the
// SIGKILL) and leaves no process, socket or state behind.
func TestOCIDeleteAfterExecLeavesNothing(t *testing.T) {
	becomeSubreaper(t)
	o := newOCI(t)
	pid := runningContainer(t, o, "e5")
	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	cmd := exec.Command(sentryBin, "--root", o.root, "exec", "-d", "--pid-file", pidFile, "e5", "sleep", "1000")
	cmd.Stdout, cmd.Stderr = o.out, o.errf
	if err := cmd.Run(); err != nil {
		t.Fatalf("exec -d: %v", err)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	waiter, _ := strconv.Atoi(string(data))
	o.must("delete", "--force", "e5")
	if ws := waitContainer(t, waiter); !ws.Exited() || ws.ExitStatus() != 128+int(syscall.SIGKILL) {
		t.Fatalf("the exec waiter after delete: %v", ws)
	}
	waitContainer(t, pid)
	waitNoChildren(t, "processes left after delete")
	if ents, _ := os.ReadDir(o.root); len(ents) != 0 {
		t.Fatalf("state left after delete: %v", ents)
	}
}

// TestOCIExecTerminalIsSentOverTheConsoleSocketAndResizesReachTheProcess:
// exec -t --console-socket (as conmon calls it, detached, with the size
// in --process) gives the process a new terminal whose master the engine
// receives; the size is the process's consoleSize, a resize of the master
// reaches the process as SIGWINCH, and what is typed reaches it.
func TestOCIExecTerminalIsSentOverTheConsoleSocketAndResizesReachTheProcess(t *testing.T) {
	becomeSubreaper(t)
	o := newOCI(t)
	runningContainer(t, o, "et")
	dir := t.TempDir()
	proc := filepath.Join(dir, "process.json")
	if err := os.WriteFile(proc, []byte(`{"terminal":true,"consoleSize":{"height":24,"width":80},
		"args":["sh","-c","trap 'echo winch $(busybox stty size)' WINCH; echo size $(busybox stty size); echo ready; while :; do read -t 1 x; [ \"$x\" = q ] && exit 4; done"],
		"env":["PATH=/bin"],"cwd":"/"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "console.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	masterCh := make(chan *os.File, 1)
	go func() { masterCh <- recvConsole(t, l) }()
	pidFile := filepath.Join(dir, "exec.pid")
	cmd := exec.Command(sentryBin, "--root", o.root, "exec", "-d", "--pid-file", pidFile,
		"--console-socket", sock, "--process", proc, "et")
	cmd.Stdout, cmd.Stderr = o.out, o.errf
	if err := cmd.Run(); err != nil {
		_, errs := o.containerOutput()
		t.Fatalf("exec -d -t: %v %s", err, errs)
	}
	var master *os.File
	select {
	case master = <-masterCh:
	case <-time.After(hangLimit):
		t.Fatal("no terminal master on the console socket")
	}
	defer master.Close()
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	waiter, _ := strconv.Atoi(string(data))

	expect := lineExpecter(t, master)
	expect("size 24 80")
	expect("ready")
	if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 100}); err != nil {
		t.Fatal(err)
	}
	expect("winch 40 100")
	master.Write([]byte("q\n"))
	if ws := waitContainer(t, waiter); !ws.Exited() || ws.ExitStatus() != 4 {
		t.Fatalf("the exec waiter: %v", ws)
	}
	// The container itself runs on.
	if s := o.status("et"); s != "running" {
		t.Fatalf("container after its exec'd process: %s", s)
	}
}

// TestOCIExecForwardsSignalsToTheProcess: a signal sent to `sentry exec`
// (as an engine stops an exec session) reaches the process it runs, as
// runc's exec forwards them.
func TestOCIExecForwardsSignalsToTheProcess(t *testing.T) {
	becomeSubreaper(t)
	o := newOCI(t)
	runningContainer(t, o, "es")
	cmd := exec.Command(sentryBin, "--root", o.root, "exec", "es",
		// read -t 1 in a loop: see the console test's note on busybox's
		// trap race.
		"sh", "-c", `trap 'echo got TERM; exit 9' TERM; echo ready; while :; do read -t 1 x; done`)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || sc.Text() != "ready" {
		t.Fatalf("before the signal: %q %v", sc.Text(), sc.Err())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !sc.Scan() || sc.Text() != "got TERM" {
		t.Fatalf("after SIGTERM: %q %v", sc.Text(), sc.Err())
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 9 {
		t.Fatalf("exec after the trap's exit 9: %v", err)
	}
}

// TestOCIExecTerminalGivesTheShellJobControl: `sentry exec -t ID sh`
// typed on a terminal gives the shell that terminal as its controlling
// one inside the sandbox, as runc's exec -t does: job control is on,
// Ctrl-C ends the foreground job (not the shell), Ctrl-Z stops it and fg
// resumes it, and exec exits with the shell's status.
func TestOCIExecTerminalGivesTheShellJobControl(t *testing.T) {
	becomeSubreaper(t)
	o := newOCI(t)
	runningContainer(t, o, "ej")
	tm, slave := openPty(t)
	cmd := exec.Command(sentryBin, "--root", o.root, "exec", "-t", "--env", "PS1=$ ", "ej", "sh")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	tm.expect(t, "$ ")
	// The job says when it runs, so nothing is typed ahead to the
	// shell's line editor; cat echoing a line back proves it reads the
	// terminal in the foreground.
	tm.send(t, "sh -c 'echo g''o; exec cat'\n")
	tm.expect(t, "go\r\n")
	tm.send(t, "one\n")
	tm.expect(t, "one\r\none\r\n")
	tm.send(t, "\x1a")
	tm.expect(t, "Stopped")
	tm.send(t, "jobs\n")
	tm.expect(t, "exec cat")
	tm.send(t, "fg\n")
	tm.expect(t, "fg\r\n")
	tm.expect(t, "exec cat")
	tm.send(t, "two\n")
	tm.expect(t, "two\r\ntwo\r\n")
	tm.send(t, "\x03")
	// The shell's prompt, once cat is gone: what is typed next is
	// the shell's.
	tm.expect(t, "$ ")
	tm.send(t, "echo after $?\n")
	tm.expect(t, "after 130")
	tm.send(t, "exit 5\n")
	select {
	case <-done:
	case <-time.After(hangLimit):
		t.Fatal("exec did not exit with the shell")
	}
	if got := cmd.ProcessState.ExitCode(); got != 5 {
		t.Fatalf("exec -t sh: status %d, want 5", got)
	}
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if strings.Contains(tm.out.String(), "job control turned off") {
		t.Fatalf("the shell has no job control:\n%s", tm.out.String())
	}
}

// TestOCIExecProcessHoldsNoHostFd: the invariant for exec'd processes:
// the host fds exec hands over (its stdio) stay in the container sentry,
// and every stub under it, the exec'd process's too, holds only the
// memory file.
func TestOCIExecProcessHoldsNoHostFd(t *testing.T) {
	becomeSubreaper(t)
	o := newOCI(t)
	pid := runningContainer(t, o, "ei")
	cmd := exec.Command(sentryBin, "--root", o.root, "exec", "-d", "ei",
		"sh", "-c", "echo started > /started; exec sleep 1000")
	cmd.Stdout, cmd.Stderr = o.out, o.errf
	if err := cmd.Run(); err != nil {
		t.Fatalf("exec -d: %v", err)
	}
	deadline := time.Now().Add(hangLimit)
	for r := o.runExec("", "ei", "cat", "/started"); r.stdout != "started\n"; r = o.runExec("", "ei", "cat", "/started") {
		if time.Now().After(deadline) {
			t.Fatalf("the exec'd process never started: %+v", r)
		}
	}
	// The program's stub and the exec'd sleep's at least (those of
	// the cats may still be going away).
	stubs := descendants(pid)
	if len(stubs) < 2 {
		t.Fatalf("stubs under the container sentry %d: %v, want the program's and the exec'd process's", pid, stubs)
	}
	// A stub being started (for a cat, or the next fork) holds the
	// sandbox's namespace fds until its setup closes them: only an fd
	// that stays is a leak, so scan until a scan is clean.
	var held []string
	for {
		held = held[:0]
		for _, p := range descendants(pid) {
			fds, _ := filepath.Glob("/proc/" + strconv.Itoa(p) + "/fd/*")
			for _, fd := range fds {
				target, err := os.Readlink(fd)
				if err == nil && !strings.HasPrefix(target, "/memfd:") {
					held = append(held, fmt.Sprintf("stub %d holds host fd %s -> %s", p, fd, target))
				}
			}
		}
		if len(held) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s", strings.Join(held, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestOCIExecDetachedProcessDiesWithItsPidFileProcess: the PID exec -d
// writes stands for the process, as the PID runc's exec -d reports is
// the process: SIGKILL of it (an engine killing an exec session) ends
// the process in the sandbox too.
func TestOCIExecDetachedProcessDiesWithItsPidFileProcess(t *testing.T) {
	becomeSubreaper(t)
	o := newOCI(t)
	runningContainer(t, o, "ek")
	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	cmd := exec.Command(sentryBin, "--root", o.root, "exec", "-d", "--pid-file", pidFile, "ek", "sleep", "999")
	cmd.Stdout, cmd.Stderr = o.out, o.errf
	if err := cmd.Run(); err != nil {
		t.Fatalf("exec -d: %v", err)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	waiter, _ := strconv.Atoi(string(data))
	if r := o.runExec("", "ek", "/bin/busybox", "ps"); !strings.Contains(r.stdout, "sleep 999") {
		t.Fatalf("the exec'd sleep is not running: %+v", r)
	}
	if err := unix.Kill(waiter, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitContainer(t, waiter)
	deadline := time.Now().Add(hangLimit)
	for {
		r := o.runExec("", "ek", "/bin/busybox", "ps")
		if r.status == 0 && !strings.Contains(r.stdout, "sleep 999") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the exec'd sleep outlived its pid file's process: %+v", r)
		}
	}
	if s := o.status("ek"); s != "running" {
		t.Fatalf("the container after: %s", s)
	}
}
