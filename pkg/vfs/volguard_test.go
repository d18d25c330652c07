package vfs

import (
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestHostSafeMode(t *testing.T) {
	for _, c := range []struct {
		mode, typ, safe, kept uint32
	}{
		{0o6755, unix.S_IFREG, 0o755, 0o6000},
		{0o4711, unix.S_IFREG, 0o711, 0o4000},
		{0o2755, unix.S_IFDIR, 0o2755, 0},
		{0o6775, unix.S_IFDIR, 0o2775, 0o4000},
		{0o1777, unix.S_IFDIR, 0o1777, 0},
		{0o644, unix.S_IFREG, 0o644, 0},
	} {
		if safe, kept := hostSafeMode(c.mode, c.typ); safe != c.safe || kept != c.kept {
			t.Errorf("hostSafeMode(%o, %o) = %o, %o; want %o, %o", c.mode, c.typ, safe, kept, c.safe, c.kept)
		}
	}
}

// TestVolumeRecordsPrivilegedChanges: chmod with set-ID bits, chown to
// another owner and trusted.* attributes on a volume file show in the
// sandbox's stat and getxattr, never on the host file; chown back to the
// sentry's own ids clears the record and drops the set-ID bits.
func TestVolumeRecordsPrivilegedChanges(t *testing.T) {
	e := newEnv(t)
	e.write(t, "/data/f", unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, "x")
	host := filepath.Join(e.vol, "f")
	hostStat := func() unix.Stat_t {
		var st unix.Stat_t
		if err := unix.Stat(host, &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	sandboxStat := func() Stat {
		f := e.open(t, "/data/f", unix.O_RDONLY)
		defer f.DecRef()
		st, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	own := hostStat()
	if err := e.fs.ChmodAt(nil, "/data/f", 0o6755, true); err != nil {
		t.Fatal(err)
	}
	if err := e.fs.ChownAt(nil, "/data/f", 1234, 5678, true); err != nil {
		t.Fatal(err)
	}
	if err := e.fs.ChmodAt(nil, "/data/f", 0o6755, true); err != nil {
		t.Fatal(err)
	}
	if err := e.fs.SetxattrAt(nil, "/data/f", true, "trusted.t", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if st := sandboxStat(); st.Mode&0o7777 != 0o6755 || st.UID != 1234 || st.GID != 5678 {
		t.Errorf("sandbox stat: mode %o owner %d:%d", st.Mode, st.UID, st.GID)
	}
	if v, err := e.fs.GetxattrAt(nil, "/data/f", true, "trusted.t"); err != nil || string(v) != "v" {
		t.Errorf("sandbox getxattr: %q %v", v, err)
	}
	if names, err := e.fs.ListxattrAt(nil, "/data/f", true); err != nil || len(names) != 1 || names[0] != "trusted.t" {
		t.Errorf("sandbox listxattr: %q %v", names, err)
	}
	if st := hostStat(); st.Mode&0o7777 != 0o755 || st.Uid != own.Uid || st.Gid != own.Gid {
		t.Errorf("host: mode %o owner %d:%d", st.Mode, st.Uid, st.Gid)
	}
	if _, err := unix.Getxattr(host, "trusted.t", make([]byte, 8)); err == nil {
		t.Errorf("host file has trusted.t")
	}
	if err := e.fs.ChownAt(nil, "/data/f", own.Uid, own.Gid, true); err != nil {
		t.Fatal(err)
	}
	if st := sandboxStat(); st.Mode&0o7777 != 0o755 || st.UID != own.Uid || st.GID != own.Gid {
		t.Errorf("after chown back: mode %o owner %d:%d", st.Mode, st.UID, st.GID)
	}
	if err := e.fs.RemovexattrAt(nil, "/data/f", true, "trusted.t"); err != nil {
		t.Errorf("removexattr: %v", err)
	}
	if _, err := e.fs.GetxattrAt(nil, "/data/f", true, "trusted.t"); err != unix.ENODATA {
		t.Errorf("getxattr after remove: %v", err)
	}
}
