package vfs

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// Nodes whose behaviour lives outside the filesystem: bound AF_UNIX
// sockets, which pkg/netstack finds by the node's identity.

// MknodSocketAt creates the filesystem node of a bound AF_UNIX socket at
// path: an S_IFSOCK inode that cannot be opened (ENXIO) and that names
// the socket for connect. EEXIST if path exists.
func (fs *FS) MknodSocketAt(dir *Dentry, path string, perm uint32) error {
	return fs.mknodSpecial(dir, path, unix.S_IFSOCK|perm&07777)
}

// mknodSpecial creates the node: on a host volume an inert inode on the
// host (no host socket listens behind it), elsewhere an in-memory node.
func (fs *FS) mknodSpecial(dir *Dentry, path string, mode uint32) error {
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
		err := unix.Mknodat(hd.fixedFD(), name, mode, 0)
		runtime.KeepAlive(hd)
		if err != nil {
			return err
		}
		_, err = fs.cacheHost(parent, name)
		return err
	}
	_, err = fs.createChild(parent, name, mode, "")
	return err
}
