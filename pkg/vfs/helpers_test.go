package vfs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// testEnv is a host tree used as HostRoot, plus a writable and a read-only
// volume and a file outside the root that must stay unreachable.
type testEnv struct {
	base, root, vol, rovol string
	fs                     *FS
}

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	base := t.TempDir()
	e := &testEnv{base: base, root: filepath.Join(base, "root"), vol: filepath.Join(base, "vol"), rovol: filepath.Join(base, "rovol")}
	files := map[string]string{
		"root/etc/passwd":   "root:x:0:0:root:/root:/bin/sh\n",
		"root/etc/hosts":    "127.0.0.1 localhost\n",
		"root/etc/hostname": "sandbox\n",
		"root/dir/a":        "A",
		"root/dir/b":        "B",
		"root/dir/sub/c":    "C",
		"root/noexec":       "data",
		"secret":            "host secret\n",
		"vol/existing":      "old",
		"vol/sub/deep":      "deep",
		"rovol/readme":      "read only",
	}
	for p, c := range files {
		full := filepath.Join(base, p)
		if err := os.MkdirAll(filepath.Dir(full), 0755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"root/tmp", "root/empty", "root/bin"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(e.root, "bin/sh"), []byte("#!"), 0755); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"root/link":     "/etc",
		"root/rel":      "../../../etc",
		"root/up":       "../secret",
		"root/upabs":    filepath.Join(base, "secret"),
		"root/loop1":    "/loop2",
		"root/loop2":    "/loop1",
		"root/self":     "self",
		"root/dangling": "/nonexistent",
		"root/etc/pw":   "passwd",
		"vol/out":       "../secret",
	}
	for p, target := range links {
		if err := os.Symlink(target, filepath.Join(base, p)); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := New(Options{HostRoot: e.root, Volumes: []Volume{
		{Host: e.vol, Guest: "/data"},
		{Host: e.rovol, Guest: "/mnt/ro", ReadOnly: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.fs = fs
	return e
}

func (e *testEnv) open(t *testing.T, path string, flags int) *File {
	t.Helper()
	f, err := e.fs.OpenAt(nil, path, flags, 0644)
	if err != nil {
		t.Fatalf("OpenAt(%q, %#o): %v", path, flags, err)
	}
	return f
}

func (e *testEnv) read(t *testing.T, path string) string {
	t.Helper()
	f := e.open(t, path, unix.O_RDONLY)
	defer f.DecRef()
	return readAll(t, f)
}

func readAll(t *testing.T, f *File) string {
	t.Helper()
	var out []byte
	buf := make([]byte, 7) // small, to exercise the offset
	for {
		n, err := f.Read(buf)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if n == 0 {
			return string(out)
		}
		out = append(out, buf[:n]...)
	}
}

func (e *testEnv) write(t *testing.T, path string, flags int, data string) {
	t.Helper()
	f := e.open(t, path, flags)
	defer f.DecRef()
	if n, err := f.Write([]byte(data)); err != nil || n != len(data) {
		t.Fatalf("Write(%q) = %d, %v", path, n, err)
	}
}

func hostRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func listNames(t *testing.T, fs *FS, path string) []string {
	t.Helper()
	f, err := fs.OpenAt(nil, path, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatalf("open dir %q: %v", path, err)
	}
	defer f.DecRef()
	var names []string
	for {
		ents, err := f.Getdents(4096)
		if err != nil {
			t.Fatalf("Getdents: %v", err)
		}
		if len(ents) == 0 {
			return names
		}
		for _, e := range ents {
			names = append(names, e.Name)
		}
	}
}

func wantErr(t *testing.T, what string, got, want error) {
	t.Helper()
	if want == nil && got != nil || want != nil && !errors.Is(got, want) {
		t.Errorf("%s: got error %v, want %v", what, got, want)
	}
}

var _ io.ReaderAt = (*File)(nil)

func writeHost(path, data string) error { return os.WriteFile(path, []byte(data), 0644) }
