package vfs

import (
	"golang.org/x/sys/unix"
)

// Statfs is what statfs(2) reports of one mount.
type Statfs struct {
	Type                                uint64
	Bsize                               int64
	Blocks, Bfree, Bavail, Files, Ffree uint64
	Fsid                                [2]int32
	Namelen, Frsize                     int64
	Flags                               int64
}

// Filesystem magic numbers (linux/magic.h).
const (
	overlayMagic = 0x794c7630
	tmpfsMagic   = 0x01021994
	procMagic    = 0x9fa0
	sysfsMagic   = 0x62656572
	mqueueMagic  = 0x19800202
)

// StatfsAt is statfs(2).
func (fs *FS) StatfsAt(dir *Dentry, path string) (Statfs, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs}
	d, err := w.walk(dir, path, true)
	if err != nil {
		return Statfs{}, err
	}
	return d.statfs()
}

// Statfs is fstatfs(2).
func (f *File) Statfs() (Statfs, error) {
	if f.dentry == nil {
		// Pipes, sockets, memfds: pseudo filesystems.
		return Statfs{Type: tmpfsMagic, Bsize: 4096, Frsize: 4096, Namelen: nameMax}, nil
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return f.dentry.statfs()
}

// statfs reports the mount holding d: a volume as its host filesystem
// is, the overlay with the host root's figures (the memory it may also
// use is not counted), and in-memory and synthetic mounts as empty.
func (d *Dentry) statfs() (Statfs, error) {
	m := d.mnt
	st := Statfs{Bsize: 4096, Frsize: 4096, Namelen: nameMax, Fsid: [2]int32{int32(unix.Minor(m.dev)), 0}}
	if m.readOnly {
		st.Flags |= unix.ST_RDONLY
	}
	switch m.kind {
	case kindMem:
		// Like Linux's tmpfs default: half the memory, all of it free
		// (what the sandbox keeps there is not counted).
		st.Type = tmpfsMagic
		if m.synthType == "mqueue" {
			st.Type = mqueueMagic
		}
		var si unix.Sysinfo_t
		if unix.Sysinfo(&si) == nil {
			st.Blocks = si.Totalram * uint64(si.Unit) / 2 / 4096
			st.Bfree, st.Bavail = st.Blocks, st.Blocks
			st.Files, st.Ffree = st.Blocks, st.Blocks
		}
		return st, nil
	case kindSynth:
		st.Type = procMagic
		if m.synthType == "sysfs" {
			st.Type = sysfsMagic
		}
		return st, nil
	}
	var hs unix.Statfs_t
	root := m.root.host
	if err := unix.Fstatfs(root.self.fixedFD(), &hs); err != nil {
		root.keepAlive()
		return Statfs{}, err
	}
	root.keepAlive()
	st.Type = uint64(hs.Type)
	if m.kind == kindOverlay {
		st.Type = overlayMagic
	}
	st.Bsize, st.Frsize = hs.Bsize, hs.Frsize
	st.Blocks, st.Bfree, st.Bavail = hs.Blocks, hs.Bfree, hs.Bavail
	st.Files, st.Ffree = hs.Files, hs.Ffree
	st.Namelen = hs.Namelen
	return st, nil
}
