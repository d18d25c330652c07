package vfs

import (
	"strings"

	"golang.org/x/sys/unix"
)

// Linux's limits on paths.
const (
	pathMax     = 4096 // including the terminating NUL
	nameMax     = 255
	maxSymlinks = 40
)

// walker resolves paths. One walker serves one system call, so the
// symlink limit counts every link followed by that call. Callers hold
// FS.mu: for writing, or for reading when shared is set (walk_shared.go).
type walker struct {
	fs     *FS
	shared bool
	links  int
	// resolve holds openat2's RESOLVE_* flags; root is the directory
	// RESOLVE_BENEATH and RESOLVE_IN_ROOT confine the walk to.
	resolve uint64
	root    *Dentry
}

// openat2 resolve flags (linux/openat2.h).
const (
	ResolveNoXdev       = 0x01
	ResolveNoMagiclinks = 0x02
	ResolveNoSymlinks   = 0x04
	ResolveBeneath      = 0x08
	ResolveInRoot       = 0x10
	ResolveCached       = 0x20
)

func (w *walker) scoped() bool { return w.resolve&(ResolveBeneath|ResolveInRoot) != 0 }

func splitPath(p string) []string {
	parts := strings.Split(p, "/")
	out := parts[:0]
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// walkParent resolves every component of p but the last, following
// symlinks. It returns the directory holding the last component, the
// component ("" when p names the start or root directory itself, as "/"
// does) and whether p ends in a slash.
func (w *walker) walkParent(start *Dentry, p string) (*Dentry, string, bool, error) {
	if p == "" {
		return nil, "", false, unix.ENOENT
	}
	if len(p) >= pathMax {
		return nil, "", false, unix.ENAMETOOLONG
	}
	cur := start
	if p[0] == '/' || cur == nil {
		switch {
		case w.resolve&ResolveBeneath != 0:
			return nil, "", false, unix.EXDEV
		case w.resolve&ResolveInRoot != 0:
			cur = w.root
		default:
			cur = w.fs.root
		}
	}
	if p[0] != '/' && !cur.isDir() {
		return nil, "", false, unix.ENOTDIR
	}
	trailing := strings.HasSuffix(p, "/")
	comps := splitPath(p)
	if len(comps) == 0 {
		return cur, "", trailing, nil
	}
	for _, c := range comps[:len(comps)-1] {
		next, err := w.component(cur, c, true)
		if err != nil {
			return nil, "", false, err
		}
		if !next.isDir() {
			return nil, "", false, unix.ENOTDIR
		}
		cur = next
	}
	return cur, comps[len(comps)-1], trailing, nil
}

// component resolves one name in the directory dir, following a symlink
// if follow.
func (w *walker) component(dir *Dentry, name string, follow bool) (*Dentry, error) {
	d, err := w.component1(dir, name, follow)
	if err == nil && w.shared {
		return sharedTarget(d)
	}
	return d, err
}

func (w *walker) component1(dir *Dentry, name string, follow bool) (*Dentry, error) {
	switch name {
	case "", ".":
		return dir, nil
	case "..":
		if w.scoped() && dir == w.root {
			if w.resolve&ResolveBeneath != 0 {
				return nil, unix.EXDEV
			}
			return dir, nil
		}
		up := w.fs.dotdot(dir)
		if w.resolve&ResolveNoXdev != 0 && up.mnt != dir.mnt {
			return nil, unix.EXDEV
		}
		return up, nil
	}
	lookup := w.fs.lookupChild
	if w.shared {
		lookup = w.fs.lookupCached
	}
	child, err := lookup(dir, name)
	if err != nil {
		return nil, err
	}
	if over := crossMounts(child); over != child {
		if w.resolve&ResolveNoXdev != 0 {
			return nil, unix.EXDEV
		}
		child = over
	}
	if follow && child.isSymlink() {
		return w.follow(dir, child)
	}
	return child, nil
}

// follow resolves the symlink link found in dir.
func (w *walker) follow(dir, link *Dentry) (*Dentry, error) {
	ml, isFile := link.synth.(MagicLink)
	dl, isDentry := link.synth.(DentryLink)
	if isFile || isDentry {
		switch {
		case w.resolve&(ResolveNoMagiclinks|ResolveNoSymlinks) != 0:
			return nil, unix.ELOOP
		case w.scoped():
			return nil, unix.EXDEV
		}
		w.links++
		if w.links > maxSymlinks {
			return nil, unix.ELOOP
		}
		if isDentry {
			var d *Dentry
			var err error
			w.fs.synthCall(func() { d, err = dl.TargetDentry() })
			return d, err
		}
		return w.fs.followMagic(link, ml)
	}
	target, err := w.readlink(link)
	if err != nil {
		return nil, err
	}
	return w.walk(dir, target, true)
}

// readlink reads a symlink on the way through it, counting it against the
// limit.
func (w *walker) readlink(link *Dentry) (string, error) {
	if w.resolve&ResolveNoSymlinks != 0 {
		return "", unix.ELOOP
	}
	w.links++
	if w.links > maxSymlinks {
		return "", unix.ELOOP
	}
	return w.fs.readlink(link)
}

// walk resolves p to an existing dentry; follow says whether a symlink in
// the last component is followed (a trailing slash always follows).
func (w *walker) walk(start *Dentry, p string, follow bool) (*Dentry, error) {
	dir, name, trailing, err := w.walkParent(start, p)
	if err != nil {
		return nil, err
	}
	d, err := w.component(dir, name, follow || trailing)
	if err != nil {
		return nil, err
	}
	if trailing && !d.isDir() {
		return nil, unix.ENOTDIR
	}
	return d, nil
}

// lookupChild finds name in the directory dir (no "." or ".."), through
// the cache, the overlay's whiteouts and the host. It does not cross
// mounts.
func (fs *FS) lookupChild(dir *Dentry, name string) (*Dentry, error) {
	if err := lookupCheck(dir, name); err != nil {
		return nil, err
	}
	if dir.synth != nil {
		var n Node
		var err error
		fs.synthCall(func() { n, err = dir.synth.Lookup(name) })
		if err != nil {
			return nil, err
		}
		// Synthetic entries are not cached: their content is generated.
		return fs.newSynthChild(dir, name, n), nil
	}
	if c, ok := dir.children[name]; ok {
		if c.mem != nil || c.host == nil || c.mounted != nil || c.host.matches() {
			return c, nil
		}
		// The host object changed under us: forget the stale entry.
		delete(dir.children, name)
		c.dead = true
	}
	if _, ok := dir.whiteouts[name]; ok {
		return nil, unix.ENOENT
	}
	if dir.host == nil || dir.host.self == nil {
		return nil, unix.ENOENT
	}
	hn, err := lookupHost(dir.host.self, name)
	if err != nil {
		return nil, err
	}
	c := dir.newChild(name)
	c.host = hn
	dir.addChild(c)
	return c, nil
}

// lookupCheck is what every lookup of name in dir checks first.
func lookupCheck(dir *Dentry, name string) error {
	switch {
	case !dir.isDir():
		return unix.ENOTDIR
	case len(name) > nameMax:
		return unix.ENAMETOOLONG
	case dir.dead:
		return unix.ENOENT
	}
	return nil
}

// readlink returns the target of the symlink d.
func (fs *FS) readlink(d *Dentry) (string, error) {
	switch {
	case d.mem != nil:
		d.mem.mu.Lock()
		defer d.mem.mu.Unlock()
		return d.mem.target, nil
	case d.host != nil:
		return d.host.readlink()
	case d.synth != nil:
		var s string
		var err error
		fs.synthCall(func() { s, err = d.synth.Readlink() })
		return s, err
	}
	return "", unix.EINVAL
}
