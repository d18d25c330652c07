package vfs

import (
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Extended attributes (xattr(7)). Where they live follows the object:
// an in-memory inode keeps its own (the overlay's upper layer, devfs), a
// host object (the overlay's lower layer, a volume) has the host's, and a
// synthetic filesystem has none, as procfs. Setting one on an overlay
// object of the lower layer copies it up first; a copy-up takes the host
// object's user.* attributes along. "system." (POSIX ACLs) is supported
// nowhere: EOPNOTSUPP.

// Linux's limits (include/uapi/linux/limits.h).
const (
	XattrNameMax = 255
	XattrSizeMax = 64 << 10
	XattrListMax = 64 << 10
)

const userPrefix = "user."

// xattrPermission is Linux's xattr_permission for a privileged caller:
// user.* exists only on regular files and directories, so reading one
// elsewhere finds nothing and writing one is refused.
func xattrPermission(typ uint32, name string, write bool) error {
	if strings.HasPrefix(name, userPrefix) && typ != unix.S_IFREG && typ != unix.S_IFDIR {
		if write {
			return unix.EPERM
		}
		return unix.ENODATA
	}
	return nil
}

// xattrNamespace checks that name has a namespace some filesystem here
// knows and a non-empty rest, as Linux's xattr_resolve_name does.
func xattrNamespace(name string) error {
	for _, p := range []string{"user.", "trusted.", "security."} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			if rest == "" {
				return unix.EINVAL
			}
			return nil
		}
	}
	return unix.EOPNOTSUPP
}

// GetxattrAt is getxattr/lgetxattr: the value of name.
func (fs *FS) GetxattrAt(dir *Dentry, path string, follow bool, name string) ([]byte, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	d, err := (&walker{fs: fs}).walk(dir, path, follow)
	if err != nil {
		return nil, err
	}
	return fs.getxattr(d, name)
}

// ListxattrAt is listxattr/llistxattr: the names, sorted.
func (fs *FS) ListxattrAt(dir *Dentry, path string, follow bool) ([]string, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	d, err := (&walker{fs: fs}).walk(dir, path, follow)
	if err != nil {
		return nil, err
	}
	return fs.listxattr(d)
}

// SetxattrAt is setxattr/lsetxattr; flags are XATTR_CREATE/XATTR_REPLACE.
func (fs *FS) SetxattrAt(dir *Dentry, path string, follow bool, name string, value []byte, flags int) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	d, err := (&walker{fs: fs}).walk(dir, path, follow)
	if err != nil {
		return err
	}
	return fs.setxattr(d, name, value, flags)
}

// RemovexattrAt is removexattr/lremovexattr.
func (fs *FS) RemovexattrAt(dir *Dentry, path string, follow bool, name string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	d, err := (&walker{fs: fs}).walk(dir, path, follow)
	if err != nil {
		return err
	}
	return fs.removexattr(d, name)
}

// Anonymous files: a memfd is a tmpfs file on Linux and keeps
// attributes on its inode; pipes and sockets have none (their user.*
// fails by the file-type rule first, as on Linux).

// anonMem returns a memfd's inode, or nil.
func (f *File) anonMem() *memInode {
	if mf, ok := f.impl.(*memFile); ok {
		return mf.m
	}
	return nil
}

// anonXattr checks a call on an anonymous file that is not a memfd.
func (f *File) anonXattr(name string, write bool) error {
	var typ uint32
	if st, err := f.impl.Stat(); err == nil {
		typ = st.Mode & unix.S_IFMT
	}
	if err := xattrPermission(typ, name, write); err != nil {
		return err
	}
	return unix.EOPNOTSUPP
}

