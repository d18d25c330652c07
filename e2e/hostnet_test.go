package e2e

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// vethNet is a network namespace made for one test, joined to the
// test's own namespace by a veth pair: HostIP is the end on the test's
// side (where the test's servers listen), NSIP the end inside NS (where
// the sentry runs with --network host).
type vethNet struct {
	NS           string
	HostIP, NSIP string
}

// newVethNet makes the namespace, the veth pair and a /24 of its own,
// named uniquely for this run, and removes them when the test ends. It
// needs root (and iproute2); without them the test is skipped, and says
// so.
func newVethNet(t *testing.T) *vethNet {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("the host-network tests make a network namespace and a veth pair: run them as root (make test and CI do)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatal("iproute2's ip is not installed (make deps installs it)")
	}
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		t.Fatal(err)
	}
	id := hex.EncodeToString(r[:3])
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// A 10.x.y.0/24 that no interface here uses yet.
	addrs, _ := exec.Command("ip", "-4", "-o", "addr").Output()
	var prefix string
	for i := 0; ; i++ {
		prefix = fmt.Sprintf("10.%d.%d.", 64+int(r[3]+byte(i))%64, (int(r[0])+i*7)%250)
		if !bytes.Contains(addrs, []byte(" "+prefix)) {
			break
		}
	}
	v := &vethNet{NS: "sentry-e2e-" + id, HostIP: prefix + "1", NSIP: prefix + "2"}
	hostEnd, nsEnd := v.ends()
	run("netns", "add", v.NS)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", v.NS).Run() })
	run("link", "add", hostEnd, "type", "veth", "peer", "name", nsEnd)
	t.Cleanup(func() { exec.Command("ip", "link", "del", hostEnd).Run() })
	run("link", "set", nsEnd, "netns", v.NS)
	run("addr", "add", v.HostIP+"/24", "dev", hostEnd)
	run("link", "set", hostEnd, "up")
	run("-n", v.NS, "addr", "add", v.NSIP+"/24", "dev", nsEnd)
	run("-n", v.NS, "link", "set", nsEnd, "up")
	run("-n", v.NS, "link", "set", "lo", "up")
	return v
}

// addIPv6 gives both ends of the veth an IPv6 address too (no duplicate
// address detection, so they are usable at once) and returns them.
func (v *vethNet) addIPv6(t *testing.T) (hostIP6, nsIP6 string) {
	t.Helper()
	prefix := "fd00:" + strings.ReplaceAll(strings.TrimSuffix(v.HostIP, ".1"), ".", ":") + "::"
	hostIP6, nsIP6 = prefix+"1", prefix+"2"
	hostEnd, nsEnd := v.ends()
	script := func(dev, addr string) string {
		return fmt.Sprintf("echo 0 > /proc/sys/net/ipv6/conf/%s/disable_ipv6 && ip -6 addr add %s/64 dev %s nodad", dev, addr, dev)
	}
	for _, c := range []*exec.Cmd{
		exec.Command("sh", "-c", script(hostEnd, hostIP6)),
		v.command("sh", "-c", script(nsEnd, nsIP6)),
	} {
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", c.Args, err, out)
		}
	}
	return hostIP6, nsIP6
}

// ends are the names of the veth's two ends.
func (v *vethNet) ends() (hostEnd, nsEnd string) {
	id := strings.TrimPrefix(v.NS, "sentry-e2e-")
	return "snh" + id + "a", "snh" + id + "b"
}

// command is a program run inside the namespace: argv under `ip netns
// exec` (which execs it, so its pid is the program's).
func (v *vethNet) command(argv ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", v.NS}, argv...)...)
}

