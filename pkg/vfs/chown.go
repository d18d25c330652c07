package vfs

import (
	"golang.org/x/sys/unix"
)

// ChownAt is fchownat: uid or gid of -1 (as uint32 0xffffffff) keeps the
// current one. In the overlay the new owner is recorded on the copied-up
// inode; in a volume the host file really changes owner (which needs the
// sentry to be allowed to: EPERM otherwise).
func (fs *FS) ChownAt(dir *Dentry, path string, uid, gid uint32, follow bool) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs}
	d, err := w.walk(dir, path, follow)
	if err != nil {
		return err
	}
	return fs.chown(d, uid, gid)
}

// Chown is fchown on the file's location.
func (f *File) Chown(uid, gid uint32) error {
	if f.dentry == nil {
		if f.impl == nil {
			return unix.EBADF
		}
		// Pipes, sockets and memfds: nothing outlives the file.
		return nil
	}
	if f.impl == nil {
		return unix.EBADF
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return f.fs.chown(f.dentry, uid, gid)
}

const keepID = ^uint32(0)

func (fs *FS) chown(d *Dentry, uid, gid uint32) error {
	if err := writableMount(d); err != nil {
		return err
	}
	if d.anon != nil {
		return nil
	}
	if d.mnt.kind == kindHost {
		fd, name, flags := d.host.at()
		err := unix.Fchownat(fd, name, int(int32(uid)), int(int32(gid)), flags)
		d.host.keepAlive()
		return err
	}
	if d.mnt.kind == kindOverlay {
		if err := fs.copyUp(d, true); err != nil {
			return err
		}
	}
	m := d.mem
	m.mu.Lock()
	defer m.mu.Unlock()
	if uid != keepID {
		m.uid = uid
	}
	if gid != keepID {
		m.gid = gid
	}
	// As on Linux (even for root), a change of owner of a non-directory
	// drops set-user-ID, and set-group-ID when group execute is set.
	if (uid != keepID || gid != keepID) && m.typ != unix.S_IFDIR {
		m.mode &^= unix.S_ISUID
		if m.mode&unix.S_IXGRP != 0 {
			m.mode &^= unix.S_ISGID
		}
	}
	m.ctime = now()
	return nil
}

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
		st.Type = tmpfsMagic
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
	if err := unix.Fstatfs(root.self.fd, &hs); err != nil {
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
