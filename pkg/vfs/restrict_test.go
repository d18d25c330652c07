package vfs

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestMaskedAndReadOnlyPaths: a masked directory reads empty and refuses
// changes, a masked file is /dev/null, a read-only path and what is under
// it refuse changes with EROFS, paths beside them do not, a missing path
// is left alone, and the host's root is never changed.
func TestMaskedAndReadOnlyPaths(t *testing.T) {
	root := t.TempDir()
	for p, c := range map[string]string{"m/secret": "s", "mf": "secret", "ro/sub/f": "r", "ro/g": "g", "rw/f": "w"} {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := New(Options{HostRoot: root, Masked: []string{"/m", "/mf", "/nope"}, ReadOnly: []string{"/ro", "/nope/too"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.StatAt(nil, "/m/secret", true); err != unix.ENOENT {
		t.Errorf("masked dir's file: %v, want ENOENT", err)
	}
	if st, err := fs.StatAt(nil, "/mf", false); err != nil || st.Mode != unix.S_IFCHR|0o666 || st.Rdev != unix.Mkdev(1, 3) {
		t.Errorf("masked file: %+v %v, want /dev/null", st, err)
	}
	f, err := fs.OpenAt(nil, "/mf", unix.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := f.Read(make([]byte, 10)); n != 0 {
		t.Errorf("masked file read %d bytes", n)
	}
	f.DecRef()
	for _, c := range []struct {
		path string
		want error
	}{
		{"/m/new", unix.EROFS},
		{"/ro/new", unix.EROFS},
		{"/ro/sub/new", unix.EROFS},
		{"/ro/g", unix.EROFS},
		{"/ro/sub/f", unix.EROFS},
		{"/rw/f", nil},
		{"/rw/new", nil},
	} {
		f, err := fs.OpenAt(nil, c.path, unix.O_WRONLY|unix.O_CREAT, 0o644)
		if err != c.want {
			t.Errorf("open %s for writing: %v, want %v", c.path, err, c.want)
		}
		if err == nil {
			f.DecRef()
		}
	}
	if err := fs.MkdirAt(nil, "/ro/sub/d", 0o755); err != unix.EROFS {
		t.Errorf("mkdir under a read-only path: %v", err)
	}
	if b, _ := fs.OpenAt(nil, "/ro/sub/f", unix.O_RDONLY, 0); b == nil {
		t.Error("a read-only path's file cannot be read")
	} else {
		b.DecRef()
	}
	if got, _ := os.ReadFile(filepath.Join(root, "mf")); string(got) != "secret" {
		t.Errorf("the host's masked file became %q", got)
	}
	if _, err := New(Options{HostRoot: root, Masked: []string{"/rw/f/x"}}); err != nil {
		t.Errorf("a path under a file: %v, want it left alone", err)
	}
}
