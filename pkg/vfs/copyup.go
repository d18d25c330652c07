package vfs

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// copyUp gives an overlay dentry an in-memory upper inode, copying its
// parents up first, its attributes, and (for regular files, if withData)
// its content, and its user.* extended attributes. A directory keeps its host part so its lower entries stay
// visible (it becomes a merged directory); any other object drops it.
// Caller holds FS.mu.
func (fs *FS) copyUp(d *Dentry, withData bool) error {
	if d.mem != nil {
		return nil
	}
	if d.mnt.kind != kindOverlay || d.host == nil {
		return fmt.Errorf("vfs: internal error: copy-up of a non-overlay dentry %q", d.pathLocked())
	}
	if d.parent != nil {
		if err := fs.copyUp(d.parent, false); err != nil {
			return err
		}
	}
	st, err := d.host.stat()
	if err != nil {
		return err
	}
	m := fs.newMem(d.mnt, st.Mode, st.Rdev)
	m.uid, m.gid = st.UID, st.GID
	m.ino = st.Ino // a copied-up file keeps its inode number
	switch m.typ {
	case unix.S_IFDIR:
		m.nlink = st.Nlink
		m.size = st.Size
	case unix.S_IFREG:
		if withData {
			if err := copyHostData(d.host, m); err != nil {
				return err
			}
		}
	case unix.S_IFLNK:
		if m.target, err = d.host.readlink(); err != nil {
			return err
		}
	}
	copyHostXattrs(d.host, m)
	m.atime, m.mtime, m.ctime = st.Atime, st.Mtime, st.Ctime
	d.mem = m
	if m.typ != unix.S_IFDIR {
		d.host = nil
	}
	return nil
}

// copyHostData reads the whole host file n into m.
func copyHostData(n *hostNode, m *memInode) error {
	fd, err := n.open(unix.O_RDONLY)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	buf := make([]byte, chunkSize)
	var off int64
	m.mu.Lock()
	defer m.mu.Unlock()
	for {
		k, err := unix.Pread(fd, buf, off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if k == 0 {
			break
		}
		if _, err := m.writeAtLocked(buf[:k], off); err != nil {
			return err
		}
		off += int64(k)
	}
	// A copy-up alone does not make the content overlay-only news.
	m.written = false
	return nil
}
