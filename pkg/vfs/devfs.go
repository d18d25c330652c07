package vfs

import (
	"fmt"
	"path"

	"golang.org/x/sys/unix"
)

// devKind says which device an in-memory character device inode is.
type devKind int

const (
	devNone devKind = iota
	devNull
	devZero
	devFull
	devRandom
	devURandom
	devTTY
	devConsole
)

var devices = []struct {
	name         string
	kind         devKind
	major, minor uint32
}{
	{"null", devNull, 1, 3},
	{"zero", devZero, 1, 5},
	{"full", devFull, 1, 7},
	{"random", devRandom, 1, 8},
	{"urandom", devURandom, 1, 9},
	{"tty", devTTY, 5, 0},
	{"console", devConsole, 5, 1},
}

var devLinks = []struct{ name, target string }{
	{"fd", "/proc/self/fd"},
	{"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"},
	// The kernel mounts devpts on /dev/pts; its ptmx makes new ptys.
	{"ptmx", "pts/ptmx"},
}

// mountDevfs mounts an in-memory /dev holding the devices above, the
// usual symlinks, and empty shm and pts directories.
func (fs *FS) mountDevfs(p string) error {
	root, err := fs.mountMem(p, false, 0755)
	if err != nil {
		return err
	}
	for _, dv := range devices {
		c := root.newChild(dv.name)
		c.mem = fs.newMem(root.mnt, unix.S_IFCHR|0666, unix.Mkdev(dv.major, dv.minor))
		c.mem.device = dv.kind
		root.addChild(c)
	}
	for _, l := range devLinks {
		if _, err := fs.createChild(root, l.name, unix.S_IFLNK|0777, l.target); err != nil {
			return err
		}
	}
	if _, err := fs.createChild(root, "shm", unix.S_IFDIR|01777, ""); err != nil {
		return err
	}
	_, err = fs.createChild(root, "pts", unix.S_IFDIR|0755, "")
	return err
}

// deviceFile is an open device of devfs.
type deviceFile struct {
	kind devKind
	m    *memInode
}

func openDevice(m *memInode) (FileImpl, error) {
	switch m.device {
	case devNone:
		// A special file copied up from the host, or an unknown device.
		return nil, unix.ENXIO
	case devTTY:
		return ControllingTTY{m}, nil
	case devConsole:
		// The sandbox has no console.
		return nil, unix.ENXIO
	}
	return &deviceFile{kind: m.device, m: m}, nil
}

func (f *deviceFile) ReadAt(p []byte, off int64) (int, error) {
	switch f.kind {
	case devNull:
		return 0, nil
	case devRandom, devURandom:
		n := 0
		for n < len(p) {
			k, err := unix.Getrandom(p[n:], 0)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return n, err
			}
			n += k
		}
		return n, nil
	}
	clear(p)
	return len(p), nil
}

func (f *deviceFile) WriteAt(p []byte, off int64) (int, error) {
	if f.kind == devFull {
		return 0, unix.ENOSPC
	}
	return len(p), nil
}

func (f *deviceFile) Stat() (Stat, error)  { return f.m.stat(), nil }
func (f *deviceFile) Truncate(int64) error { return nil }
func (f *deviceFile) Sync() error          { return nil }
func (f *deviceFile) Seekable() bool       { return true }
func (f *deviceFile) Release()             {}

// ControllingTTY is an open /dev/tty before the kernel, which knows the
// caller's controlling terminal, replaces it with that terminal (or fails
// with ENXIO). Used as it is, it is a terminal that is not there.
type ControllingTTY struct{ m *memInode }

func (f ControllingTTY) ReadAt(p []byte, off int64) (int, error)  { return 0, unix.ENXIO }
func (f ControllingTTY) WriteAt(p []byte, off int64) (int, error) { return 0, unix.ENXIO }
func (f ControllingTTY) Stat() (Stat, error)                      { return f.m.stat(), nil }
func (f ControllingTTY) Truncate(int64) error                     { return unix.EINVAL }
func (f ControllingTTY) Sync() error                              { return unix.EINVAL }
func (f ControllingTTY) Seekable() bool                           { return false }
func (f ControllingTTY) Release()                                 {}

// Device is a device node an OCI config's linux.devices asks for: Mode
// is its type (S_IFCHR, S_IFBLK or S_IFIFO) and permission bits. A
// character device with the numbers of one devfs serves (1:3 is null,
// ...) is that device; any other opens as ENXIO, as a node whose driver
// is absent does: the sandbox passes no host device through.
type Device struct {
	Path         string
	Mode         uint32
	Major, Minor uint32
	UID, GID     uint32
}

// mknodDevice makes d in memory (on the root's overlay or a tmpfs),
// replacing what is at its path, as runc's mknod does on a fresh /dev.
// Caller holds FS.mu.
func (fs *FS) mknodDevice(d Device) error {
	typ := d.Mode & unix.S_IFMT
	if typ != unix.S_IFCHR && typ != unix.S_IFBLK && typ != unix.S_IFIFO {
		return fmt.Errorf("device %s: type %#o is not a character, block or FIFO device", d.Path, typ)
	}
	p := path.Clean(d.Path)
	parent, err := fs.mountPoint(path.Dir(p))
	if err != nil {
		return fmt.Errorf("device %s: %w", d.Path, err)
	}
	if parent.mnt.kind != kindMem && parent.mnt.kind != kindOverlay {
		return fmt.Errorf("device %s: only in the sandbox's own memory, not in a volume or %s", d.Path, path.Dir(p))
	}
	if parent.mnt.kind == kindOverlay {
		if err := fs.copyUp(parent, false); err != nil {
			return fmt.Errorf("device %s: %w", d.Path, err)
		}
	}
	name := path.Base(p)
	if old, err := fs.lookupChild(parent, name); err == nil {
		if old.mounted != nil || old.isDir() {
			return fmt.Errorf("device %s: a directory or mount point is there", d.Path)
		}
		fs.removeChild(old)
	}
	c, err := fs.createChild(parent, name, typ|d.Mode&0o7777, "")
	if err != nil {
		return fmt.Errorf("device %s: %w", d.Path, err)
	}
	c.mem.rdev = unix.Mkdev(d.Major, d.Minor)
	c.mem.uid, c.mem.gid = d.UID, d.GID
	if typ == unix.S_IFCHR {
		for _, dv := range devices {
			if dv.major == d.Major && dv.minor == d.Minor {
				c.mem.device = dv.kind
			}
		}
	}
	return nil
}
