package vfs

import (
	"golang.org/x/sys/unix"
)

// ChownAt is fchownat: uid or gid of -1 (as uint32 0xffffffff) keeps the
// current one. In the overlay the new owner is recorded on the copied-up
// inode; in a volume the host file changes owner only to the sentry's own
// uid and gid, any other owner is recorded for the sandbox's view
// (volguard.go).
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
		return fs.volChown(d, uid, gid)
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
