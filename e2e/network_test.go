package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestNetworkSelftestPassesInTheSandbox runs one C program that checks
// pipes, eventfd, timerfd, epoll (LT/ET/ONESHOT/nested), poll/select,
// TCP (non-blocking connect, options, half-close, reset, back-pressure,
// refusal, unreachable addresses), dual-stack binds, AF_UNIX (SCM_RIGHTS,
// abstract, datagram, seqpacket), UDP with sendmmsg/recvmmsg and the
// interface list, all inside the sandbox. It passes natively too
// (SELFTEST_NATIVE=1 skips the sandbox-only checks).
func TestNetworkSelftestPassesInTheSandbox(t *testing.T) {
	bin := buildC(t, "net_selftest")
	r := sentry(t, "run", bin)
	if r.status != 0 || !strings.HasSuffix(r.stdout, "all ok\n") {
		t.Fatalf("status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
}

// TestNetworkThreadsBlockAndAreInterrupted: an edge-triggered epoll
// server thread with eight blocking client threads, a blocking writer
// held back by a slow reader with its data intact, and blocking accept,
// read and epoll_wait ended by a signal (EINTR) or restarted
// (SA_RESTART).
func TestNetworkThreadsBlockAndAreInterrupted(t *testing.T) {
	bin := buildC(t, "net_threads", "-pthread")
	r := sentry(t, "run", bin)
	if r.status != 0 || !strings.HasSuffix(r.stdout, "all ok\n") {
		t.Fatalf("status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
}

// freePort returns a host TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// background is a sentry run whose stdout is read line by line.
type background struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr *bytes.Buffer
	done   chan error
}

func startSentry(t *testing.T, args ...string) *background {
	t.Helper()
	return startBackground(t, exec.Command(sentryBin, args...))
}

// startBackground starts cmd (a sentry run or its native reference) with
// its stdout read line by line; it is killed when the test ends.
func startBackground(t *testing.T, cmd *exec.Cmd) *background {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	b := &background{cmd: cmd, lines: make(chan string, 1000), stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = b.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			b.lines <- sc.Text()
		}
		close(b.lines)
		b.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return b
}

func (b *background) expectLine(t *testing.T, want string) {
	t.Helper()
	select {
	case l, ok := <-b.lines:
		if !ok || !strings.Contains(l, want) {
			t.Fatalf("want a line with %q, got %q (open=%v); stderr:\n%s", want, l, ok, b.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no %q line; stderr:\n%s", want, b.stderr)
	}
}

// hostListeners returns the inodes of host sockets listening on port
// (IPv4 or IPv6), from /proc/net/tcp{,6}.
func hostListeners(t *testing.T, port int) []string {
	t.Helper()
	var inodes []string
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) < 10 || fs[3] != "0A" {
				continue
			}
			i := strings.LastIndexByte(fs[1], ':')
			p, _ := strconv.ParseInt(fs[1][i+1:], 16, 32)
			if int(p) == port {
				inodes = append(inodes, fs[9])
			}
		}
	}
	return inodes
}

// holdsSocket reports whether process pid has socket inode open.
func holdsSocket(pid int, inode string) bool {
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	for _, fd := range fds {
		if target, _ := os.Readlink(fd); target == "socket:["+inode+"]" {
			return true
		}
	}
	return false
}

// TestPublishedPortServesHostClients runs an epoll echo server in the
// sandbox (level- and edge-triggered), publishes its port, and talks to
// it from many host connections at once. While it runs, the guest port
// must not be a host listening socket at all, and the published host
// port must be the sentry's own socket, not the stub's.
func TestPublishedPortServesHostClients(t *testing.T) {
	bin := buildC(t, "net_echo")
	for _, mode := range []string{"lt", "et"} {
		t.Run(mode, func(t *testing.T) {
			host := freePort(t)
			guest := freePort(t) // free on the host, so a leak would show
			b := startSentry(t, "run", "-p", fmt.Sprintf("127.0.0.1:%d:%d", host, guest), bin, strconv.Itoa(guest), mode)
			b.expectLine(t, "listening")

			if l := hostListeners(t, guest); len(l) != 0 {
				t.Errorf("guest port %d is a host listening socket (inodes %v)", guest, l)
			}
			hl := hostListeners(t, host)
			if len(hl) != 1 || !holdsSocket(b.cmd.Process.Pid, hl[0]) {
				t.Errorf("published port %d: listeners %v, want one owned by the sentry (pid %d)", host, hl, b.cmd.Process.Pid)
			}
			for _, p := range descendants(b.cmd.Process.Pid) {
				fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", p))
				for _, fd := range fds {
					if target, _ := os.Readlink(fd); strings.HasPrefix(target, "socket:") {
						t.Errorf("stub %d holds a host socket %s", p, target)
					}
				}
			}

			var wg sync.WaitGroup
			errs := make(chan error, 32)
			for i := 0; i < 16; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", host))
					if err != nil {
						errs <- err
						return
					}
					defer c.Close()
					c.SetDeadline(time.Now().Add(20 * time.Second))
					for j := 0; j < 20; j++ {
						msg := fmt.Sprintf("client %d message %d %s\n", i, j, strings.Repeat("x", i*100))
						if _, err := c.Write([]byte(msg)); err != nil {
							errs <- err
							return
						}
						got := make([]byte, len(msg))
						if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
							errs <- fmt.Errorf("client %d: echo %q, %v", i, got, err)
							return
						}
					}
					// Half-close travels in: the server sees EOF and
					// closes, which travels back out as EOF.
					c.(*net.TCPConn).CloseWrite()
					if rest, err := io.ReadAll(c); err != nil || len(rest) != 0 {
						errs <- fmt.Errorf("client %d after half-close: %q, %v", i, rest, err)
					}
				}(i)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", host))
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte("quit\n"))
			b.expectLine(t, "quit after 17 connections")
			c.Close()
			select {
			case err := <-b.done:
				if err != nil {
					t.Fatalf("sentry: %v; stderr:\n%s", err, b.stderr)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("sentry did not exit")
			}
		})
	}
}

