package vfs

import (
	"bytes"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestDevfs(t *testing.T) {
	e := newEnv(t)
	buf := bytes.Repeat([]byte{0xff}, 64)
	tests := []struct {
		path           string
		readN, writeN  int
		readErr, wrErr error
		major, minor   uint32
	}{
		{"/dev/null", 0, 64, nil, nil, 1, 3},
		{"/dev/zero", 64, 64, nil, nil, 1, 5},
		{"/dev/full", 64, 0, nil, unix.ENOSPC, 1, 7},
		{"/dev/random", 64, 64, nil, nil, 1, 8},
		{"/dev/urandom", 64, 64, nil, nil, 1, 9},
	}
	for _, tc := range tests {
		f := e.open(t, tc.path, unix.O_RDWR)
		n, err := f.Read(buf)
		if n != tc.readN || err != tc.readErr {
			t.Errorf("read %s = %d, %v", tc.path, n, err)
		}
		if tc.path == "/dev/zero" && !bytes.Equal(buf, make([]byte, 64)) {
			t.Error("/dev/zero gave non-zero bytes")
		}
		n, err = f.Write(buf)
		if n != tc.writeN || err != tc.wrErr {
			t.Errorf("write %s = %d, %v", tc.path, n, err)
		}
		st, _ := f.Stat()
		if st.Mode != unix.S_IFCHR|0666 || st.Rdev != unix.Mkdev(tc.major, tc.minor) {
			t.Errorf("stat %s: mode %o rdev %x", tc.path, st.Mode, st.Rdev)
		}
		f.DecRef()
	}
	// O_TRUNC on a device is ignored, as is O_CREAT of an existing one.
	f := e.open(t, "/dev/null", unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC)
	f.DecRef()
	if got, _ := e.fs.ReadlinkAt(nil, "/dev/stdout"); got != "/proc/self/fd/1" {
		t.Errorf("/dev/stdout -> %q", got)
	}
	names := listNames(t, e.fs, "/dev")
	for _, n := range []string{"null", "zero", "full", "random", "urandom", "tty", "fd", "shm", "pts"} {
		if !slices.Contains(names, n) {
			t.Errorf("/dev lacks %s (has %v)", n, names)
		}
	}
	// /dev/shm is writable, in memory.
	e.write(t, "/dev/shm/seg", unix.O_RDWR|unix.O_CREAT, "shm")
	if got := e.read(t, "/dev/shm/seg"); got != "shm" {
		t.Errorf("/dev/shm/seg = %q", got)
	}
	if got := e.fs.OverlayWrites(); len(got) != 0 {
		t.Errorf("devfs writes reported: %v", got)
	}
}

// TestConfigDevices: Options.Devices become nodes of their type, numbers,
// mode and owner; one with devfs's numbers is that device, another opens
// as ENXIO (no host device behind it).
func TestConfigDevices(t *testing.T) {
	fs, err := New(Options{HostRoot: t.TempDir(), Devices: []Device{
		{Path: "/dev/mynull", Mode: unix.S_IFCHR | 0o620, Major: 1, Minor: 3, UID: 7, GID: 8},
		{Path: "/dev/test1", Mode: unix.S_IFCHR | 0o666, Major: 10, Minor: 229},
		{Path: "/dev/test2", Mode: unix.S_IFBLK | 0o600, Major: 8, Minor: 0},
		{Path: "/dev/null", Mode: unix.S_IFCHR | 0o600, Major: 1, Minor: 5},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path     string
		mode     uint32
		rdev     uint64
		uid, gid uint32
		openErr  error
	}{
		{"/dev/mynull", unix.S_IFCHR | 0o620, unix.Mkdev(1, 3), 7, 8, nil},
		{"/dev/test1", unix.S_IFCHR | 0o666, unix.Mkdev(10, 229), 0, 0, unix.ENXIO},
		{"/dev/test2", unix.S_IFBLK | 0o600, unix.Mkdev(8, 0), 0, 0, unix.ENXIO},
		{"/dev/null", unix.S_IFCHR | 0o600, unix.Mkdev(1, 5), 0, 0, nil}, // replaced: now zero
	} {
		st, err := fs.StatAt(nil, c.path, true)
		if err != nil || st.Mode != c.mode || st.Rdev != c.rdev || st.UID != c.uid || st.GID != c.gid {
			t.Errorf("%s: %+v %v", c.path, st, err)
		}
		f, err := fs.OpenAt(nil, c.path, unix.O_RDONLY, 0)
		if err != c.openErr {
			t.Errorf("open %s: %v, want %v", c.path, err, c.openErr)
		}
		if err == nil {
			f.DecRef()
		}
	}
	if _, err := New(Options{HostRoot: t.TempDir(), Devices: []Device{{Path: "/dev/x", Mode: unix.S_IFREG}}}); err == nil {
		t.Error("a regular file as a device: no error")
	}
}
