package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestRunningProgramsFileRefusesWriters: writing to the file of a
// running program (or of a forked copy of it, after its parent has gone)
// and running a file open for writing are ETXTBSY, as natively
// (testdata/c/txtbusy.c): in the root's in-memory overlay (/tmp) and in
// a volume.
func TestRunningProgramsFileRefusesWriters(t *testing.T) {
	sameAsNative(t, "txtbusy", 0)
	bin := buildC(t, "txtbusy", "-pthread")
	native, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatalf("natively: %v", err)
	}
	// The volume hides the host's /tmp, where buildC put the program:
	// it runs from the volume.
	vol := t.TempDir()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(vol, "txtbusy"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	r := sentry(t, "run", "-v", vol+":/tmp", "/tmp/txtbusy")
	if r.status != 0 || r.stdout != string(native) {
		t.Fatalf("with /tmp a volume: status %d, stdout:\n%s\nnatively:\n%s\nstderr:\n%s", r.status, r.stdout, native, r.stderr)
	}
}
