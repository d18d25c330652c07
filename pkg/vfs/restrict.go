package vfs

import (
	"fmt"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// Masked and read-only paths of an OCI config (linux.maskedPaths,
// linux.readonlyPaths) outside /proc and /sys, made as runc makes them,
// but in the sandbox's own memory: a masked directory is covered by an
// empty read-only tmpfs, a masked file becomes a /dev/null node (runc
// bind-mounts /dev/null on it, which stat then shows), a read-only path
// and everything under it refuse changes with EROFS (runc's read-only
// bind mount of it). A path that does not exist is left alone, as runc
// does. The bundle's root on the host is never changed: the root is an
// overlay, and a path in a volume (a host directory) is refused.

// restrictLookup finds the existing dentry at the absolute path p without
// creating anything or following a symlink in its last component, and
// copies it (and its ancestors) up into memory, so that it outlives the
// host cache and can carry a mark. nil, nil if p does not exist. Caller
// holds FS.mu.
func (fs *FS) restrictLookup(p string) (*Dentry, error) {
	d := fs.root
	for _, name := range strings.Split(strings.TrimPrefix(path.Clean(p), "/"), "/") {
		if name == "" {
			continue
		}
		if d.typ() == unix.S_IFLNK {
			return nil, fmt.Errorf("%s: a symlink on the way (the sandbox restricts the path itself, not where a link leads)", p)
		}
		c, err := fs.lookupChild(d, name)
		if err == unix.ENOENT || err == unix.ENOTDIR {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		d = crossMounts(c)
	}
	if d.typ() == unix.S_IFLNK {
		return nil, fmt.Errorf("%s: is a symlink (the sandbox restricts the path itself, not where a link leads)", p)
	}
	switch d.mnt.kind {
	case kindHost:
		return nil, fmt.Errorf("%s: in a volume, a host directory the sandbox does not change", p)
	case kindSynth:
		return nil, fmt.Errorf("%s: in a synthetic filesystem", p)
	case kindOverlay:
		if err := fs.copyUp(d, true); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return d, nil
}

// maskPath masks p (see above). Caller holds FS.mu.
func (fs *FS) maskPath(p string) error {
	d, err := fs.restrictLookup(p)
	if err != nil || d == nil {
		return err
	}
	if d.isDir() {
		if d == d.mnt.root {
			// A mount's root: cover its mount point instead.
			p = d.mnt.point.pathLocked()
		}
		_, err := fs.mountMem(p, true, 0o755)
		return err
	}
	parent := d.parent
	fs.removeChild(d)
	c, err := fs.createChild(parent, d.name, unix.S_IFCHR|0o666, "")
	if err != nil {
		return err
	}
	c.mem.rdev = unix.Mkdev(1, 3)
	c.mem.device = devNull
	return nil
}

// readOnlyPath makes p and everything under it (in its mount) refuse
// changes. Caller holds FS.mu.
func (fs *FS) readOnlyPath(p string) error {
	d, err := fs.restrictLookup(p)
	if err != nil || d == nil {
		return err
	}
	d.readOnly = true
	fs.hasReadOnlyPaths = true
	return nil
}

// underReadOnlyPath reports whether d or an ancestor of it in its mount
// is a read-only path.
func underReadOnlyPath(d *Dentry) bool {
	if d.fs == nil || !d.fs.hasReadOnlyPaths {
		return false
	}
	for a := d; a != nil; a = a.parent {
		if a.readOnly {
			return true
		}
	}
	return false
}
