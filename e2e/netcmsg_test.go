package e2e

import (
	"os"
	"testing"
)

// TestUDPLiteAndInetAncillaryDataAsOnLinux: UDP-Lite sockets (own port
// space, UDPLITE_SEND/RECV_CSCOV and the receiver's coverage check) and
// IP_TTL/IP_TOS/IPV6_HOPLIMIT/IPV6_TCLASS as options, as sent control
// messages (with Linux's EINVALs) and as received ones, truncated with
// MSG_CTRUNC at every control buffer size: the same as natively.
func TestUDPLiteAndInetAncillaryDataAsOnLinux(t *testing.T) { sameAsNativeNet(t, "udplite_cmsg", 0) }

// TestPythonRFC3542AndUDPLiteSocketTestsPassAsNatively: CPython's
// test_socket classes for IPv6 ancillary data (RecvmsgRFC3542Ancillary*)
// and every UDP-Lite class give the results they give natively.
func TestPythonRFC3542AndUDPLiteSocketTestsPassAsNatively(t *testing.T) {
	samePythonNetTests(t, "test_socket", "-m", "*RFC3542*", "-m", "*UDPLITE*")
}

// TestSethostnameChangesOnlyTheSandboxName: sethostname is the sandbox's
// own (uname, gethostname and /proc/sys/kernel/hostname see it), EINVAL
// above 64 bytes and EPERM unprivileged, and the host's name never
// changes. Not compared with a native run, which would rename the host.
func TestSethostnameChangesOnlyTheSandboxName(t *testing.T) {
	needRoot(t)
	before, _ := os.Hostname()
	script := `import socket,os
socket.sethostname("new-name")
print(socket.gethostname(), os.uname().nodename, open("/proc/sys/kernel/hostname").read().strip())
try: socket.sethostname("x"*65)
except OSError as e: print(e.errno)
pid = os.fork()
if pid == 0:
    os.setuid(1000)
    try: socket.sethostname("y")
    except OSError as e: print("unprivileged", e.errno)
    os._exit(0)
os.waitpid(pid, 0)
`
	r := sentry(t, "run", python, "-c", script)
	want := "new-name new-name new-name\n22\nunprivileged 1\n"
	if r.status != 0 || r.stdout != want {
		t.Fatalf("status %d, stdout %q, want %q\nstderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
	if after, _ := os.Hostname(); after != before {
		t.Fatalf("the host's name changed: %q -> %q", before, after)
	}
}
