package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// redisBundle is a busybox bundle with the host's redis-server (and
// redis-cli) added, running redis on port 6379 of every address.
func redisBundle(t *testing.T) (bundle, server, cli string) {
	t.Helper()
	server, cli = needTool(t, "redis-server"), needTool(t, "redis-cli")
	bundle = busyboxBundle(t, server, "--port", "6379", "--save", "", "--appendonly", "no", "--protected-mode", "no")
	addHostPrograms(t, filepath.Join(bundle, "rootfs"), server, cli)
	return bundle, server, cli
}

// pingUntilPong runs the native redis-cli against host:port until it
// answers PONG (redis in the container may not listen yet) or hangLimit
// passes; it returns the last answer.
func pingUntilPong(cli, host, port string) string {
	deadline := time.Now().Add(hangLimit)
	for {
		out, _ := exec.Command(cli, "-h", host, "-p", port, "ping").CombinedOutput()
		got := strings.TrimSpace(string(out))
		if got == "PONG" || time.Now().After(deadline) {
			return got
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestOCIPodmanPublishedPortReachesRedisInTheContainer: podman (netavark
// bridge) makes the container's network namespace, its veth and address
// and the port forward; the container sentry joins that namespace and
// runs the sandbox in host mode there, so a native redis-cli reaches
// redis in the sandbox through the published port and at the
// container's own address.
func TestOCIPodmanPublishedPortReachesRedisInTheContainer(t *testing.T) {
	bundle, server, cli := redisBundle(t)
	rootfs := filepath.Join(bundle, "rootfs")
	p := newPodman(t)
	port := strconv.Itoa(freePort(t))
	r := p.run("run", "-d", "--name", "r", "-p", port+":6379", "--rootfs", rootfs,
		server, "--port", "6379", "--save", "", "--appendonly", "no", "--protected-mode", "no")
	if r.status != 0 {
		t.Fatalf("podman run -d -p %s:6379 redis-server: %d %s", port, r.status, r.stderr)
	}
	t.Cleanup(func() { p.run("rm", "-f", "-t", "0", "r") })
	if got := pingUntilPong(cli, "127.0.0.1", port); got != "PONG" {
		logs := p.run("logs", "r")
		t.Fatalf("redis-cli -p %s ping: %q; container log:\n%s%s", port, got, logs.stdout, logs.stderr)
	}
	ip := strings.TrimSpace(p.run("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "r").stdout)
	if ip == "" {
		t.Fatal("podman inspect: the container has no address")
	}
	if got := pingUntilPong(cli, ip, "6379"); got != "PONG" {
		t.Fatalf("redis-cli -h %s ping (the container's address): %q", ip, got)
	}
	out, err := exec.Command(cli, "-p", port, "set", "k", "through the bridge").CombinedOutput()
	if err != nil || string(out) != "OK\n" {
		t.Fatalf("redis-cli set: %v %q", err, out)
	}
	// The exec'd client reaches the same redis over the sandbox's
	// loopback.
	if r = p.run("exec", "r", cli, "get", "k"); r.status != 0 || r.stdout != "through the bridge\n" {
		t.Fatalf("podman exec r redis-cli get k: %+v", r)
	}
	p.stopWaits("r", "0")
}

// TestOCIPodmanNetworkNoneSeesOnlyLoopback: with --network none podman
// asks for a new network namespace (a network entry without a path);
// the container sentry makes it, brings its lo up as runc does, and the
// sandbox's view of it (busybox ip, over netlink answered from that
// namespace) is what Linux shows in a fresh namespace with lo up.
func TestOCIPodmanNetworkNoneSeesOnlyLoopback(t *testing.T) {
	rootfs := filepath.Join(busyboxBundle(t, "true"), "rootfs")
	if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", "ip")); err != nil {
		t.Fatal(err)
	}
	p := newPodman(t)
	r := p.run("run", "--rm", "--network", "none", "--rootfs", rootfs, "/bin/ip", "addr")
	want := nativeNet(t, filepath.Join(rootfs, "bin/busybox"), "ip", "addr")
	if r.status != 0 || r.stdout != want {
		t.Fatalf("podman run --network none ip addr: status %d\n%s\nstderr %s\nnative in a fresh namespace:\n%s", r.status, r.stdout, r.stderr, want)
	}
	if !strings.Contains(want, "lo: <LOOPBACK,UP") || strings.Count(want, "link/") != 1 {
		t.Fatalf("the native reference is not a namespace holding only lo, up:\n%s", want)
	}
}

// TestOCINetworkNamespacePathIsTheContainersNetwork: a bundle whose
// linux.namespaces has {"type":"network","path":P} (P made by the test:
// ip netns add and a veth) runs, under `sentry create/start`, in P:
// redis in the sandbox answers a native redis-cli at P's veth address,
// and the listening socket there is the container sentry's, not its
// stub's. A path that is no namespace fails create with the reason,
// leaving nothing.
func TestOCINetworkNamespacePathIsTheContainersNetwork(t *testing.T) {
	becomeSubreaper(t)
	v := newVethNet(t)
	bundle, _, cli := redisBundle(t)
	setNetns := func(path string) {
		editConfig(t, bundle, func(c map[string]any) {
			linux := c["linux"].(map[string]any)
			nss := linux["namespaces"].([]any)
			for _, ns := range nss {
				if m := ns.(map[string]any); m["type"] == "network" {
					m["path"] = path
				}
			}
		})
	}
	o := newOCI(t)

	setNetns(filepath.Join(t.TempDir(), "none"))
	r := o.run("create", "--bundle", bundle, "bad")
	if _, errs := o.containerOutput(); r.status != 1 || !strings.Contains(errs, "network namespace") {
		t.Fatalf("create with a missing network namespace: status %d, stderr %q", r.status, errs)
	}
	if _, err := os.Stat(filepath.Join(o.root, "bad")); !os.IsNotExist(err) {
		t.Fatalf("state left after a failed create: %v", err)
	}

	setNetns("/run/netns/" + v.NS)
	o.must("create", "--bundle", bundle, "c")
	pid := int(o.state("c")["pid"].(float64))
	o.must("start", "c")
	t.Cleanup(func() { o.run("delete", "--force", "c") })
	if got := pingUntilPong(cli, v.NSIP, "6379"); got != "PONG" {
		out, errs := o.containerOutput()
		t.Fatalf("redis-cli -h %s ping: %q\ncontainer out:\n%s\nerr:\n%s", v.NSIP, got, out, errs)
	}
	tcp := v.run(t, "cat", "/proc/net/tcp")
	var inodes []string
	for _, line := range strings.Split(tcp.stdout, "\n")[1:] {
		fs := strings.Fields(line)
		if len(fs) >= 10 && fs[3] == "0A" && strings.HasSuffix(fs[1], fmt.Sprintf(":%04X", 6379)) {
			inodes = append(inodes, fs[9])
		}
	}
	if len(inodes) == 0 {
		t.Fatalf("no listening socket on 6379 in %s:\n%s", v.NS, tcp.stdout)
	}
	for _, ino := range inodes {
		if !holdsSocket(pid, ino) {
			t.Errorf("the container sentry (pid %d) does not hold the listening socket %s", pid, ino)
		}
		for _, c := range childrenOf(pid) {
			if holdsSocket(c, ino) {
				t.Errorf("the stub (pid %d) holds the listening socket %s", c, ino)
			}
		}
	}
	out, err := exec.Command(cli, "-h", v.NSIP, "-p", "6379", "shutdown", "nosave").CombinedOutput()
	if ws := waitContainer(t, pid); !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("container after SHUTDOWN: %v (redis-cli: %v %q)", ws, err, out)
	}
}

// TestOCIUnprivilegedNewNetworkIsLoopbackOnly: a user who may not make a
// network namespace still runs a bundle asking for a new one (a network
// entry without a path, as `sentry spec` writes): the sandbox's network
// is then its in-memory loopback only, busybox ip shows lo alone, and
// --log says why.
func TestOCIUnprivilegedNewNetworkIsLoopbackOnly(t *testing.T) {
	needRoot(t)
	setpriv := needTool(t, "setpriv")
	becomeSubreaper(t)
	bundle := busyboxBundle(t, "/bin/ip", "-o", "link")
	if err := os.Symlink("busybox", filepath.Join(bundle, "rootfs", "bin", "ip")); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state")
	// nobody runs a copy of the sentry, reads the bundle and owns the
	// state directory.
	bin := filepath.Join(t.TempDir(), "sentry")
	data, err := os.ReadFile(sentryBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{bundle, filepath.Dir(bin)} {
		for d := p; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Mkdir(state, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(state, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(state, "log")
	verb := func(args ...string) *exec.Cmd {
		return exec.Command(setpriv, append([]string{"--reuid=65534", "--regid=65534", "--clear-groups",
			bin, "--root", state, "--log", log}, args...)...)
	}
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	create := verb("create", "--bundle", bundle, "c")
	// stderr apart: busybox ip also asks SIOCGIFTXQLEN, which the
	// sandbox's own lo does not answer (ENOTTY).
	errf, err := os.Create(filepath.Join(t.TempDir(), "err"))
	if err != nil {
		t.Fatal(err)
	}
	create.Stdout, create.Stderr = out, errf
	if err := create.Run(); err != nil {
		data, _ := os.ReadFile(errf.Name())
		t.Fatalf("create as nobody: %v\n%s", err, data)
	}
	t.Cleanup(func() { verb("delete", "--force", "c").Run() })
	pidData, err := verb("state", "c").Output()
	if err != nil {
		t.Fatalf("state: %v", err)
	}
	var st struct{ Pid int }
	if err := json.Unmarshal(pidData, &st); err != nil || st.Pid == 0 {
		t.Fatalf("state: %v %s", err, pidData)
	}
	if b, err := verb("start", "c").CombinedOutput(); err != nil {
		t.Fatalf("start: %v %s", err, b)
	}
	if ws := waitContainer(t, st.Pid); !ws.Exited() || ws.ExitStatus() != 0 {
		data, _ := os.ReadFile(errf.Name())
		t.Fatalf("container: %v\n%s", ws, data)
	}
	got, _ := os.ReadFile(out.Name())
	if lines := strings.Split(strings.TrimSpace(string(got)), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "1: lo: <LOOPBACK,UP") {
		t.Errorf("ip -o link in the container:\n%s", got)
	}
	logData, _ := os.ReadFile(log)
	if !strings.Contains(string(logData), "linux.namespaces network: new network namespace: operation not permitted; the sandbox's network is loopback only") {
		t.Errorf("--log does not say why the network is loopback only:\n%s", logData)
	}
}