// run runs argv inside the namespace to its end.
func (v *vethNet) run(t *testing.T, argv ...string) result {
	t.Helper()
	cmd := v.command(argv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	wait(t, cmd, hangLimit, &out, &errb)
	return result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

// sentry runs `sentry run --network MODE args...` inside the namespace.
func (v *vethNet) sentry(t *testing.T, mode string, args ...string) result {
	t.Helper()
	return v.run(t, append([]string{sentryBin, "run", "--network", mode}, args...)...)
}

// listenTCP listens on the host end of the veth, on a port the kernel
// picks.
func (v *vethNet) listenTCP(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp4", net.JoinHostPort(v.HostIP, "0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func portOf(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

// TestHostNetworkWgetFetchesFromTheNamespacesPeer: with --network host,
// busybox wget inside the sandbox fetches a file from an HTTP server on
// the other end of the namespace's veth, through a host socket the
// sentry owns; with --network sandbox and none the same fetch finds no
// route, as Linux without one says.
func TestHostNetworkWgetFetchesFromTheNamespacesPeer(t *testing.T) {
	v := newVethNet(t)
	var r [16]byte
	rand.Read(r[:])
	body := "file served across the veth " + hex.EncodeToString(r[:]) + "\n"
	l := v.listenTCP(t)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/file" {
			http.NotFound(w, req)
			return
		}
		io.WriteString(w, body)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	url := fmt.Sprintf("http://%s:%s/file", v.HostIP, portOf(l.Addr()))

	got := v.sentry(t, "host", "/bin/busybox", "wget", "-q", "-O", "-", url)
	if got.status != 0 || got.stdout != body {
		t.Fatalf("--network host: wget status %d, stdout %q, want %q\nstderr:\n%s", got.status, got.stdout, body, got.stderr)
	}
	for _, mode := range []string{"sandbox", "none"} {
		got := v.sentry(t, mode, "/bin/busybox", "wget", "-q", "-O", "-", url)
		if got.status == 0 || got.stdout != "" || !strings.Contains(got.stderr, "Network is unreachable") {
			t.Errorf("--network %s: wget status %d, stdout %q, stderr %q; want a failure with \"Network is unreachable\"", mode, got.status, got.stdout, got.stderr)
		}
	}
}

// outMatchesNative runs net_out inside the namespace natively and under the
// sentry with --network host, and wants the same output, which must
// contain each of want.
func outMatchesNative(t *testing.T, v *vethNet, bin string, args []string, want ...string) {
	t.Helper()
	native := v.run(t, append([]string{bin}, args...)...)
	if native.status != 0 {
		t.Fatalf("native %v: status %d\n%s%s", args, native.status, native.stdout, native.stderr)
	}
	got := v.sentry(t, "host", append([]string{bin}, args...)...)
	if got.status != 0 || got.stdout != native.stdout {
		t.Fatalf("%v under the sentry: status %d\nstdout:\n%s\nnative stdout:\n%s\nstderr:\n%s", args, got.status, got.stdout, native.stdout, got.stderr)
	}
	for _, w := range want {
		if !strings.Contains(got.stdout, w) {
			t.Errorf("%v: no %q in\n%s", args, w, got.stdout)
		}
	}
}

// TestHostNetworkUDPEchoAnswersFromThePeer: a datagram sent from the
// sandbox reaches an echo server on the host end of the veth, and
// recvfrom gets the answer with the server's address; a connected UDP
// socket's getsockname is the namespace's own address. As native in
// the same namespace.
func TestHostNetworkUDPEchoAnswersFromThePeer(t *testing.T) {
	v := newVethNet(t)
	bin := buildC(t, "net_out")
	pc, err := net.ListenPacket("udp4", net.JoinHostPort(v.HostIP, "0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go echoUDP(pc, "echo:")
	port := portOf(pc.LocalAddr())
	outMatchesNative(t, v, bin, []string{"udp", v.HostIP, port},
		fmt.Sprintf("recvfrom: echo:ping over udp from %s:%s\n", v.HostIP, port),
		"connected local: "+v.NSIP+"\n",
		"recv: echo:again\n")
}

// TestHostNetworkTCPClientMatchesLinux: a non-blocking connect to a
// server on the host end of the veth (EINPROGRESS, epoll, SO_ERROR),
// TCP_NODELAY and SO_KEEPALIVE read back from the host socket, the real
// addresses from getsockname and getpeername, a half-close the server
// sees as end of file before it answers, MSG_PEEK, and the answer;
// SO_RCVBUF/SO_SNDBUF set before the connect and TCP_INFO after it are
// the host socket's. As native in the same namespace.
func TestHostNetworkTCPClientMatchesLinux(t *testing.T) {
	v := newVethNet(t)
	bin := buildC(t, "net_out")
	l := v.listenTCP(t)
	serveEach(l, func(c net.Conn) {
		defer c.Close()
		b, err := io.ReadAll(c) // until the client's SHUT_WR
		if err == nil {
			c.Write(append([]byte("echo:"), b...))
		}
	})
	port := portOf(l.Addr())
	outMatchesNative(t, v, bin, []string{"tcp", v.HostIP, port},
		"connect: Operation now in progress\n",
		"SO_ERROR: 0\n",
		"TCP_NODELAY: 1\n",
		"SO_RCVBUF: ",         // what the host made of 3000000 (its rmem_max)
		"TCP_INFO state: 1\n", // TCP_ESTABLISHED
		"local: "+v.NSIP+"\n",
		"peer: "+v.HostIP+":"+port+"\n",
		"reply: echo:hello over the veth\n")
}

// TestHostNetworkConnectToClosedPortIsRefused: connecting to a port of
// the veth's peer that nobody listens on is ECONNREFUSED, blocking or
// not (then through SO_ERROR), as native; busybox nc says so too.
func TestHostNetworkConnectToClosedPortIsRefused(t *testing.T) {
	v := newVethNet(t)
	bin := buildC(t, "net_out")
	l := v.listenTCP(t)
	port := portOf(l.Addr())
	l.Close() // the port is now closed on the peer
	outMatchesNative(t, v, bin, []string{"refused", v.HostIP, port},
		"blocking connect: Connection refused\n",
		"SO_ERROR: Connection refused\n")
	got := v.sentry(t, "host", "/bin/busybox", "nc", v.HostIP, port)
	if got.status == 0 || !strings.Contains(got.stderr, "Connection refused") {
		t.Errorf("busybox nc to a closed port: status %d, stderr %q; want \"Connection refused\"", got.status, got.stderr)
	}
}

// childrenOf lists the child processes of every thread of pid (the
// sentry's stubs are children of the threads that trace them).
func childrenOf(pid int) []int {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var out []int
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, c := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(c); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// sentryPid is the sentry process `ip netns exec` started as pid: pid
// itself when ip exec'd it, else its child (some iproute2 versions fork).
func sentryPid(t *testing.T, pid int) int {
	t.Helper()
	isSentry := func(p int) bool {
		exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", p))
		return filepath.Base(exe) == filepath.Base(sentryBin)
	}
	if isSentry(pid) {
		return pid
	}
	for _, c := range childrenOf(pid) {
		if isSentry(c) {
			return c
		}
	}
	t.Fatalf("no sentry process at pid %d or among its children", pid)
	return 0
}

// TestHostNetworkUnreachableAddressesFailAsOnLinux: beyond loopback,
// an address the namespace has no route to is ENETUNREACH, and an
// address on the veth's subnet where nobody answers is EHOSTUNREACH
// once the neighbour lookup gives up: the host kernel's answers,
// reported as native in the same namespace.
func TestHostNetworkUnreachableAddressesFailAsOnLinux(t *testing.T) {
	v := newVethNet(t)
	bin := buildC(t, "net_out")
	// 192.0.2.1 is TEST-NET-1; the namespace has only its /24.
	outMatchesNative(t, v, bin, []string{"refused", "192.0.2.1", "80"},
		"blocking connect: Network is unreachable\n")
	absent := strings.TrimSuffix(v.HostIP, "1") + "3"
	outMatchesNative(t, v, bin, []string{"refused", absent, "80"},
		"blocking connect: No route to host\n")
}

// TestHostNetworkConnectTimesOutAsOnLinux: SYNs to an address the
// namespace routes out of its veth to a link-layer address nobody has
// vanish (the peer drops frames not addressed to it); with TCP_SYNCNT 1
// (set by the program, passed to the host socket) connect fails with
// ETIMEDOUT after the host's retries, blocking or not (SO_ERROR), as
// native in the same namespace.
func TestHostNetworkConnectTimesOutAsOnLinux(t *testing.T) {
	v := newVethNet(t)
	bin := buildC(t, "net_out")
	_, nsEnd := v.ends()
	for _, args := range [][]string{
		{"route", "add", "198.51.100.0/24", "dev", nsEnd},
		{"neigh", "add", "198.51.100.7", "lladdr", "02:00:5e:00:53:01", "dev", nsEnd, "nud", "permanent"},
	} {
		if out, err := exec.Command("ip", append([]string{"-n", v.NS}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
	}
	outMatchesNative(t, v, bin, []string{"timeout", "198.51.100.7", "80"},
		"blocking connect: Connection timed out\n",
		"non-blocking connect: Operation now in progress\n",
		"SO_ERROR: Connection timed out\n")
}

// TestHostNetworkResetWakesEpollWait: the peer resets a connection
// while the sandboxed client waits in epoll_wait; the wait ends with
// the events Linux reports and read says ECONNRESET, then end of file.
// As native in the same namespace.
func TestHostNetworkResetWakesEpollWait(t *testing.T) {
	v := newVethNet(t)
	bin := buildC(t, "net_out")
	l := v.listenTCP(t)
	serveEach(l, func(c net.Conn) {
		var b [1]byte
		io.ReadFull(c, b[:])
		c.(*net.TCPConn).SetLinger(0) // close sends RST
		c.Close()
	})
	outMatchesNative(t, v, bin, []string{"reset", v.HostIP, portOf(l.Addr())},
		"read: Connection reset by peer\n")
}

// uploadPy connects to HOST PORT (IPv4 or IPv6 by the address), sends
// 16 MiB with sendall or sendfile(2) (HOW), half-closes, and prints the server's answer; then
// sends a datagram to the same port and prints the answer and where it
// came from.
const uploadPy = `import socket, sys
host, port, how = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
data = bytes(range(256)) * (1 << 16)
s = socket.socket(fam, socket.SOCK_STREAM)
s.connect((host, port))
if how == "sendfile":
    with open("/tmp/upload.bin", "wb") as f:
        f.write(data)
    with open("/tmp/upload.bin", "rb") as f:
        s.sendfile(f)
else:
    s.sendall(data)
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
print("tcp:", got.decode())
u = socket.socket(fam, socket.SOCK_DGRAM)
u.sendto(b"ping", (host, port))
d, frm = u.recvfrom(100)
print("udp:", d.decode(), "from", frm[0], frm[1] == port)
`

// streamServers listens on addr for TCP (answering each connection,
// once the client half-closes, with the length and SHA-256 of what it
// sent) and UDP (echoing each datagram with "echo:"), on one port.
func streamServers(t *testing.T, network, addr string) string {
	t.Helper()
	l, err := net.Listen("tcp"+network, net.JoinHostPort(addr, "0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	port := portOf(l.Addr())
	pc, err := net.ListenPacket("udp"+network, net.JoinHostPort(addr, port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	serveEach(l, func(c net.Conn) {
		defer c.Close()
		h := sha256.New()
		n, err := io.Copy(h, c)
		if err == nil {
			fmt.Fprintf(c, "%d %x", n, h.Sum(nil))
		}
	})
	go echoUDP(pc, "echo:")
	return port
}

// TestHostNetworkLargeTransfersBothWays: 16 MiB downloaded by busybox
// wget and 16 MiB uploaded by CPython's sendall (IPv4 and IPv6) and by
// sendfile(2) cross
// the veth intact: both directions meet back-pressure (EAGAIN) on the
// host socket and are woken by the host poller, never by a busy loop.
// CPython's UDP over IPv6 gets its echo from the peer's address.
func TestHostNetworkLargeTransfersBothWays(t *testing.T) {
	v := newVethNet(t)
	host6, _ := v.addIPv6(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20)
	sum := sha256.Sum256(big)
	l := v.listenTCP(t)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { w.Write(big) })}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	url := fmt.Sprintf("http://%s:%s/big", v.HostIP, portOf(l.Addr()))
	got := v.sentry(t, "host", "/bin/busybox", "sh", "-c", "/bin/busybox wget -q -O - "+url+" | /bin/busybox sha256sum")
	if want := fmt.Sprintf("%x  -\n", sum); got.status != 0 || got.stdout != want {
		t.Fatalf("download: status %d, stdout %q, want %q\nstderr:\n%s", got.status, got.stdout, want, got.stderr)
	}

	up := bytes.Repeat(func() []byte {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}(), 1<<16)
	upSum := sha256.Sum256(up)
	for _, c := range []struct{ network, addr, how string }{{"4", v.HostIP, "sendall"}, {"6", host6, "sendall"}, {"4", v.HostIP, "sendfile"}} {
		port := streamServers(t, c.network, c.addr)
		got := v.sentry(t, "host", cpython, "-c", uploadPy, c.addr, port, c.how)
		want := fmt.Sprintf("tcp: %d %x\nudp: echo:ping from %s True\n", len(up), upSum, c.addr)
		if got.status != 0 || got.stdout != want {
			t.Errorf("upload by %s over IPv%s: status %d, stdout %q, want %q\nstderr:\n%s", c.how, c.network, got.status, got.stdout, want, tail(got.stderr, 3000))
		}
	}
}

// TestHostNetworkRedisAnswersRedisCliAtTheNamespacesAddress: redis
// under the sentry with --network host listens on the namespace's
// interfaces, so redis-cli on the other end of the veth reaches it at
// the namespace's address (PING, SET, GET). The host listening socket
// is the sentry's own, not the stub's. A redis-cli in another sandbox
// in the same namespace reaches it at that address too (each sandbox's
// loopback is its own).
func TestHostNetworkRedisAnswersRedisCliAtTheNamespacesAddress(t *testing.T) {
	v := newVethNet(t)
	server, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not installed (make deps installs it)")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatal("redis-cli is not installed (make deps installs it)")
	}
	// The namespace is new and nothing else runs in it: every port
	// there is free.
	const port = "6379"
	cmd := v.command(sentryBin, "run", "--network", "host", server, "--port", port, "--save", "", "--appendonly", "no", "--protected-mode", "no")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	redis := func(args ...string) string {
		out, _ := exec.Command(cli, append([]string{"-h", v.NSIP, "-p", port}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out))
	}
	deadline := time.Now().Add(hangLimit)
	for redis("ping") != "PONG" {
		if time.Now().After(deadline) {
			t.Fatalf("no PONG from redis at %s:%s; stderr:\n%s", v.NSIP, port, errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := redis("set", "greeting", "hello across the veth"); got != "OK" {
		t.Fatalf("set: %q", got)
	}
	if got := redis("get", "greeting"); got != "hello across the veth" {
		t.Fatalf("get: %q", got)
	}

	// Who holds the namespace's listening socket on port.
	tcp := v.run(t, "cat", "/proc/net/tcp")
	var inodes []string
	for _, line := range strings.Split(tcp.stdout, "\n")[1:] {
		fs := strings.Fields(line)
		if len(fs) >= 10 && fs[3] == "0A" && strings.HasSuffix(fs[1], fmt.Sprintf(":%04X", 6379)) {
			inodes = append(inodes, fs[9])
		}
	}
	pid := sentryPid(t, cmd.Process.Pid)
	if len(inodes) == 0 {
		t.Fatalf("no listening socket on port %s in the namespace:\n%s", port, tcp.stdout)
	}
	stubs := childrenOf(pid)
	if len(stubs) == 0 {
		t.Fatalf("the sentry (pid %d) has no stub process", pid)
	}
	for _, ino := range inodes {
		if !holdsSocket(pid, ino) {
			t.Errorf("the sentry (pid %d) does not hold the listening socket %s", pid, ino)
		}
		for _, p := range stubs {
			if holdsSocket(p, ino) {
				t.Errorf("the stub (pid %d) holds the listening socket %s", p, ino)
			}
		}
	}

	got := v.sentry(t, "host", cli, "-h", v.NSIP, "-p", port, "get", "greeting")
	if got.status != 0 || got.stdout != "hello across the veth\n" {
		t.Errorf("redis-cli in another sandbox: status %d, stdout %q\nstderr:\n%s", got.status, got.stdout, got.stderr)
	}
	redis("shutdown", "nosave")
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Fatalf("sentry: %v; stderr:\n%s", err, errb.String())
		}
	case <-time.After(hangLimit):
		t.Fatalf("redis did not exit after SHUTDOWN; stderr:\n%s", errb.String())
	}
}

// bindPy binds the namespace's address and one it does not have, then
// listens on the first and connects to itself there.
const bindPy = `import errno, socket, sys
mine = sys.argv[1]
s = socket.socket()
try:
    s.bind(("192.0.2.7", 0))
except OSError as e:
    print("bind 192.0.2.7:", errno.errorcode[e.errno])
s.close()
l = socket.socket()
l.bind((mine, 0))
l.listen(8)
addr = l.getsockname()
print("listening on", addr[0], addr[1] > 0)
c = socket.create_connection(addr)
a, peer = l.accept()
print("accepted from", peer[0], peer == c.getsockname())
c.sendall(b"over the namespace's address")
print("got", a.recv(100).decode())
c.close()
print("eof", a.recv(100) == b"")
`

// TestHostNetworkBindsTheNamespacesAddress: with --network host, a
// socket binds an address of the namespace (an address it lacks is
// EADDRNOTAVAIL), listens there, and a client connects to it at that
// address; as CPython natively in the same namespace.
func TestHostNetworkBindsTheNamespacesAddress(t *testing.T) {
	v := newVethNet(t)
	outMatchesNative(t, v, cpython, []string{"-c", bindPy, v.NSIP},
		"bind 192.0.2.7: EADDRNOTAVAIL\n",
		"listening on "+v.NSIP+" True\n",
		"accepted from "+v.NSIP+" True\n",
		"got over the namespace's address\neof True\n")
}

// udpServerPy binds a UDP socket to the wildcard address, prints its
// port, answers one datagram and prints where it came from.
const udpServerPy = `import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("0.0.0.0", 0))
print(u.getsockname()[1], flush=True)
d, a = u.recvfrom(100)
u.sendto(b"echo:" + d, a)
print("from", a[0], flush=True)
`

// TestHostNetworkUDPServerAnswersThePeer: with --network host, a UDP
// socket bound to the wildcard address in the sandbox receives a
// datagram a client on the veth's peer sends to the namespace's
// address, and its answer reaches that client.
func TestHostNetworkUDPServerAnswersThePeer(t *testing.T) {
	v := newVethNet(t)
	cmd := v.command(sentryBin, "run", "--network", "host", cpython, "-c", udpServerPy)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 2)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the server ended early; stderr:\n%s", errb.String())
			}
			return l
		case <-time.After(hangLimit):
			t.Fatalf("no line from the server; stderr:\n%s", errb.String())
		}
		return ""
	}
	port := next()
	c, err := net.Dial("udp4", net.JoinHostPort(v.NSIP, port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(hangLimit))
	buf := make([]byte, 100)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "echo:hi" {
		t.Fatalf("answer %q, %v; stderr:\n%s", buf[:n], err, errb.String())
	}
	if got := next(); got != "from "+v.HostIP {
		t.Errorf("the server saw the datagram %q, want from %s", got, v.HostIP)
	}
}

// serveDNS answers DNS queries on pc: name's A record is ip, its other
// types have no records, every other name does not exist. Just enough
// of RFC 1035 for glibc's and busybox's resolvers.
func serveDNS(pc net.PacketConn, name string, ip net.IP) {
	buf := make([]byte, 1500)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		q := buf[:n]
		if len(q) < 12 {
			continue
		}
		// The question: labels up to the root, then type and class.
		i, labels := 12, []string{}
		for i < len(q) && q[i] != 0 && i+1+int(q[i]) <= len(q) {
			labels = append(labels, string(q[i+1:i+1+int(q[i])]))
			i += 1 + int(q[i])
		}
		if i+5 > len(q) {
			continue
		}
		qtype := int(q[i+1])<<8 | int(q[i+2])
		question := q[12 : i+5]
		r := append([]byte{}, q[0], q[1], 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0)
		r = append(r, question...)
		switch {
		case !strings.EqualFold(strings.Join(labels, "."), name):
			r[3] |= 3 // NXDOMAIN
		case qtype == 1: // A
			r[7] = 1
			r = append(r, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
			r = append(r, ip.To4()...)
		}
		pc.WriteTo(r, from)
	}
}

// TestHostNetworkResolvesNamesThroughTheNamespacesDNS: glibc's resolver
// (getent hosts) and busybox nslookup inside the sandbox ask a DNS
// server on the veth's peer over bridged UDP, as the namespace's
// resolv.conf says (ip netns exec mounts /etc/netns/NS/resolv.conf on
// /etc/resolv.conf, and the sandbox's root is the host's /), and get
// its answer; as getent natively in the same namespace.
func TestHostNetworkResolvesNamesThroughTheNamespacesDNS(t *testing.T) {
	v := newVethNet(t)
	pc, err := net.ListenPacket("udp4", net.JoinHostPort(v.HostIP, "53"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	const name, addr = "sandbox-test.example", "10.20.30.40"
	go serveDNS(pc, name, net.ParseIP(addr))
	dir := filepath.Join("/etc/netns", v.NS)
	_, statErr := os.Stat("/etc/netns")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.RemoveAll(dir)
		if os.IsNotExist(statErr) {
			os.Remove("/etc/netns") // made for this test; kept if others use it now
		}
	})
	if err := os.WriteFile(filepath.Join(dir, "resolv.conf"), []byte("nameserver "+v.HostIP+"\noptions timeout:30 attempts:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outMatchesNative(t, v, "/usr/bin/getent", []string{"hosts", name}, addr)
	got := v.sentry(t, "host", "/bin/busybox", "nslookup", "-type=a", name)
	if got.status != 0 || !strings.Contains(got.stdout, "Address: "+addr) {
		t.Errorf("busybox nslookup: status %d\nstdout:\n%s\nstderr:\n%s", got.status, got.stdout, got.stderr)
	}
	got = v.sentry(t, "sandbox", "/usr/bin/getent", "hosts", name)
	if got.status == 0 {
		t.Errorf("--network sandbox resolved %s: %q", name, got.stdout)
	}
}

// TestHostNetworkSeesTheNamespacesInterfaces: with --network host,
// netlink (iproute2's `ip -o -4 addr`, `ip route` and `ip route get`
// (a single answer and its ack), busybox `ip -4 addr`,
// CPython's if_nameindex) and the SIOCGIF* ioctls (busybox ifconfig's
// addresses) describe the namespace's interfaces, as natively there;
// with --network sandbox the sandbox sees only its lo.
func TestHostNetworkSeesTheNamespacesInterfaces(t *testing.T) {
	v := newVethNet(t)
	_, nsEnd := v.ends()
	// IPv4 only: the veth's IPv6 link-local address comes and changes
	// state (tentative) while the namespace settles, between two runs.
	outMatchesNative(t, v, "/usr/sbin/ip", []string{"-o", "-4", "addr"}, "inet "+v.NSIP+"/24")
	outMatchesNative(t, v, "/usr/sbin/ip", []string{"route"}, "dev "+nsEnd)
	outMatchesNative(t, v, "/usr/sbin/ip", []string{"route", "get", v.HostIP}, "src "+v.NSIP)
	outMatchesNative(t, v, "/bin/busybox", []string{"ip", "-4", "addr"}, "inet "+v.NSIP+"/24")
	outMatchesNative(t, v, cpython, []string{"-c", "import socket; print(socket.if_nameindex())"}, "'"+nsEnd+"'")
	got := v.sentry(t, "host", "/bin/busybox", "ifconfig", nsEnd)
	if !strings.Contains(got.stdout, "inet addr:"+v.NSIP+" ") || !strings.Contains(got.stdout, "Mask:255.255.255.0") {
		t.Errorf("busybox ifconfig %s: status %d\nstdout:\n%s\nstderr:\n%s", nsEnd, got.status, got.stdout, got.stderr)
	}
	got = v.sentry(t, "sandbox", "/usr/sbin/ip", "-o", "addr")
	if got.status != 0 || strings.Contains(got.stdout, nsEnd) || !strings.Contains(got.stdout, "inet 127.0.0.1/8") {
		t.Errorf("--network sandbox: ip -o addr: status %d\nstdout:\n%s\nstderr:\n%s", got.status, got.stdout, got.stderr)
	}
}

// loopbackServerPy serves the directory it runs in over HTTP on the
// namespace's 127.0.0.1, and prints its port once it listens.
const loopbackServerPy = `import http.server, functools, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
srv = http.server.HTTPServer(("127.0.0.1", 0), h)
print(srv.server_address[1], flush=True)
srv.serve_forever()
`

// TestHostLoopbackNetworkReachesTheNamespacesLoopback: with --network
// host-loopback, busybox wget in the sandbox fetches a file from an
// HTTP server on the namespace's own 127.0.0.1 (run natively there);
// with --network host the sandbox's loopback is its own, and nobody
// listens on it.
func TestHostLoopbackNetworkReachesTheNamespacesLoopback(t *testing.T) {
	v := newVethNet(t)
	dir := t.TempDir()
	var r [16]byte
	rand.Read(r[:])
	body := "on the namespace's loopback " + hex.EncodeToString(r[:]) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "file"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := v.command(cpython, "-c", loopbackServerPy, dir)
	out, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	ports := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			ports <- sc.Text()
		}
		io.Copy(io.Discard, out)
	}()
	var port string
	select {
	case port = <-ports:
	case <-time.After(hangLimit):
		t.Fatal("the native server on the namespace's loopback did not start")
	}
	url := "http://127.0.0.1:" + port + "/file"
	got := v.sentry(t, "host-loopback", "/bin/busybox", "wget", "-q", "-O", "-", url)
	if got.status != 0 || got.stdout != body {
		t.Fatalf("--network host-loopback: wget status %d, stdout %q, want %q\nstderr:\n%s", got.status, got.stdout, body, got.stderr)
	}
	got = v.sentry(t, "host", "/bin/busybox", "wget", "-q", "-O", "-", url)
	if got.status == 0 || !strings.Contains(got.stderr, "Connection refused") {
		t.Errorf("--network host: wget status %d, stdout %q, stderr %q; want \"Connection refused\" from the sandbox's own loopback", got.status, got.stdout, got.stderr)
	}
}

// startRedisProc starts redis-server (cmd, already pointed at its place)
// with the given extra arguments and stops it when the test ends.
func startRedisProc(t *testing.T, cmd *exec.Cmd) *bytes.Buffer {
	t.Helper()
	cmd.Dir = t.TempDir() // where a master's sync writes dump.rdb
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return &logs
}

// TestHostNetworkRedisReplicatesBothWays: redis under the sentry with
// --network host replicates from a native redis on the veth's peer
// (--replicaof), and a native redis on the peer replicates from a
// sandboxed master at the namespace's address: real replication (a
// full sync, then the command stream), both directions.
func TestHostNetworkRedisReplicatesBothWays(t *testing.T) {
	v := newVethNet(t)
	server, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not installed (make deps installs it)")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatal("redis-cli is not installed (make deps installs it)")
	}
	freeOnPeer := func() string {
		l := v.listenTCP(t)
		p := portOf(l.Addr())
		l.Close()
		return p
	}
	common := []string{"--save", "", "--appendonly", "no", "--protected-mode", "no"}
	redis := func(host, port string, args ...string) string {
		out, _ := exec.Command(cli, append([]string{"-h", host, "-p", port}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out))
	}
	waitFor := func(what, host, port string, want string, logs *bytes.Buffer, args ...string) {
		t.Helper()
		deadline := time.Now().Add(hangLimit)
		for {
			got := redis(host, port, args...)
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v at %s:%s gives %q, want %q; logs:\n%s", what, args, host, port, got, want, tail(logs.String(), 4000))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// Native master on the peer, sandboxed replica in the namespace (a
	// new namespace: its ports are all free).
	mport := freeOnPeer()
	mlogs := startRedisProc(t, exec.Command(server, append([]string{"--bind", v.HostIP, "--port", mport}, common...)...))
	waitFor("native master", v.HostIP, mport, "PONG", mlogs, "ping")
	if got := redis(v.HostIP, mport, "set", "from-native", "crossed into the sandbox"); got != "OK" {
		t.Fatalf("set on the native master: %q", got)
	}
	rlogs := startRedisProc(t, v.command(append([]string{sentryBin, "run", "--network", "host", server, "--port", "6379", "--replicaof", v.HostIP, mport}, common...)...))
	waitFor("sandboxed replica", v.NSIP, "6379", "crossed into the sandbox", rlogs, "get", "from-native")
	redis(v.HostIP, mport, "set", "streamed", "after the sync")
	waitFor("sandboxed replica", v.NSIP, "6379", "after the sync", rlogs, "get", "streamed")

	// Sandboxed master in the namespace, native replica on the peer.
	slogs := startRedisProc(t, v.command(append([]string{sentryBin, "run", "--network", "host", server, "--port", "6380"}, common...)...))
	waitFor("sandboxed master", v.NSIP, "6380", "PONG", slogs, "ping")
	if got := redis(v.NSIP, "6380", "set", "from-sandbox", "crossed out of the sandbox"); got != "OK" {
		t.Fatalf("set on the sandboxed master: %q", got)
	}
	nport := freeOnPeer()
	nlogs := startRedisProc(t, exec.Command(server, append([]string{"--bind", v.HostIP, "--port", nport, "--replicaof", v.NSIP, "6380"}, common...)...))
	waitFor("native replica", v.HostIP, nport, "crossed out of the sandbox", nlogs, "get", "from-sandbox")
	redis(v.NSIP, "6380", "set", "streamed-out", "after the sync")
	waitFor("native replica", v.HostIP, nport, "after the sync", nlogs, "get", "streamed-out")
}

// fdList is what process pid's fds are ("socket:[123]", paths...),
// leaving out eventfds: the sentry's watcher of its own stdin (which the
// program reads to wait) holds one only while a read waits, so whether
// it is there at a given instant is timing. A host poller left behind
// still shows, as its epoll instance.
func fdList(t *testing.T, pid int) []string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, fd := range fds {
		target, _ := os.Readlink(filepath.Join(dir, fd.Name()))
		if target != "anon_inode:[eventfd]" {
			out = append(out, fd.Name()+" -> "+target)
		}
	}
	return out
}

// churnConns is how many connections TestHostNetworkDroppedConnections...
// opens: a third of them are open at once.
const churnConns = 3000

// TestHostNetworkDroppedConnectionsLeaveNoHostFd: 3,000 outbound
// connections dropped abruptly (closed while connecting, reset with
// SO_LINGER 0 after a byte, or 1,000 held open together and then
// closed) leave the sentry process with exactly the fds it had before,
// host poller included. While the 1,000 are open they are the
// sentry's host sockets, and the stub holds no socket at all.
func TestHostNetworkDroppedConnectionsLeaveNoHostFd(t *testing.T) {
	v := newVethNet(t)
	bin := buildC(t, "net_out")
	l := v.listenTCP(t)
	serveEach(l, func(c net.Conn) { io.Copy(io.Discard, c); c.Close() })
	cmd := v.command(sentryBin, "run", "--network", "host", bin, "churn", v.HostIP, portOf(l.Addr()), strconv.Itoa(churnConns))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expect := func(want string) {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok || l != want {
				t.Fatalf("want %q, got %q (open=%v); stderr:\n%s", want, l, ok, errb.String())
			}
		case <-time.After(hangLimit):
			t.Fatalf("no %q line; stderr:\n%s", want, errb.String())
		}
	}
	expect("before")
	pid := sentryPid(t, cmd.Process.Pid)
	before := fdList(t, pid)
	io.WriteString(stdin, "go\n")
	expect(fmt.Sprintf("open %d", churnConns/3))
	// The connections held open are the sentry's host sockets; the
	// stub, which runs the program, holds none.
	sockets := func(pid int) int {
		n := 0
		for _, fd := range fdList(t, pid) {
			if strings.Contains(fd, "socket:[") {
				n++
			}
		}
		return n
	}
	if n := sockets(pid); n < churnConns/3 {
		t.Errorf("with %d connections open the sentry holds %d sockets", churnConns/3, n)
	}
	stubs := childrenOf(pid)
	if len(stubs) == 0 {
		t.Fatalf("the sentry (pid %d) has no stub process", pid)
	}
	for _, stub := range stubs {
		if n := sockets(stub); n != 0 {
			t.Errorf("the stub (pid %d) holds %d sockets", stub, n)
		}
	}
	io.WriteString(stdin, "go\n")
	expect("after")
	after := fdList(t, pid)
	if len(after) != len(before) {
		t.Errorf("the sentry held %d fds before %d dropped connections and %d after\nbefore: %q\nafter:  %q", len(before), churnConns, len(after), before, after)
	}
	io.WriteString(stdin, "go\n")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("churn: %v\nstderr:\n%s", err, errb.String())
	}
	t.Logf("sentry fds before %d, after %d", len(before), len(after))
}

// serveEach accepts connections on l until it is closed and serves each
// with handle on its own goroutine.
func serveEach(l net.Listener, handle func(c net.Conn)) {
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
}

// TestHostNetworkProcNetListsBridgedSocketsAsLinux: with --network host,
// a program finds its bridged sockets (a TCP client with 5 unread bytes,
// a listener on the wildcard, the connection it accepts through the
// namespace's address, a connected UDP socket; IPv4 and IPv6) in
// /proc/net/{tcp,tcp6,udp,udp6} under its fds' inodes, with the
// addresses, state and queues Linux lists; /proc/net/if_inet6 and
// /proc/net/dev are the namespace's. As natively in the same namespace.
func TestHostNetworkProcNetListsBridgedSocketsAsLinux(t *testing.T) {
	v := newVethNet(t)
	host6, _ := v.addIPv6(t)
	greet := func(l net.Listener) {
		serveEach(l, func(c net.Conn) {
			c.Write([]byte("hello"))
			io.Copy(io.Discard, c)
		})
	}
	l4 := v.listenTCP(t)
	l6, err := net.Listen("tcp6", net.JoinHostPort(host6, "0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l6.Close() })
	go greet(l4)
	go greet(l6)
	var uports []string
	for _, a := range []string{v.HostIP, host6} {
		pc, err := net.ListenPacket("udp", net.JoinHostPort(a, "0"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pc.Close() })
		uports = append(uports, portOf(pc.LocalAddr()))
	}
	script, _ := filepath.Abs(filepath.Join("..", "testdata", "py", "procnet_host.py"))
	_, nsEnd := v.ends()
	outMatchesNative(t, v, cpython, []string{script, v.HostIP, portOf(l4.Addr()), uports[0], host6, portOf(l6.Addr()), uports[1]},
		"tcp client local ", " True remote ",
		" True st 01 queues 00000000:00000005\n",
		"tcp listener local 00000000 True remote 00000000 True st 0A",
		"tcp6 accepted local ",
		"tcp6 accepted remote is the client True\n",
		"udp6 connected local ",
		"dev interfaces: ['lo', '"+nsEnd+"']\n")
}

// TestHostNetworkDatagramAncillaryDataAsLinux: with --network host, a
// UDP socket bound to the namespace's address that asked for IP_PKTINFO,
// IP_RECVTTL and IP_RECVTOS (and their IPv6 counterparts) gets, with
// each datagram from beyond loopback, the control messages Linux gives
// in that namespace (interface index, addresses, TTL, TOS), and a
// sendmsg's IP_TTL/IP_TOS (IPV6_HOPLIMIT/IPV6_TCLASS) control messages
// reach the wire. As natively in the same namespace.
func TestHostNetworkDatagramAncillaryDataAsLinux(t *testing.T) {
	v := newVethNet(t)
	host6, ns6 := v.addIPv6(t)
	var ports []string
	for _, a := range []string{v.HostIP, host6} {
		pc, err := net.ListenPacket("udp", net.JoinHostPort(a, "0"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pc.Close() })
		go echoUDP(pc, "")
		ports = append(ports, portOf(pc.LocalAddr()))
	}
	script, _ := filepath.Abs(filepath.Join("..", "testdata", "py", "hostnet_cmsg.py"))
	outMatchesNative(t, v, cpython, []string{script, v.NSIP, v.HostIP, ports[0], ns6, host6, ports[1]},
		"AF_INET local: b\"to the namespace's address\" flags 0\n  cmsg 0 8 ",    // IP_PKTINFO
		"\n  cmsg 0 2 09000000\n  cmsg 0 1 20\n",                                 // IP_TTL 9, IP_TOS 0x20
		"AF_INET from the peer: b'echo me' flags 0\n  cmsg 0 8 ",                 // from the veth
		"AF_INET6 local: b\"to the namespace's address\" flags 0\n  cmsg 41 50 ", // IPV6_PKTINFO
		"\n  cmsg 41 52 09000000\n  cmsg 41 67 20000000\n",                       // IPV6_HOPLIMIT 9, IPV6_TCLASS 0x20
		"AF_INET without pktinfo: b'again' flags 0\n  cmsg 0 2 40000000\n")
}

// echoUDP answers each datagram pc receives with prefix and the
// datagram, to its sender, until pc is closed.
func echoUDP(pc net.PacketConn, prefix string) {
	buf := make([]byte, 2048)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		pc.WriteTo(append([]byte(prefix), buf[:n]...), from)
	}
}