// TestGuestCannotReachHostListeners: a host listener on 127.0.0.1 is not
// reachable from the sandbox (its 127.0.0.1 is its own), nor is any
// other host address.
func TestGuestCannotReachHostListeners(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			accepted <- struct{}{}
			c.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	bin := buildC(t, "net_reach")
	r := sentry(t, "run", bin, fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("10.0.0.1:%d", port), "8.8.8.8:53")
	want := fmt.Sprintf("127.0.0.1:%d ECONNREFUSED\n10.0.0.1:%d ENETUNREACH\n8.8.8.8:53 ENETUNREACH\n", port, port)
	if r.status != 0 || r.stdout != want {
		t.Fatalf("status %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
	select {
	case <-accepted:
		t.Fatal("the host listener accepted a connection from the sandbox")
	case <-time.After(100 * time.Millisecond):
	}
}

// TestPublishBusyHostPortIsAOneLineError: a host port that is taken
// stops the run before the app starts, with one line and no stack.
func TestPublishBusyHostPortIsAOneLineError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	r := sentry(t, "run", "-p", fmt.Sprintf("%d:80", port), "/bin/echo", "app ran")
	if r.status == 0 || strings.Contains(r.stdout, "app ran") {
		t.Fatalf("status %d stdout %q: the app should not have started", r.status, r.stdout)
	}
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.Contains(r.stderr, "already in use") {
		t.Fatalf("stderr should be one line naming the busy port:\n%s", r.stderr)
	}
	r = sentry(t, "run", "-p", "nonsense", "/bin/true")
	if r.status == 0 || !strings.Contains(r.stderr, "HOSTPORT") {
		t.Fatalf("bad -p accepted: status %d stderr %q", r.status, r.stderr)
	}
}

// TestRedisAnswersHostRedisCliThroughPublishedPort: the real
// redis-server runs in the sandbox with its default `bind * -::*`, and
// the host's redis-cli reaches it only through the published port.
func TestRedisAnswersHostRedisCliThroughPublishedPort(t *testing.T) {
	server, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not installed (make deps installs it)")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatal("redis-cli is not installed (make deps installs it)")
	}
	host, guest := freePort(t), freePort(t)
	b := startSentry(t, "run", "-p", fmt.Sprintf("127.0.0.1:%d:%d", host, guest), server,
		"--port", strconv.Itoa(guest), "--save", "", "--appendonly", "no")
	redis := func(args ...string) string {
		out, _ := exec.Command(cli, append([]string{"-p", strconv.Itoa(host)}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out))
	}
	deadline := time.Now().Add(30 * time.Second)
	for redis("ping") != "PONG" {
		if time.Now().After(deadline) {
			t.Fatalf("no PONG from redis in the sandbox; stderr:\n%s", b.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := redis("set", "greeting", "hello sandbox"); got != "OK" {
		t.Fatalf("set: %q", got)
	}
	if got := redis("get", "greeting"); got != "hello sandbox" {
		t.Fatalf("get: %q", got)
	}
	if l := hostListeners(t, guest); len(l) != 0 {
		t.Errorf("redis's port %d is a host listening socket (inodes %v)", guest, l)
	}
	redis("shutdown", "nosave")
	select {
	case err := <-b.done:
		if err != nil {
			t.Fatalf("sentry: %v; stderr:\n%s", err, b.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("redis did not exit after SHUTDOWN; stderr:\n%s", b.stderr)
	}
}

// TestNetworkProgramsOnRISCV64 runs the same network programs built for
// riscv64 (static) in the interpreter: one kernel, both architectures
// (riscv64's epoll_event is not packed, and it has only the *2/p* forms
// of pipe, eventfd, signalfd, epoll_wait, poll and select).
func TestNetworkProgramsOnRISCV64(t *testing.T) {
	gcc := needTool(t, "riscv64-linux-gnu-gcc")
	for _, name := range []string{"net_selftest", "net_threads"} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), name)
			cmd := exec.Command(gcc, "-O2", "-static", "-pthread", "-o", out, filepath.Join("..", "testdata", "c", name+".c"))
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("riscv64 gcc %s: %v\n%s", name, err, b)
			}
			r := sentry(t, "run", out)
			if r.status != 0 || !strings.HasSuffix(r.stdout, "all ok\n") {
				t.Fatalf("status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
			}
		})
	}
}

