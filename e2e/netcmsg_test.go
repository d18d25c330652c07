package e2e

import "testing"

// TestUDPLiteAndInetAncillaryDataAsOnLinux: UDP-Lite sockets (own port
// space, UDPLITE_SEND/RECV_CSCOV and the receiver's coverage check) and
// IP_TTL/IP_TOS/IPV6_HOPLIMIT/IPV6_TCLASS as options, as sent control
// messages (with Linux's EINVALs) and as received ones, truncated with
// MSG_CTRUNC at every control buffer size: the same as natively.
func TestUDPLiteAndInetAncillaryDataAsOnLinux(t *testing.T) { sameAsNative(t, "udplite_cmsg", 0) }

// TestPythonRFC3542AndUDPLiteSocketTestsPassAsNatively: CPython's
// test_socket classes for IPv6 ancillary data (RecvmsgRFC3542Ancillary*)
// and every UDP-Lite class give the results they give natively.
func TestPythonRFC3542AndUDPLiteSocketTestsPassAsNatively(t *testing.T) {
	samePythonTests(t, "test_socket", "-m", "*RFC3542*", "-m", "*UDPLITE*")
}
