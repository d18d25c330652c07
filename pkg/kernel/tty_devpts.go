package kernel

import (
	"strconv"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// devpts, mounted at /dev/pts: "ptmx", which opens a new pseudo-terminal
// (/dev/ptmx links to it), and one character device per pty in use.

type devptsRoot struct{ k *Kernel }

func (r devptsRoot) Stat() vfs.Stat {
	ts := unix.NsecToTimespec(r.k.start.UnixNano())
	return vfs.Stat{Ino: 1, Nlink: 2, Mode: unix.S_IFDIR | 0755, Blksize: 1024, Atime: ts, Mtime: ts, Ctime: ts,
		UID: uint32(unix.Getuid()), GID: uint32(unix.Getgid())}
}

func (r devptsRoot) Lookup(name string) (vfs.Node, error) {
	if name == "ptmx" {
		return ptmxNode{r.k}, nil
	}
	n, err := strconv.Atoi(name)
	if err != nil || n < 0 || strconv.Itoa(n) != name {
		return nil, unix.ENOENT
	}
	p := r.k.ptys.get(n)
	if p == nil {
		return nil, unix.ENOENT
	}
	return ptsNode{p}, nil
}

func (r devptsRoot) Readdir() ([]vfs.Dirent, error) {
	out := []vfs.Dirent{{Ino: 2, Type: unix.DT_CHR, Name: "ptmx"}}
	for _, n := range r.k.ptys.list() {
		out = append(out, vfs.Dirent{Ino: uint64(n) + 3, Type: unix.DT_CHR, Name: strconv.Itoa(n)})
	}
	return out, nil
}

func (r devptsRoot) Readlink() (string, error)            { return "", unix.EINVAL }
func (r devptsRoot) Open(flags int) (vfs.FileImpl, error) { return nil, unix.EISDIR }

type ptmxNode struct{ k *Kernel }

func (n ptmxNode) Stat() vfs.Stat {
	ts := unix.NsecToTimespec(n.k.start.UnixNano())
	return vfs.Stat{Ino: 2, Nlink: 1, Mode: unix.S_IFCHR | 0666, Rdev: unix.Mkdev(5, 2), Blksize: 1024,
		Atime: ts, Mtime: ts, Ctime: ts, UID: uint32(unix.Getuid()), GID: uint32(unix.Getgid())}
}
func (n ptmxNode) Lookup(string) (vfs.Node, error)      { return nil, unix.ENOTDIR }
func (n ptmxNode) Readdir() ([]vfs.Dirent, error)       { return nil, unix.ENOTDIR }
func (n ptmxNode) Readlink() (string, error)            { return "", unix.EINVAL }
func (n ptmxNode) Open(flags int) (vfs.FileImpl, error) { return n.k.openMaster(), nil }

type ptsNode struct{ p *pty }

func (n ptsNode) Stat() vfs.Stat                       { return n.p.stat(false) }
func (n ptsNode) Lookup(string) (vfs.Node, error)      { return nil, unix.ENOTDIR }
func (n ptsNode) Readdir() ([]vfs.Dirent, error)       { return nil, unix.ENOTDIR }
func (n ptsNode) Readlink() (string, error)            { return "", unix.EINVAL }
func (n ptsNode) Open(flags int) (vfs.FileImpl, error) { return n.p.openSlave() }
