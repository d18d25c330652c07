package e2e

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestInterfaceIoctlsAndControlMessagesAreLinuxsBytes: SIOCGIF* on lo and
// SIOCGIFCONF write exactly the bytes Linux writes (the union member asked
// for and nothing more, the name cut at IFNAMSIZ-1), and SCM_CREDENTIALS
// and SCM_RIGHTS cross a socketpair with Linux's lengths and MSG_CTRUNC;
// natively in a fresh network namespace, whose only interface is lo.
func TestInterfaceIoctlsAndControlMessagesAreLinuxsBytes(t *testing.T) {
	script, _ := filepath.Abs(filepath.Join("..", "testdata", "py", "ifreq_cmsg.py"))
	want, err := inFreshNetns(exec.Command(python, script)).Output()
	if err != nil {
		t.Fatalf("native: %v", err)
	}
	r := sentry(t, "run", python, script)
	if r.status != 0 || r.stdout != string(want) {
		t.Fatalf("status %d\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
}
