package e2e

import (
	"os"
	"strings"
	"testing"
)

// TestSethostnameChangesOnlyTheSandbox: sethostname and setdomainname
// change what the sandbox's uname, gethostname and /proc show, with
// Linux's EINVAL and EFAULT, and leave the host's names alone.
func TestSethostnameChangesOnlyTheSandbox(t *testing.T) {
	prog := buildC(t, "uts")
	before, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	r := sentry(t, "run", prog)
	if r.status != 0 || !strings.Contains(r.stdout, "done 0") {
		t.Errorf("status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
	if after, _ := os.Hostname(); after != before {
		t.Errorf("the host's name changed from %q to %q", before, after)
	}
}
