package vfs

import (
	"golang.org/x/sys/unix"
)

// Named pipes. A FIFO is an in-memory inode (made by mknod in the overlay
// or an in-memory mount); the pipe behind it lives above vfs (pkg/epoll,
// which owns readiness), so the kernel gives the FS a FIFOProvider and
// each FIFO inode gets one FIFO from it on first open. FIFOs the host has
// (in the lower layer or a volume) stay unopenable: they would connect
// the application to host processes.

// FIFO serves the opens of one named pipe.
type FIFO interface {
	// Open returns a new end for open(2)'s flags, without blocking;
	// stat gives the inode's attributes for fstat of the end.
	Open(flags int, stat func() (Stat, error)) (FileImpl, error)
}

// FIFOProvider makes the FIFO of a new named pipe inode.
type FIFOProvider func(ino uint64) FIFO

// OpenWaiter is implemented by files whose open(2) must wait for
// something (a FIFO end for its partner). OpenReady reports whether the
// open may return; if not, the channel is closed when it should ask
// again. The kernel waits interruptibly, and an interrupted open drops
// the file.
type OpenWaiter interface {
	OpenReady() (<-chan struct{}, bool)
}

// SetFIFOProvider installs what serves FIFO opens; without one, opening a
// FIFO fails with ENXIO.
func (fs *FS) SetFIFOProvider(p FIFOProvider) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.fifos = p
}

// openFIFO opens the named pipe m. Caller holds FS.mu.
func (fs *FS) openFIFO(m *memInode, flags int) (FileImpl, error) {
	m.mu.Lock()
	if m.fifo == nil {
		if fs.fifos == nil {
			m.mu.Unlock()
			return nil, unix.ENXIO
		}
		m.fifo = fs.fifos(m.ino)
	}
	fifo := m.fifo
	m.mu.Unlock()
	return fifo.Open(flags, func() (Stat, error) { return m.stat(), nil })
}

// MknodAt is mknodat for FIFOs (S_IFIFO) and regular files; mode is
// already umask-ed. Devices and sockets are EPERM: the sandbox cannot
// serve them. A FIFO in a volume is EPERM too: it would be a host FIFO.
func (fs *FS) MknodAt(dir *Dentry, path string, mode uint32) error {
	typ := mode & unix.S_IFMT
	switch typ {
	case 0:
		typ = unix.S_IFREG
	case unix.S_IFREG, unix.S_IFIFO:
	case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFSOCK:
		return unix.EPERM
	default:
		return unix.EINVAL
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs}
	parent, name, trailing, err := w.walkParent(dir, path)
	if err != nil {
		return err
	}
	if err := fs.checkNewName(parent, name, trailing); err != nil {
		return err
	}
	if parent.mnt.kind == kindHost && typ == unix.S_IFIFO {
		return unix.EPERM
	}
	_, err = fs.createChild(parent, name, typ|mode&07777, "")
	return err
}
