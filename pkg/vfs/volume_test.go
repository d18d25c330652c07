package vfs

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestVolumeWritesReachHost(t *testing.T) {
	e := newEnv(t)
	f := e.open(t, "/data/new", unix.O_RDWR|unix.O_CREAT|unix.O_EXCL)
	if _, err := f.Write([]byte("persist")); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Errorf("fsync: %v", err)
	}
	f.DecRef()
	if got := hostRead(t, filepath.Join(e.vol, "new")); got != "persist" {
		t.Errorf("host sees %q", got)
	}
	// The redis SAVE pattern: write a temp file, rename over the target.
	e.write(t, "/data/temp-1.rdb", unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC, "snapshot")
	if err := e.fs.RenameAt(nil, "/data/temp-1.rdb", nil, "/data/existing", 0); err != nil {
		t.Fatal(err)
	}
	if got := hostRead(t, filepath.Join(e.vol, "existing")); got != "snapshot" {
		t.Errorf("host after rename: %q", got)
	}
	if _, err := os.Stat(filepath.Join(e.vol, "temp-1.rdb")); !os.IsNotExist(err) {
		t.Errorf("temp file still on host: %v", err)
	}
	// Append mode, truncate, mkdir, symlink, link, chmod, unlink, rmdir.
	e.write(t, "/data/existing", unix.O_WRONLY|unix.O_APPEND, "+aof")
	if got := hostRead(t, filepath.Join(e.vol, "existing")); got != "snapshot+aof" {
		t.Errorf("append: %q", got)
	}
	if err := e.fs.TruncateAt(nil, "/data/existing", 4); err != nil {
		t.Fatal(err)
	}
	if err := e.fs.MkdirAt(nil, "/data/d", 0750); err != nil {
		t.Fatal(err)
	}
	if err := e.fs.SymlinkAt("../existing", nil, "/data/d/l"); err != nil {
		t.Fatal(err)
	}
	if got := e.read(t, "/data/d/l"); got != "snap" {
		t.Errorf("through symlink: %q", got)
	}
	if err := e.fs.LinkAt(nil, "/data/existing", nil, "/data/d/hard", false); err != nil {
		t.Fatal(err)
	}
	if err := e.fs.ChmodAt(nil, "/data/d/hard", 0600, true); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(e.vol, "existing")); err != nil || fi.Mode().Perm() != 0600 {
		t.Errorf("host mode %v, %v", fi.Mode(), err)
	}
	if err := e.fs.ChmodAt(nil, "/data/d", 0700, true); err != nil {
		t.Fatal(err)
	}
	if got := listNames(t, e.fs, "/data/d"); !slices.Equal(sorted(got), []string{".", "..", "hard", "l"}) {
		t.Errorf("listing %v", got)
	}
	if err := e.fs.UnlinkAt(nil, "/data/d", true); err != unix.ENOTEMPTY {
		t.Errorf("rmdir non-empty: %v", err)
	}
	for _, p := range []string{"/data/d/hard", "/data/d/l"} {
		if err := e.fs.UnlinkAt(nil, p, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.fs.UnlinkAt(nil, "/data/d", true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(e.vol, "d")); !os.IsNotExist(err) {
		t.Errorf("dir still on host: %v", err)
	}
	ts := unix.Timespec{Sec: 12345}
	if err := e.fs.UtimesAt(nil, "/data", ts, ts, true); err != nil {
		t.Errorf("utimes of the volume root: %v", err)
	}
	if fi, _ := os.Stat(e.vol); fi.ModTime().Unix() != 12345 {
		t.Errorf("host mtime %v", fi.ModTime())
	}
	if got := e.fs.OverlayWrites(); len(got) != 0 {
		t.Errorf("volume writes reported as overlay writes: %v", got)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestReadOnlyVolume(t *testing.T) {
	e := newEnv(t)
	if got := e.read(t, "/mnt/ro/readme"); got != "read only" {
		t.Errorf("read %q", got)
	}
	tests := []struct {
		name string
		err  error
	}{
		{"open O_WRONLY", openErr(e, "/mnt/ro/readme", unix.O_WRONLY)},
		{"open O_TRUNC", openErr(e, "/mnt/ro/readme", unix.O_RDONLY|unix.O_TRUNC)},
		{"create", openErr(e, "/mnt/ro/new", unix.O_WRONLY|unix.O_CREAT)},
		{"mkdir", e.fs.MkdirAt(nil, "/mnt/ro/d", 0755)},
		{"unlink", e.fs.UnlinkAt(nil, "/mnt/ro/readme", false)},
		{"unlink missing", e.fs.UnlinkAt(nil, "/mnt/ro/missing", false)},
		{"rename", e.fs.RenameAt(nil, "/mnt/ro/readme", nil, "/mnt/ro/x", 0)},
		{"symlink", e.fs.SymlinkAt("x", nil, "/mnt/ro/l")},
		{"chmod", e.fs.ChmodAt(nil, "/mnt/ro/readme", 0600, true)},
		{"truncate", e.fs.TruncateAt(nil, "/mnt/ro/readme", 0)},
		{"access W_OK", e.fs.AccessAt(nil, "/mnt/ro/readme", unix.W_OK, true)},
	}
	for _, tc := range tests {
		wantErr(t, tc.name, tc.err, unix.EROFS)
	}
	wantErr(t, "access R_OK", e.fs.AccessAt(nil, "/mnt/ro/readme", unix.R_OK, true), nil)
	wantErr(t, "mkdir existing", e.fs.MkdirAt(nil, "/mnt/ro/readme", 0755), unix.EEXIST)
	if got := hostRead(t, filepath.Join(e.rovol, "readme")); got != "read only" {
		t.Errorf("host changed: %q", got)
	}
}

func openErr(e *testEnv, path string, flags int) error {
	f, err := e.fs.OpenAt(nil, path, flags, 0644)
	if err == nil {
		f.DecRef()
	}
	return err
}

func TestCrossMount(t *testing.T) {
	e := newEnv(t)
	wantErr(t, "rename overlay->volume", e.fs.RenameAt(nil, "/etc/passwd", nil, "/data/passwd", 0), unix.EXDEV)
	wantErr(t, "rename volume->overlay", e.fs.RenameAt(nil, "/data/existing", nil, "/tmp/x", 0), unix.EXDEV)
	wantErr(t, "link across", e.fs.LinkAt(nil, "/etc/passwd", nil, "/data/pw", false), unix.EXDEV)
	wantErr(t, "rename mount point", e.fs.RenameAt(nil, "/data", nil, "/data2", 0), unix.EBUSY)
	wantErr(t, "rmdir mount point", e.fs.UnlinkAt(nil, "/data", true), unix.EBUSY)
	wantErr(t, "rmdir /dev", e.fs.UnlinkAt(nil, "/dev", true), unix.EBUSY)
	wantErr(t, "rename over mount point", e.fs.RenameAt(nil, "/empty", nil, "/data", 0), unix.EBUSY)
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0644)
	for _, opts := range []Options{
		{HostRoot: filepath.Join(dir, "missing")},
		{HostRoot: file},
		{HostRoot: dir, Volumes: []Volume{{Host: filepath.Join(dir, "missing"), Guest: "/x"}}},
		{HostRoot: dir, Volumes: []Volume{{Host: dir, Guest: "relative"}}},
		{HostRoot: dir, Volumes: []Volume{{Host: dir, Guest: "/"}}},
		{HostRoot: dir, Volumes: []Volume{{Host: dir, Guest: "/f"}}},
	} {
		if _, err := New(opts); err == nil {
			t.Errorf("New(%+v) succeeded", opts)
		}
	}
	// Nested volumes and a volume at a missing path (created in memory).
	inner := filepath.Join(dir, "inner")
	os.Mkdir(inner, 0755)
	os.WriteFile(filepath.Join(inner, "i"), []byte("i"), 0644)
	fs, err := New(Options{HostRoot: dir, Volumes: []Volume{
		{Host: dir, Guest: "/a/b/c"},
		{Host: inner, Guest: "/a/b/c/inner/"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := fs.OpenAt(nil, "/a/b/c/inner/i", unix.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.DecRef()
	if _, err := os.Stat(filepath.Join(dir, "a")); !os.IsNotExist(err) {
		t.Errorf("mount point created on the host: %v", err)
	}
}

func TestCheckVolumes(t *testing.T) {
	dir := t.TempDir()
	procLink := filepath.Join(dir, "proclink")
	if err := os.Symlink("/proc/self", procLink); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		vols []Volume
		ok   bool
	}{
		{[]Volume{{Host: data, Guest: "/data"}, {Host: data, Guest: "/data2"}}, true},
		{[]Volume{{Host: data, Guest: "/devices"}, {Host: data, Guest: "/system"}, {Host: data, Guest: "/process"}}, true},
		{[]Volume{{Host: "/proc", Guest: "/data"}}, false},
		{[]Volume{{Host: "/proc/1", Guest: "/data"}}, false},
		{[]Volume{{Host: "/sys/", Guest: "/data"}}, false},
		{[]Volume{{Host: "/dev", Guest: "/data"}}, false},
		{[]Volume{{Host: "/dev/shm", Guest: "/data"}}, false},
		{[]Volume{{Host: procLink, Guest: "/data"}}, false},
		{[]Volume{{Host: data, Guest: "/proc"}}, false},
		{[]Volume{{Host: data, Guest: "/sys/fs"}}, false},
		{[]Volume{{Host: data, Guest: "/dev/"}}, false},
		{[]Volume{{Host: data, Guest: "/dev/shm"}}, false},
		{[]Volume{{Host: data, Guest: "/data"}, {Host: dir, Guest: "/data/"}}, false},
		{[]Volume{{Host: data, Guest: "/a/../data"}, {Host: dir, Guest: "/data"}}, false},
	} {
		err := checkVolumes(c.vols)
		if (err == nil) != c.ok {
			t.Errorf("%v: error %v, want ok %v", c.vols, err, c.ok)
		}
		if _, nerr := New(Options{Volumes: c.vols}); (nerr == nil) != c.ok {
			t.Errorf("New %v: error %v, want ok %v", c.vols, nerr, c.ok)
		}
	}
}
