package vfs

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// MknodSocketAt creates the filesystem node of a bound AF_UNIX socket at
// path: an S_IFSOCK inode that cannot be opened (ENXIO) and that names
// the socket for connect. On a host volume it is an inert socket inode
// on the host (no host socket listens behind it); elsewhere an in-memory
// node. EEXIST if path exists.
func (fs *FS) MknodSocketAt(dir *Dentry, path string, perm uint32) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs}
	parent, name, trailing, err := w.walkParent(dir, path)
	if err != nil {
		return err
	}
	if name == "" || name == "." || name == ".." || trailing {
		return unix.EEXIST
	}
	if _, err := fs.lookupChild(parent, name); err == nil {
		return unix.EEXIST
	} else if err != unix.ENOENT {
		return err
	}
	if err := writableMount(parent); err != nil {
		return err
	}
	if parent.mnt.kind == kindHost {
		hd := parent.host.self
		err := unix.Mknodat(hd.fd, name, unix.S_IFSOCK|perm&07777, 0)
		runtime.KeepAlive(hd)
		if err != nil {
			return err
		}
		_, err = fs.cacheHost(parent, name)
		return err
	}
	_, err = fs.createChild(parent, name, unix.S_IFSOCK|perm&07777, "")
	return err
}
