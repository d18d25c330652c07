package vfs

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// Nodes whose behaviour lives outside the filesystem: bound AF_UNIX
// sockets (pkg/netstack finds them by identity) and FIFOs (the kernel
// joins each open to the node's pipe in pkg/epoll).

// MknodSocketAt creates the filesystem node of a bound AF_UNIX socket at
// path: an S_IFSOCK inode that cannot be opened (ENXIO) and that names
// the socket for connect. EEXIST if path exists.
func (fs *FS) MknodSocketAt(dir *Dentry, path string, perm uint32) error {
	return fs.mknodSpecial(dir, path, unix.S_IFSOCK|perm&07777)
}

// MknodFIFOAt creates a named pipe at path (mkfifo). EEXIST if path
// exists.
func (fs *FS) MknodFIFOAt(dir *Dentry, path string, perm uint32) error {
	return fs.mknodSpecial(dir, path, unix.S_IFIFO|perm&07777)
}

// mknodSpecial creates the node: on a host volume an inert inode on the
// host (no host socket listens behind it, no host pipe is ever opened
// through it), elsewhere an in-memory node.
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
		err := unix.Mknodat(hd.fd, name, mode, 0)
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

// FIFONode is what opening a FIFO node gives before the kernel joins it
// to the node's pipe: it names the node and does no I/O itself.
type FIFONode struct {
	Dev, Ino uint64
	st       Stat
}

// The FileImpl methods of a FIFONode: no I/O until the kernel swaps in a
// pipe end.

func (n *FIFONode) ReadAt([]byte, int64) (int, error)  { return 0, unix.EBADF }
func (n *FIFONode) WriteAt([]byte, int64) (int, error) { return 0, unix.EBADF }
func (n *FIFONode) Stat() (Stat, error)                { return n.st, nil }
func (n *FIFONode) Truncate(int64) error               { return unix.EINVAL }
func (n *FIFONode) Sync() error                        { return nil }
func (n *FIFONode) Seekable() bool                     { return false }
func (n *FIFONode) Release()                           {}

// openFIFONode is openDentry's answer for a FIFO. Caller holds FS.mu.
func openFIFONode(d *Dentry) (FileImpl, error) {
	st, err := d.stat()
	if err != nil {
		return nil, err
	}
	return &FIFONode{Dev: st.Dev, Ino: st.Ino, st: st}, nil
}
