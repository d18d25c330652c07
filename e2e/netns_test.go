package e2e

import (
	"os"
	"os/exec"
	"testing"
)

// freshNetnsScript runs "$@" in the network namespace unshare made: IPv6
// on its loopback (a new namespace may inherit disable_ipv6 from the
// host's when net.core.devconf_inherit_init_net asks for it), then
// loopback up, which gives it 127.0.0.1 and ::1.
const freshNetnsScript = `f=/proc/sys/net/ipv6/conf/lo/disable_ipv6
if [ -e $f ]; then echo 0 > $f || exit 97; fi
ip link set lo up || exit 97
exec "$@"`

// inFreshNetns makes cmd, the native reference of a network test, run in
// a new network namespace with only a loopback, up, with IPv4 and IPv6.
// The reference must not depend on the host's interfaces: CI machines
// disable IPv6 on lo, and then Linux answers EADDRNOTAVAIL where the
// sandbox, which brings its own stack with ::1, answers as a stock
// kernel does. Unprivileged, cmd runs as it is.
func inFreshNetns(cmd *exec.Cmd) *exec.Cmd {
	if os.Geteuid() != 0 {
		return cmd
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return cmd
	}
	prog := cmd.Path
	cmd.Path = unshare
	cmd.Args = append([]string{"unshare", "--net", "--", "sh", "-c", freshNetnsScript, "sh", prog}, cmd.Args[1:]...)
	return cmd
}

// nativeNet is native in a fresh network namespace (inFreshNetns).
func nativeNet(t *testing.T, args ...string) string {
	t.Helper()
	out, err := inFreshNetns(exec.Command(args[0], args[1:]...)).CombinedOutput()
	if err != nil {
		t.Fatalf("native %v: %v\n%s", args, err, out)
	}
	return string(out)
}
