package vfs

import (
	"strings"

	"golang.org/x/sys/unix"
)

// Dentry is a resolved location in the mount tree: the kernel keeps one for
// each cwd and uses a File's Dentry for *at(dirfd) calls. A Dentry stays
// usable after its file is unlinked or renamed (like Linux's).
//
// All fields are guarded by FS.mu: written with it held for writing, read
// with it held either way.
type Dentry struct {
	fs     *FS
	mnt    *mount
	parent *Dentry // nil for a mount root
	name   string

	// The object: exactly one of the combinations
	//   mem                 in-memory (overlay upper, devfs, tmpfs)
	//   host                host only (overlay lower, volume)
	//   mem+host            overlay directory present in both layers
	//   synth               a synthetic filesystem's node
	mem   *memInode
	host  *hostNode
	synth Node
	styp  uint32 // synth's S_IFMT bits, read when the dentry was made
	anon  *File  // what a magic link to an anonymous file resolved to

	// children caches looked-up entries. For in-memory directories it is
	// the directory's content; entries with a nil mem are a cache of the
	// host and are revalidated on use.
	children map[string]*Dentry
	// whiteouts are names of the overlay's lower layer that were removed.
	whiteouts map[string]struct{}
	mounted   *mount // a mount stacked on this dentry
	dead      bool   // unlinked, or gone from the host
	// readOnly marks a read-only path (restrict.go): it and what is
	// under it in its mount refuse changes. Set in New only, on
	// in-memory dentries (which the host cache never replaces).
	readOnly bool
}

// typ returns the S_IFMT bits of the object.
func (d *Dentry) typ() uint32 {
	switch {
	case d.mem != nil:
		return d.mem.typ
	case d.host != nil:
		return d.host.typ
	case d.synth != nil:
		return d.styp
	}
	return 0
}

func (d *Dentry) isDir() bool     { return d.typ() == unix.S_IFDIR }
func (d *Dentry) isSymlink() bool { return d.typ() == unix.S_IFLNK }

// Path returns the guest absolute path of d, as getcwd reports it.
func (d *Dentry) Path() string {
	d.fs.mu.Lock()
	defer d.fs.mu.Unlock()
	return d.pathLocked()
}

func (d *Dentry) pathLocked() string {
	var parts []string
	for cur := d; cur != nil && cur != d.fs.root; {
		if cur == cur.mnt.root {
			cur = cur.mnt.point
			continue
		}
		parts = append(parts, cur.name)
		cur = cur.parent
	}
	if len(parts) == 0 {
		return "/"
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String()
}

// Deleted reports whether d was unlinked (getcwd then fails with ENOENT).
func (d *Dentry) Deleted() bool {
	d.fs.mu.Lock()
	defer d.fs.mu.Unlock()
	return d.dead
}

// IsDir reports whether d is a directory.
func (d *Dentry) IsDir() bool {
	d.fs.mu.Lock()
	defer d.fs.mu.Unlock()
	return d.isDir()
}

// Stat returns the attributes of the object d names.
func (d *Dentry) Stat() (Stat, error) {
	d.fs.mu.Lock()
	defer d.fs.mu.Unlock()
	return d.stat()
}

func (d *Dentry) stat() (Stat, error) {
	switch {
	case d.mem != nil:
		return d.mem.stat(), nil
	case d.host != nil:
		st, err := d.host.stat()
		if d.mnt.kind == kindOverlay {
			st.Dev = d.mnt.dev
		}
		if d.mnt.kind == kindHost {
			st = d.fs.vol.apply(st)
		}
		return st, err
	case d.synth != nil:
		return d.fs.synthStat(d), nil
	}
	return Stat{}, unix.ENOENT
}

// ino is the inode number reported for d in directory listings.
func (d *Dentry) ino() uint64 {
	switch {
	case d.mem != nil:
		return d.mem.ino
	case d.host != nil:
		return d.host.ino
	case d.synth != nil:
		return d.fs.synthStat(d).Ino
	}
	return 0
}

func (d *Dentry) addChild(c *Dentry) {
	if d.children == nil {
		d.children = make(map[string]*Dentry)
	}
	c.parent = d
	d.children[c.name] = c
}

func (d *Dentry) newChild(name string) *Dentry {
	return &Dentry{fs: d.fs, mnt: d.mnt, parent: d, name: name}
}

// crossMounts returns the root of the topmost mount stacked on d, or d.
func crossMounts(d *Dentry) *Dentry {
	for d.mounted != nil {
		d = d.mounted.root
	}
	return d
}

// dotdot is d's parent as ".." sees it: the root is its own parent, and a
// mount root's parent is its mount point's parent.
func (fs *FS) dotdot(d *Dentry) *Dentry {
	for d != fs.root && d == d.mnt.root && d.mnt.point != nil {
		d = d.mnt.point
	}
	if d == fs.root || d.parent == nil {
		return d
	}
	return crossMounts(d.parent)
}

// isAncestor reports whether a is d or one of d's ancestors within a mount.
func isAncestor(a, d *Dentry) bool {
	for cur := d; cur != nil; cur = cur.parent {
		if cur == a {
			return true
		}
	}
	return false
}