// Getxattr is fgetxattr.
func (f *File) Getxattr(name string) ([]byte, error) {
	if f.impl == nil {
		return nil, unix.EBADF
	}
	if f.dentry == nil {
		if m := f.anonMem(); m != nil {
			if err := xattrNamespace(name); err != nil {
				return nil, err
			}
			return m.getxattr(name)
		}
		return nil, f.anonXattr(name, false)
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return f.fs.getxattr(f.dentry, name)
}

// Listxattr is flistxattr.
func (f *File) Listxattr() ([]string, error) {
	if f.impl == nil {
		return nil, unix.EBADF
	}
	if f.dentry == nil {
		if m := f.anonMem(); m != nil {
			return m.listxattr(), nil
		}
		return nil, nil
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return f.fs.listxattr(f.dentry)
}

// Setxattr is fsetxattr.
func (f *File) Setxattr(name string, value []byte, flags int) error {
	if f.impl == nil {
		return unix.EBADF
	}
	if f.dentry == nil {
		if m := f.anonMem(); m != nil {
			if err := xattrNamespace(name); err != nil {
				return err
			}
			return m.setxattr(name, value, flags)
		}
		return f.anonXattr(name, true)
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return f.fs.setxattr(f.dentry, name, value, flags)
}

// Removexattr is fremovexattr.
func (f *File) Removexattr(name string) error {
	if f.impl == nil {
		return unix.EBADF
	}
	if f.dentry == nil {
		if m := f.anonMem(); m != nil {
			if err := xattrNamespace(name); err != nil {
				return err
			}
			return m.removexattr(name)
		}
		return f.anonXattr(name, true)
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return f.fs.removexattr(f.dentry, name)
}

// The helpers below hold FS.mu.

func (fs *FS) getxattr(d *Dentry, name string) ([]byte, error) {
	if err := xattrPermission(d.typ(), name, false); err != nil {
		return nil, err
	}
	switch {
	case d.mem != nil:
		if err := xattrNamespace(name); err != nil {
			return nil, err
		}
		return d.mem.getxattr(name)
	case d.host != nil:
		if d.mnt.kind == kindHost && privXattr(name) {
			return fs.volGetxattr(d, name)
		}
		return d.host.getxattr(name)
	}
	return nil, unix.EOPNOTSUPP
}

func (fs *FS) listxattr(d *Dentry) ([]string, error) {
	switch {
	case d.mem != nil:
		return d.mem.listxattr(), nil
	case d.host != nil:
		names, err := d.host.listxattr()
		if err != nil || d.mnt.kind != kindHost {
			return names, err
		}
		return fs.volListxattr(d, names)
	}
	return nil, nil
}

// xattrWritable is the part of a change's checks shared by set and
// remove, in Linux's order: the mount, then the namespace rules.
func (fs *FS) xattrWritable(d *Dentry, name string) error {
	if d.synth != nil || d.anon != nil {
		// procfs and sysfs are writable mounts on Linux without any
		// xattr handler.
		if err := xattrPermission(d.typ(), name, true); err != nil {
			return err
		}
		return unix.EOPNOTSUPP
	}
	if err := writableMount(d); err != nil {
		return err
	}
	if err := xattrPermission(d.typ(), name, true); err != nil {
		return err
	}
	if d.mnt.kind == kindHost {
		return nil // the host filesystem decides about namespaces
	}
	return xattrNamespace(name)
}

func (fs *FS) setxattr(d *Dentry, name string, value []byte, flags int) error {
	if err := fs.xattrWritable(d, name); err != nil {
		return err
	}
	if d.mnt.kind == kindHost {
		if privXattr(name) {
			return fs.volSetxattr(d, name, value, flags)
		}
		return d.host.setxattr(name, value, flags)
	}
	if d.mnt.kind == kindOverlay {
		if err := fs.copyUp(d, true); err != nil {
			return err
		}
	}
	return d.mem.setxattr(name, value, flags)
}

func (fs *FS) removexattr(d *Dentry, name string) error {
	if err := fs.xattrWritable(d, name); err != nil {
		return err
	}
	if d.mnt.kind == kindHost {
		if privXattr(name) {
			return fs.volRemovexattr(d, name)
		}
		return d.host.removexattr(name)
	}
	if d.mnt.kind == kindOverlay && d.mem == nil {
		// Nothing to copy up for when the lower object lacks it.
		if _, err := d.host.getxattr(name); err != nil {
			return err
		}
		if err := fs.copyUp(d, true); err != nil {
			return err
		}
	}
	return d.mem.removexattr(name)
}

func (m *memInode) getxattr(name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.xattrs[name]
	if !ok {
		return nil, unix.ENODATA
	}
	return append([]byte(nil), v...), nil
}

func (m *memInode) listxattr() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.xattrs))
	for n := range m.xattrs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (m *memInode) setxattr(name string, value []byte, flags int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.xattrs[name]
	switch {
	case ok && flags&unix.XATTR_CREATE != 0:
		return unix.EEXIST
	case !ok && flags&unix.XATTR_REPLACE != 0:
		return unix.ENODATA
	}
	if m.xattrs == nil {
		m.xattrs = make(map[string][]byte)
	}
	m.xattrs[name] = append([]byte{}, value...)
	m.ctime = now()
	return nil
}

func (m *memInode) removexattr(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.xattrs[name]; !ok {
		return unix.ENODATA
	}
	delete(m.xattrs, name)
	m.ctime = now()
	return nil
}

// copyHostXattrs gives a copied-up inode the user.* attributes of the
// host object it replaces. Others stay behind: trusted.* and security.*
// belong to the host's administrator and security modules. An attribute
// that cannot be read is left out rather than failing the copy-up.
func copyHostXattrs(n *hostNode, m *memInode) {
	names, err := n.listxattr()
	if err != nil {
		return
	}
	for _, name := range names {
		if !strings.HasPrefix(name, userPrefix) {
			continue
		}
		if v, err := n.getxattr(name); err == nil {
			if m.xattrs == nil {
				m.xattrs = make(map[string][]byte)
			}
			m.xattrs[name] = v
		}
	}
}
