package e2e

import (
	"os/exec"
	"testing"
)

// TestWriteToClosedPeerAsLinux: a TCP write after the peer closed succeeds
// once and then fails with EPIPE, a reset connection's first write is
// ECONNRESET, AF_UNIX fails at once: the same lines natively and in the
// sandbox.
func TestWriteToClosedPeerAsLinux(t *testing.T) {
	prog := buildC(t, "tcp_closed_peer")
	native, err := exec.Command(prog).Output()
	if err != nil {
		t.Fatalf("native: %v", err)
	}
	r := sentry(t, "run", prog)
	if r.status != 0 || r.stdout != string(native) {
		t.Errorf("status %d; sandbox:\n%s\nnative:\n%s\nstderr:\n%s", r.status, r.stdout, native, r.stderr)
	}
}
