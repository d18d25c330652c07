package vfs

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// TestXattrSemantics runs the same sequence of calls on an object of each
// kind of place: the overlay's upper layer, its lower layer (the host
// file already has user.origin), and a volume.
func TestXattrSemantics(t *testing.T) {
	e := newEnv(t)
	e.write(t, "/tmp/new", unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, "x")
	for _, p := range []string{filepath.Join(e.root, "etc/hosts"), filepath.Join(e.vol, "existing")} {
		if err := unix.Setxattr(p, "user.origin", []byte("host"), 0); err != nil {
			t.Fatalf("the host's filesystem must support user xattrs for this test: %v", err)
		}
	}
	for _, tc := range []struct {
		path     string
		original []string
	}{
		{"/tmp/new", nil},
		{"/etc/hosts", []string{"user.origin"}},
		{"/data/existing", []string{"user.origin"}},
	} {
		fs := e.fs
		steps := []struct {
			what string
			err  error
			do   func() error
		}{
			{"get missing", unix.ENODATA, func() error { _, err := fs.GetxattrAt(nil, tc.path, true, "user.a"); return err }},
			{"replace missing", unix.ENODATA, func() error { return fs.SetxattrAt(nil, tc.path, true, "user.a", []byte("1"), unix.XATTR_REPLACE) }},
			{"create", nil, func() error { return fs.SetxattrAt(nil, tc.path, true, "user.a", []byte("1"), unix.XATTR_CREATE) }},
			{"create again", unix.EEXIST, func() error { return fs.SetxattrAt(nil, tc.path, true, "user.a", []byte("2"), unix.XATTR_CREATE) }},
			{"replace", nil, func() error { return fs.SetxattrAt(nil, tc.path, true, "user.a", []byte("22"), unix.XATTR_REPLACE) }},
			{"unknown namespace", unix.EOPNOTSUPP, func() error { return fs.SetxattrAt(nil, tc.path, true, "os2.a", nil, 0) }},
			{"remove missing", unix.ENODATA, func() error { return fs.RemovexattrAt(nil, tc.path, true, "user.b") }},
		}
		for _, s := range steps {
			if err := s.do(); !errors.Is(err, s.err) && !(err == nil && s.err == nil) {
				t.Errorf("%s: %s: got %v, want %v", tc.path, s.what, err, s.err)
			}
		}
		if v, err := fs.GetxattrAt(nil, tc.path, true, "user.a"); err != nil || string(v) != "22" {
			t.Errorf("%s: get = %q, %v", tc.path, v, err)
		}
		names, err := fs.ListxattrAt(nil, tc.path, true)
		want := append(slices.Clone(tc.original), "user.a")
		slices.Sort(want)
		if err != nil || !slices.Equal(userNames(names), want) {
			t.Errorf("%s: list = %q, %v; want %q", tc.path, names, err, want)
		}
		if err := fs.RemovexattrAt(nil, tc.path, true, "user.a"); err != nil {
			t.Errorf("%s: remove: %v", tc.path, err)
		}
	}
	// The lower file was copied up; the host keeps only its own.
	names := make([]byte, 1024)
	n, err := unix.Listxattr(filepath.Join(e.root, "etc/hosts"), names)
	if err != nil || string(names[:n]) != "user.origin\x00" {
		t.Errorf("host's lower file now has %q, %v", names[:n], err)
	}
}

func userNames(names []string) []string {
	var out []string
	for _, n := range names {
		if len(n) > 5 && n[:5] == "user." {
			out = append(out, n)
		}
	}
	return out
}

func TestXattrRefusals(t *testing.T) {
	e := newEnv(t)
	if err := e.fs.SymlinkAt("new", nil, "/tmp/l"); err != nil {
		t.Fatal(err)
	}
	e.write(t, "/tmp/new", unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, "x")
	for _, tc := range []struct {
		what string
		err  error
		do   func() error
	}{
		{"user.* on an overlay symlink", unix.EPERM, func() error { return e.fs.SetxattrAt(nil, "/tmp/l", false, "user.a", nil, 0) }},
		{"user.* on a host symlink", unix.EPERM, func() error { return e.fs.SetxattrAt(nil, "/link", false, "user.a", nil, 0) }},
		{"get user.* of a symlink", unix.ENODATA, func() error { _, err := e.fs.GetxattrAt(nil, "/link", false, "user.a"); return err }},
		{"remove user.* of a symlink", unix.EPERM, func() error { return e.fs.RemovexattrAt(nil, "/tmp/l", false, "user.a") }},
		{"follow the symlink", nil, func() error { return e.fs.SetxattrAt(nil, "/tmp/l", true, "user.a", nil, 0) }},
		{"read-only volume", unix.EROFS, func() error { return e.fs.SetxattrAt(nil, "/mnt/ro/readme", true, "user.a", nil, 0) }},
		{"empty suffix", unix.EINVAL, func() error { return e.fs.SetxattrAt(nil, "/tmp/new", true, "user.", nil, 0) }},
		{"system.* (ACLs)", unix.EOPNOTSUPP, func() error { return e.fs.SetxattrAt(nil, "/tmp/new", true, "system.posix_acl_access", nil, 0) }},
		{"trusted.* for the privileged app", nil, func() error { return e.fs.SetxattrAt(nil, "/tmp/new", true, "trusted.a", nil, 0) }},
		{"missing file", unix.ENOENT, func() error { _, err := e.fs.GetxattrAt(nil, "/tmp/none", true, "user.a"); return err }},
	} {
		if err := tc.do(); !errors.Is(err, tc.err) && !(err == nil && tc.err == nil) {
			t.Errorf("%s: got %v, want %v", tc.what, err, tc.err)
		}
	}
	if v, err := e.fs.GetxattrAt(nil, "/tmp/new", true, "user.a"); err != nil || len(v) != 0 {
		t.Errorf("set through the symlink: %q, %v", v, err)
	}
}

func TestXattrOfAnonymousFiles(t *testing.T) {
	e := newEnv(t)
	mfd := e.fs.NewMemFD("m", true)
	defer mfd.DecRef()
	if err := mfd.Setxattr("user.m", []byte("v"), unix.XATTR_CREATE); err != nil {
		t.Fatalf("memfd set: %v", err)
	}
	if v, err := mfd.Getxattr("user.m"); err != nil || string(v) != "v" {
		t.Errorf("memfd get = %q, %v", v, err)
	}
	if names, err := mfd.Listxattr(); err != nil || !slices.Equal(names, []string{"user.m"}) {
		t.Errorf("memfd list = %q, %v", names, err)
	}
	if err := mfd.Removexattr("user.m"); err != nil {
		t.Errorf("memfd remove: %v", err)
	}
	if err := mfd.Setxattr("nope.m", nil, 0); err != unix.EOPNOTSUPP {
		t.Errorf("memfd unknown namespace: %v", err)
	}
}
