package vfs

import (
	"testing"

	"golang.org/x/sys/unix"
)

// A read-only root (runtime-spec's root.readonly) refuses every change
// under "/" with EROFS, while the mounts on it keep their own modes: a
// tmpfs, /dev/shm, a writable volume.
func TestReadOnlyRootLeavesItsMountsWritable(t *testing.T) {
	e := newEnv(t)
	fs, err := New(Options{HostRoot: e.root,
		Volumes: []Volume{{Host: e.vol, Guest: "/data"}},
		Tmpfs:   []Tmpfs{{Guest: "/run", Mode: 0o755}, {Guest: "/ro", Mode: 0o755, ReadOnly: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	fs.SetRootReadOnly()
	open := func(p string, flags int) error {
		f, err := fs.OpenAt(nil, p, flags, 0o644)
		if err == nil {
			f.DecRef()
		}
		return err
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"create on /", open("/new", unix.O_WRONLY|unix.O_CREAT), unix.EROFS},
		{"open existing for writing", open("/etc/hosts", unix.O_WRONLY), unix.EROFS},
		{"mkdir on /", fs.MkdirAt(nil, "/d", 0o755), unix.EROFS},
		{"unlink on /", fs.UnlinkAt(nil, "/etc/hosts", false), unix.EROFS},
		{"rename on /", fs.RenameAt(nil, "/etc/hosts", nil, "/etc/h2", 0), unix.EROFS},
		{"chmod on /", fs.ChmodAt(nil, "/etc/hosts", 0o600, true), unix.EROFS},
		{"symlink on /", fs.SymlinkAt("x", nil, "/l"), unix.EROFS},
		{"read on /", open("/etc/hosts", unix.O_RDONLY), nil},
		{"create in a tmpfs", open("/run/x", unix.O_WRONLY|unix.O_CREAT), nil},
		{"mkdir in a tmpfs", fs.MkdirAt(nil, "/run/d", 0o755), nil},
		{"create in a read-only tmpfs", open("/ro/x", unix.O_WRONLY|unix.O_CREAT), unix.EROFS},
		{"create in /dev/shm", open("/dev/shm/x", unix.O_WRONLY|unix.O_CREAT), nil},
		{"create in a volume", open("/data/new", unix.O_WRONLY|unix.O_CREAT), nil},
	}
	for _, tc := range tests {
		wantErr(t, tc.name, tc.err, tc.want)
	}
	if _, err := fs.Lookup(nil, "/run/d", true); err != nil {
		t.Errorf("tmpfs lost its directory: %v", err)
	}
}

// A tmpfs hides what the root has below its mount point, and its root
// has the mode asked for.
func TestTmpfsHidesTheRootBelowIt(t *testing.T) {
	e := newEnv(t)
	fs, err := New(Options{HostRoot: e.root, Tmpfs: []Tmpfs{{Guest: "/dir", Mode: 0o1777}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Lookup(nil, "/dir/a", true); err != unix.ENOENT {
		t.Errorf("/dir/a under the tmpfs: %v, want ENOENT", err)
	}
	st, err := fs.StatAt(nil, "/dir", true)
	if err != nil || st.Mode != unix.S_IFDIR|0o1777 {
		t.Errorf("tmpfs root: %o %v", st.Mode, err)
	}
	if _, err := New(Options{HostRoot: e.root, Tmpfs: []Tmpfs{{Guest: "/proc/x", Mode: 0o755}}}); err == nil {
		t.Error("a tmpfs in the sandbox's /proc was mounted")
	}
}
