package vfs

import "golang.org/x/sys/unix"

// Synthetic filesystems (procfs, sysfs) are Node trees provided by another
// package. Their methods are called with FS.mu released, because a node
// may call back into the FS: /proc/PID/cwd names a Dentry's path, and
// /proc/PID/fd/N a File's. A walk that crosses a synthetic node is
// therefore not atomic with respect to namespace changes elsewhere, which
// Linux's procfs lookups are not either.

// MagicLink is implemented by synthetic symlinks that stand for an open
// file (/proc/PID/fd/N, /proc/PID/exe): following one reaches the file
// itself, even unlinked, not whatever its name now resolves to. Readlink
// still returns the name.
type MagicLink interface {
	// Target returns the file the link stands for, with a reference
	// the caller drops.
	Target() (*File, error)
}

// DentryLink is a magic link that stands for a location rather than an
// open file (/proc/PID/cwd): following it reaches that directory even if
// it was removed or renamed.
type DentryLink interface {
	TargetDentry() (*Dentry, error)
}

// synthCall runs f with FS.mu released. Caller holds FS.mu.
func (fs *FS) synthCall(f func()) {
	fs.mu.Unlock()
	defer fs.mu.Lock()
	f()
}

// synthStat is Node.Stat with FS.mu released, reporting the mount's st_dev.
func (fs *FS) synthStat(d *Dentry) Stat {
	var st Stat
	fs.synthCall(func() { st = d.synth.Stat() })
	if _, own := d.synth.(HostDevice); d.anon == nil && !own {
		// An anonymous file reached through a magic link keeps its own.
		st.Dev = d.mnt.dev
	}
	return st
}

// HostDevice is implemented by synthetic nodes that stand for a host
// object the application also holds as a file opened elsewhere (the
// sentry's own terminal, which is its stdio): they keep the host's st_dev
// and their opened files are the node's own, so that a stat of the name
// and an fstat of the file agree, as ttyname(3) checks, and the file is
// the same kind of file as the one the application already has.
type HostDevice interface{ HostDevice() }

// newSynthChild makes the (uncached) dentry for node n called name under
// dir, remembering its type. Caller holds FS.mu.
func (fs *FS) newSynthChild(dir *Dentry, name string, n Node) *Dentry {
	c := dir.newChild(name)
	c.synth = n
	var st Stat
	fs.synthCall(func() { st = n.Stat() })
	c.styp = st.Mode & unix.S_IFMT
	return c
}

// followMagic resolves a magic link to the dentry of the file it stands
// for; an anonymous file (a pipe, stdio) gets a dentry of its own that
// opens to that same file. Caller holds FS.mu.
func (fs *FS) followMagic(link *Dentry, ml MagicLink) (*Dentry, error) {
	var f *File
	var err error
	fs.synthCall(func() { f, err = ml.Target() })
	if err != nil {
		return nil, err
	}
	defer f.DecRef()
	if f.dentry != nil {
		return f.dentry, nil
	}
	c := link.parent.newChild(link.name)
	c.synth = anonNode{f}
	c.anon = f
	c.styp = unix.S_IFREG
	if st, err := f.Stat(); err == nil && st.Mode&unix.S_IFMT != 0 {
		c.styp = st.Mode & unix.S_IFMT
	}
	if c.styp == unix.S_IFDIR || c.styp == unix.S_IFLNK {
		c.styp = unix.S_IFREG
	}
	return c, nil
}

// anonNode is what a magic link to an anonymous file resolves to. Opening
// it gives the same open file description (a dup), where Linux would make
// a new one of the same object; offsets and status flags are shared.
type anonNode struct{ f *File }

func (n anonNode) Stat() Stat {
	st, _ := n.f.Stat()
	return st
}
func (n anonNode) Lookup(string) (Node, error)      { return nil, unix.ENOTDIR }
func (n anonNode) Readdir() ([]Dirent, error)       { return nil, unix.ENOTDIR }
func (n anonNode) Readlink() (string, error)        { return "", unix.EINVAL }
func (n anonNode) Open(flags int) (FileImpl, error) { return nil, unix.ENXIO }

// synthFile gives files opened from a synthetic node the mount's st_dev.
type synthFile struct {
	FileImpl
	dev uint64
}

func (f synthFile) Stat() (Stat, error) {
	st, err := f.FileImpl.Stat()
	st.Dev = f.dev
	return st, err
}

func isMagic(n Node) bool {
	_, f := n.(MagicLink)
	_, d := n.(DentryLink)
	return f || d
}
