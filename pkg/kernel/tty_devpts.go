package kernel

import (
	"slices"
	"strconv"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/vfs"
)

// devpts, mounted at /dev/pts: "ptmx", which opens a new pseudo-terminal
// (/dev/ptmx links to it), one character device per pty in use, and the
// sentry's own terminal when it is the host's /dev/pts/N: shown as N, so
// that /proc/self/fd/0 names a file that is there and that ttyname(3)
// (tty, ps, Python's os.ttyname) accepts, as in a container whose console
// is one of its devpts's ptys. The sandbox's own ptys never take N.

// hostTerminals finds the stdio files that are the host's /dev/pts/N.
func hostTerminals(stdio [3]*vfs.File) map[int]int {
	out := map[int]int{}
	for _, f := range stdio {
		if f == nil || !f.IsTerminal() {
			continue
		}
		fd, _ := f.HostFD()
		var st unix.Stat_t
		if unix.Fstat(fd, &st) != nil {
			continue
		}
		if n, ok := epoll.HostPTSIndex(&st); ok {
			if _, seen := out[n]; !seen {
				out[n] = fd
			}
		}
	}
	return out
}

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
	if fd, ok := r.k.hostPTS[n]; ok {
		return hostPTSNode{fd}, nil
	}
	p := r.k.ptys.get(n)
	if p == nil {
		return nil, unix.ENOENT
	}
	return ptsNode{p}, nil
}

func (r devptsRoot) Readdir() ([]vfs.Dirent, error) {
	out := []vfs.Dirent{{Ino: 2, Type: unix.DT_CHR, Name: "ptmx"}}
	ns := r.k.ptys.list()
	for n := range r.k.hostPTS {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	for _, n := range ns {
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

// hostPTSNode is the sentry's own terminal, the host's /dev/pts/N. Its
// attributes are the host's, the same fstat of fd 0 reports.
type hostPTSNode struct{ fd int }

func (n hostPTSNode) Stat() vfs.Stat {
	var st unix.Stat_t
	if err := unix.Fstat(n.fd, &st); err != nil {
		return vfs.Stat{Mode: unix.S_IFCHR | 0620}
	}
	return vfs.StatFromHost(&st)
}
func (n hostPTSNode) HostDevice()                          {}
func (n hostPTSNode) Lookup(string) (vfs.Node, error)      { return nil, unix.ENOTDIR }
func (n hostPTSNode) Readdir() ([]vfs.Dirent, error)       { return nil, unix.ENOTDIR }
func (n hostPTSNode) Readlink() (string, error)            { return "", unix.EINVAL }
func (n hostPTSNode) Open(flags int) (vfs.FileImpl, error) { return epoll.OpenHostTerminal(n.fd), nil }
