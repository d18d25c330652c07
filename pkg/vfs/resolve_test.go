package vfs

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestResolveStaysInsideRoot(t *testing.T) {
	e := newEnv(t)
	passwd := "root:x:0:0:root:/root:/bin/sh\n"
	tests := []struct {
		path  string
		flags int
		want  string
		err   error
	}{
		{"/etc/passwd", 0, passwd, nil},
		{"/../../../etc/passwd", 0, passwd, nil},
		{"/etc/../../etc/./passwd", 0, passwd, nil},
		{"//etc///passwd", 0, passwd, nil},
		{"/link/passwd", 0, passwd, nil}, // absolute host symlink -> guest /etc
		{"/rel/passwd", 0, passwd, nil},  // ../../../etc from /
		{"/etc/pw", 0, passwd, nil},
		{"/up", 0, "", unix.ENOENT},    // ../secret
		{"/upabs", 0, "", unix.ENOENT}, // the host path of the secret
		{"/data/out", 0, "", unix.ENOENT},
		{"/data/../secret", 0, "", unix.ENOENT},
		{"/loop1", 0, "", unix.ELOOP},
		{"/self", 0, "", unix.ELOOP},
		{"/self/x", 0, "", unix.ELOOP},
		{"/dangling", 0, "", unix.ENOENT},
		{"/link", unix.O_NOFOLLOW, "", unix.ELOOP},
		{"/etc/pw", unix.O_NOFOLLOW, "", unix.ELOOP},
		{"/link/", unix.O_NOFOLLOW | unix.O_DIRECTORY, "", nil}, // trailing slash follows
	}
	for _, tc := range tests {
		f, err := e.fs.OpenAt(nil, tc.path, unix.O_RDONLY|tc.flags, 0)
		wantErr(t, tc.path, err, tc.err)
		if err != nil {
			continue
		}
		if tc.want != "" {
			if got := readAll(t, f); got != tc.want {
				t.Errorf("%s reads %q", tc.path, got)
			}
		}
		f.DecRef()
	}
	// lstat sees the links themselves.
	for _, p := range []string{"/dangling", "/loop1", "/up"} {
		st, err := e.fs.StatAt(nil, p, false)
		if err != nil || st.Mode&unix.S_IFMT != unix.S_IFLNK {
			t.Errorf("lstat %s = %o, %v", p, st.Mode, err)
		}
	}
	if got, err := e.fs.ReadlinkAt(nil, "/up"); got != "../secret" || err != nil {
		t.Errorf("readlink /up = %q, %v", got, err)
	}
	// O_PATH|O_NOFOLLOW opens the link itself.
	f, err := e.fs.OpenAt(nil, "/link", unix.O_PATH|unix.O_NOFOLLOW, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := f.Stat(); st.Mode&unix.S_IFMT != unix.S_IFLNK {
		t.Errorf("O_PATH stat mode %o", st.Mode)
	}
	if _, err := f.Read(make([]byte, 1)); err != unix.EBADF {
		t.Errorf("read of O_PATH file: %v", err)
	}
	f.DecRef()
}

func TestSymlinkLimit(t *testing.T) {
	e := newEnv(t)
	// A chain of exactly 40 links resolves; 41 is ELOOP.
	for i := 0; i < 41; i++ {
		target := "/etc/passwd"
		if i > 0 {
			target = "/tmp/l" + itoa(i-1)
		}
		if err := e.fs.SymlinkAt(target, nil, "/tmp/l"+itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.fs.StatAt(nil, "/tmp/l39", true); err != nil {
		t.Errorf("40 links: %v", err)
	}
	if _, err := e.fs.StatAt(nil, "/tmp/l40", true); err != unix.ELOOP {
		t.Errorf("41 links: %v, want ELOOP", err)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestPathsAndDotDot(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ path, want string }{
		{"/", "/"},
		{"/..", "/"},
		{"/dir/sub", "/dir/sub"},
		{"/dir/sub/..", "/dir"},
		{"/data", "/data"},
		{"/data/sub", "/data/sub"},
		{"/data/..", "/"},
		{"/data/sub/../..", "/"},
		{"/mnt/ro/..", "/mnt"},
		{"/dev/..", "/"},
		{"/link", "/etc"},
	}
	for _, tc := range tests {
		d, err := e.fs.Lookup(nil, tc.path, true)
		if err != nil {
			t.Errorf("Lookup(%q): %v", tc.path, err)
			continue
		}
		if got := d.Path(); got != tc.want {
			t.Errorf("Lookup(%q).Path() = %q, want %q", tc.path, got, tc.want)
		}
	}
	// Relative resolution from a dentry, and across a volume's root.
	data, _ := e.fs.Lookup(nil, "/data", true)
	if got, err := e.fs.StatAt(data, "../etc/passwd", true); err != nil || got.Size != 30 {
		t.Errorf("relative from /data: %v", err)
	}
	file, _ := e.fs.Lookup(nil, "/etc/passwd", true)
	if _, err := e.fs.StatAt(file, "x", true); err != unix.ENOTDIR {
		t.Errorf("relative to a file: %v, want ENOTDIR", err)
	}
	if _, err := e.fs.StatAt(file, "/etc", true); err != nil {
		t.Errorf("absolute ignores dir: %v", err)
	}
	// A removed cwd.
	if err := e.fs.MkdirAt(nil, "/tmp/gone", 0755); err != nil {
		t.Fatal(err)
	}
	gone, _ := e.fs.Lookup(nil, "/tmp/gone", true)
	if err := e.fs.UnlinkAt(nil, "/tmp/gone", true); err != nil {
		t.Fatal(err)
	}
	if !gone.Deleted() {
		t.Error("Deleted() false after rmdir")
	}
	if _, err := e.fs.OpenAt(gone, "new", unix.O_CREAT|unix.O_WRONLY, 0644); err != unix.ENOENT {
		t.Errorf("create in removed dir: %v, want ENOENT", err)
	}
}

func TestHostChangesAreSeen(t *testing.T) {
	e := newEnv(t)
	if got := e.read(t, "/data/existing"); got != "old" {
		t.Fatalf("read %q", got)
	}
	// The host replaces the file behind the cached dentry.
	p := e.vol + "/existing"
	if err := unix.Unlink(p); err != nil {
		t.Fatal(err)
	}
	if err := writeHost(p, "replaced"); err != nil {
		t.Fatal(err)
	}
	if got := e.read(t, "/data/existing"); got != "replaced" {
		t.Errorf("after host change: %q", got)
	}
	if err := unix.Unlink(p); err != nil {
		t.Fatal(err)
	}
	if _, err := e.fs.StatAt(nil, "/data/existing", true); err != unix.ENOENT {
		t.Errorf("after host unlink: %v", err)
	}
}

func TestNameLimits(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("n", 256)
	ok := strings.Repeat("n", 255)
	if _, err := e.fs.StatAt(nil, "/tmp/"+long, true); err != unix.ENAMETOOLONG {
		t.Errorf("256-byte name: %v", err)
	}
	if err := e.fs.MkdirAt(nil, "/tmp/"+long, 0755); err != unix.ENAMETOOLONG {
		t.Errorf("mkdir 256-byte name: %v", err)
	}
	if err := e.fs.MkdirAt(nil, "/tmp/"+ok, 0755); err != nil {
		t.Errorf("mkdir 255-byte name: %v", err)
	}
	path := strings.Repeat("a/", 2048)
	if _, err := e.fs.StatAt(nil, path, true); err != unix.ENAMETOOLONG {
		t.Errorf("4096-byte path: %v", err)
	}
	if err := e.fs.SymlinkAt(strings.Repeat("x", 4096), nil, "/tmp/l"); err != unix.ENAMETOOLONG {
		t.Errorf("long symlink target: %v", err)
	}
}
