package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMappingASparseFileCostsItsDataNotItsSize maps a 2 GiB file that is
// one hole and five bytes, privately (ACCESS_COPY) and shared
// (ACCESS_READ), in the overlay and in a volume, and reads it: as on
// Linux, the program's RSS does not grow by the file's size (the sandbox
// used to read every hole into memory, and write the shared mapping's
// zeroes back into the file, as Python's test_mmap LargeMmapTests showed).
func TestMappingASparseFileCostsItsDataNotItsSize(t *testing.T) {
	py := "/usr/bin/python3.11"
	if _, err := os.Stat(py); err != nil {
		t.Fatalf("%s is not installed: %v", py, err)
	}
	script, err := filepath.Abs(filepath.Join("..", "testdata", "py", "sparse_mmap.py"))
	if err != nil {
		t.Fatal(err)
	}
	want := native(t, py, script, t.TempDir())
	for _, c := range []struct{ name, dir string }{{"overlay", "/tmp"}, {"volume", "/vol"}} {
		t.Run(c.name, func(t *testing.T) {
			got := mustRun(t, "-v", t.TempDir()+":/vol", py, script, c.dir)
			if got.stdout != want {
				t.Errorf("sandbox and Linux differ\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", got.stdout, want, got.stderr)
			}
		})
	}
}
