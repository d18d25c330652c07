package vfs

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// writableMount returns EROFS if d's mount refuses changes.
func writableMount(d *Dentry) error {
	if d.mnt.readOnly || d.mnt.kind == kindSynth || underReadOnlyPath(d) {
		return unix.EROFS
	}
	return nil
}

// touchDir records a change of the directory d's entries.
func touchDir(d *Dentry) {
	if d.mem == nil {
		return
	}
	d.mem.mu.Lock()
	t := now()
	d.mem.mtime, d.mem.ctime = t, t
	d.mem.mu.Unlock()
}

// createChild makes a new directory, symlink (to target) or empty regular
// file called name in the directory parent, which the caller checked has
// no such entry and is writable. Caller holds FS.mu.
func (fs *FS) createChild(parent *Dentry, name string, mode uint32, target string) (*Dentry, error) {
	if len(name) > nameMax {
		return nil, unix.ENAMETOOLONG
	}
	if parent.dead {
		return nil, unix.ENOENT
	}
	switch parent.mnt.kind {
	case kindSynth:
		return nil, unix.EROFS
	case kindHost:
		return fs.createHost(parent, name, mode, target)
	case kindOverlay:
		if err := fs.copyUp(parent, false); err != nil {
			return nil, err
		}
	}
	m := fs.newMem(parent.mnt, mode, 0)
	m.target = target
	m.written = m.typ == unix.S_IFREG
	c := parent.newChild(name)
	c.mem = m
	parent.addChild(c)
	if m.typ == unix.S_IFDIR {
		parent.mem.addLink(1)
	}
	touchDir(parent)
	return c, nil
}

func (fs *FS) createHost(parent *Dentry, name string, mode uint32, target string) (*Dentry, error) {
	dir := parent.host.self
	var err error
	var kept uint32
	mode, kept = hostSafeMode(mode, mode&unix.S_IFMT)
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		err = unix.Mkdirat(dir.fixedFD(), name, mode&07777)
	case unix.S_IFLNK:
		err = unix.Symlinkat(target, dir.fixedFD(), name)
	case unix.S_IFREG:
		var fd int
		fd, err = unix.Openat(dir.fixedFD(), name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode&07777)
		if err == nil {
			unix.Close(fd)
		}
	default:
		err = unix.EPERM
	}
	runtime.KeepAlive(dir)
	if err != nil {
		return nil, err
	}
	c, err := fs.cacheHost(parent, name)
	if err == nil && mode&unix.S_IFMT != unix.S_IFLNK {
		fs.volCreated(c, kept)
	}
	return c, err
}

// cacheHost looks name up on the host afresh and caches it under parent.
func (fs *FS) cacheHost(parent *Dentry, name string) (*Dentry, error) {
	hn, err := lookupHost(parent.host.self, name)
	if err != nil {
		return nil, err
	}
	if old, ok := parent.children[name]; ok {
		old.dead = true
	}
	c := parent.newChild(name)
	c.host = hn
	parent.addChild(c)
	return c, nil
}

// removeChild takes the entry c out of its parent's namespace (after the
// host, for volumes, has removed it). In the overlay a whiteout keeps the
// lower entry of that name hidden. Caller holds FS.mu.
func (fs *FS) removeChild(c *Dentry) {
	parent := c.parent
	delete(parent.children, c.name)
	fs.whiteout(parent, c.name)
	c.dead = true
	if c.mem != nil {
		if c.mem.typ == unix.S_IFDIR {
			c.mem.mu.Lock()
			c.mem.nlink = 0
			c.mem.mu.Unlock()
			if parent.mem != nil {
				parent.mem.addLink(-1)
			}
		} else {
			c.mem.addLink(-1)
		}
	}
	touchDir(parent)
}

// whiteout hides name of the overlay directory parent's lower layer, if
// it has one. Caller holds FS.mu.
func (fs *FS) whiteout(parent *Dentry, name string) {
	if parent.mnt.kind != kindOverlay || parent.host == nil {
		return
	}
	if parent.whiteouts == nil {
		parent.whiteouts = make(map[string]struct{})
	}
	parent.whiteouts[name] = struct{}{}
}

// moveChild puts c under parent as name, replacing nothing (the caller
// removed any previous entry). Caller holds FS.mu.
func (fs *FS) moveChild(c, parent *Dentry, name string) {
	old := c.parent
	if old.children[c.name] == c {
		delete(old.children, c.name)
	}
	c.name = name
	parent.addChild(c)
	if c.host != nil && c.mnt.kind == kindHost {
		c.host.dir, c.host.name = parent.host.self, name
	}
	if c.isDir() && old != parent {
		if old.mem != nil {
			old.mem.addLink(-1)
		}
		if parent.mem != nil {
			parent.mem.addLink(1)
		}
	}
	touchDir(old)
	touchDir(parent)
}