// TestSocketEdgeCasesMatchLinux runs one Python script of socket edge
// cases (errno of bad calls, option defaults, poll states after
// half-closes, datagram truncation, backlog) on the host kernel and in
// the sandbox: the outputs must be identical.
func TestSocketEdgeCasesMatchLinux(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is not installed (make deps installs it)")
	}
	script, _ := filepath.Abs(filepath.Join("..", "testdata", "py", "net_errno.py"))
	native, err := inFreshNetns(exec.Command(py, script)).Output()
	if err != nil {
		t.Fatalf("native run: %v", err)
	}
	r := sentry(t, "run", py, script)
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	if r.stdout != string(native) {
		nl, sl := strings.Split(string(native), "\n"), strings.Split(r.stdout, "\n")
		for i := 0; i < len(nl) || i < len(sl); i++ {
			var a, b string
			if i < len(nl) {
				a = nl[i]
			}
			if i < len(sl) {
				b = sl[i]
			}
			if a != b {
				t.Errorf("linux:   %s\nsandbox: %s", a, b)
			}
		}
	}
}

// TestProcNetListsTheSandboxSockets: a program finds its own TCP (v4 and
// v6), UDP and unix sockets in /proc/net/{tcp,tcp6,udp,unix} by inode;
// the lines it prints (ports and inodes named) are the same on Linux and
// in the sandbox.
func TestProcNetListsTheSandboxSockets(t *testing.T) {
	bin := buildC(t, "procnet")
	want := nativeNet(t, bin)
	r := sentry(t, "run", bin)
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	if r.stdout != want {
		t.Errorf("linux:\n%s\nsandbox:\n%s", want, r.stdout)
	}
	for _, name := range []string{"LISTEN", "CLIENT", "SERVER", "LISTEN6", "UDP", "UNIXLISTEN", "PAIR"} {
		if !strings.Contains(want, " "+name) {
			t.Errorf("the program did not find its %s socket even on Linux:\n%s", name, want)
		}
	}
}

// TestTCPUrgentDataLikeLinux runs net_oob (TCP urgent data: send and
// recv MSG_OOB, the read that stops at the mark, SIOCATMARK,
// SO_OOBINLINE, POLLPRI and EPOLLPRI, SIGURG to the F_SETOWN owner,
// MSG_OOB on AF_UNIX, MSG_ERRQUEUE) on the host kernel and in the
// sandbox: the outputs must be identical.
func TestTCPUrgentDataLikeLinux(t *testing.T) {
	bin := buildC(t, "net_oob")
	native, err := inFreshNetns(exec.Command(bin)).Output()
	if err != nil {
		t.Fatalf("native net_oob: %v", err)
	}
	for _, line := range []string{"tcp: read -> 2 \"ab\"\n", "tcp: recv MSG_OOB -> 1 'c'\n", "sigurg: delivered 1\n"} {
		if !strings.Contains(string(native), line) {
			t.Fatalf("the host kernel does not show %q; its output:\n%s", line, native)
		}
	}
	r := sentry(t, "run", bin)
	if r.status != 0 || r.stdout != string(native) {
		t.Errorf("sandbox: status %d stderr %q\n got:\n%s\nwant (host):\n%s", r.status, r.stderr, r.stdout, native)
	}
}
