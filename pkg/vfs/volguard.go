package vfs

import (
	"os"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Volumes are host directories the sandbox writes in place, so nothing the
// sandbox does there may turn a host file into a privileged one: the
// sentry often runs as root, and `chmod 6755` of a copy of busybox would
// otherwise leave a set-user-ID-root binary on the host. So, in a volume:
//
//   - set-user-ID and set-group-ID bits (by chmod or at creation) never
//     reach the host file (set-group-ID on a directory does: it only makes
//     new entries inherit the directory's group);
//   - chown to an owner other than the sentry's own uid and gid never
//     reaches the host: host files stay owned by the sentry's user;
//   - security.* and trusted.* extended attributes (file capabilities,
//     LSM labels) never reach the host file, and the host's own are not
//     changed.
//
// The sandbox still sees what Linux would show it: the bits, owners and
// privileged attributes it set are recorded here, by host inode, and
// stat, getxattr and listxattr inside the sandbox show them (the host's
// own privileged attributes stay hidden behind the sandbox's). The record
// lives as long as the FS (a new sandbox sees the host's own state).

// volKey names a host inode.
type volKey struct{ dev, ino uint64 }

// volMeta is what the sandbox set that the host file does not carry.
type volMeta struct {
	mode         uint32 // S_ISUID/S_ISGID bits the host file lacks
	uid, gid     uint32
	hasUID, hasG bool
}

// volGuard is the record; its mutex is a leaf (taken under FS.mu or
// none).
type volGuard struct {
	mu sync.Mutex
	m  map[volKey]volMeta
	x  map[volKey]map[string][]byte // security.* and trusted.* attributes
}

// hostSafeMode strips what a volume's host object must not get.
func hostSafeMode(mode, typ uint32) (safe, kept uint32) {
	priv := uint32(unix.S_ISUID | unix.S_ISGID)
	if typ == unix.S_IFDIR {
		priv = unix.S_ISUID
	}
	return mode &^ priv, mode & priv
}

func (g *volGuard) update(st Stat, f func(*volMeta)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := volKey{st.Dev, st.Ino}
	m := g.m[k]
	f(&m)
	if m == (volMeta{}) {
		delete(g.m, k)
		return
	}
	if g.m == nil {
		g.m = map[volKey]volMeta{}
	}
	g.m[k] = m
}

// apply shows st as the sandbox set it.
func (g *volGuard) apply(st Stat) Stat {
	g.mu.Lock()
	m, ok := g.m[volKey{st.Dev, st.Ino}]
	g.mu.Unlock()
	if !ok {
		return st
	}
	st.Mode |= m.mode
	if m.hasUID {
		st.UID = m.uid
	}
	if m.hasG {
		st.GID = m.gid
	}
	return st
}

// volChmod is chmod of a volume object.
func (fs *FS) volChmod(d *Dentry, mode uint32) error {
	st, err := d.host.stat()
	if err != nil {
		return err
	}
	safe, kept := hostSafeMode(mode, st.Mode&unix.S_IFMT)
	if err := hostChmod(d.host, safe); err != nil {
		return err
	}
	fs.vol.update(st, func(m *volMeta) { m.mode = kept })
	return nil
}

// volCreated records the privileged bits a new volume object was asked
// for (its host object was created without them), replacing any record
// of an earlier inode with the same number.
func (fs *FS) volCreated(d *Dentry, kept uint32) {
	st, err := d.host.stat()
	if err != nil {
		return
	}
	fs.vol.update(st, func(m *volMeta) { *m = volMeta{mode: kept} })
	fs.vol.mu.Lock()
	delete(fs.vol.x, volKey{st.Dev, st.Ino})
	fs.vol.mu.Unlock()
}

// volChown is chown of a volume object: only to the sentry's own ids does
// it reach the host.
func (fs *FS) volChown(d *Dentry, uid, gid uint32) error {
	st, err := d.host.stat()
	if err != nil {
		return err
	}
	own := func(id, mine uint32) bool { return id == keepID || id == mine }
	if own(uid, uint32(os.Getuid())) && own(gid, uint32(os.Getgid())) {
		fd, name, flags, done, err := d.host.at()
		if err != nil {
			return err
		}
		err = unix.Fchownat(fd, name, int(int32(uid)), int(int32(gid)), flags)
		done()
		if err != nil {
			return err
		}
		fs.vol.update(st, func(m *volMeta) {
			if uid != keepID {
				m.hasUID = false
			}
			if gid != keepID {
				m.hasG = false
			}
			m.mode = 0 // chown drops set-ID bits, as on Linux
		})
		return nil
	}
	fs.vol.update(st, func(m *volMeta) {
		if uid != keepID {
			m.uid, m.hasUID = uid, true
		}
		if gid != keepID {
			m.gid, m.hasG = gid, true
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			m.mode &^= unix.S_ISUID
			if st.Mode&unix.S_IXGRP != 0 {
				m.mode &^= unix.S_ISGID
			}
		}
	})
	return nil
}

// privXattr reports whether name is an attribute that grants privilege
// on the host, kept in the sandbox's record instead.
func privXattr(name string) bool {
	return strings.HasPrefix(name, "security.") || strings.HasPrefix(name, "trusted.")
}

// volXattrsLocked returns the record of a volume object (created if
// create).
// fs.vol.mu is held.
func (fs *FS) volXattrsLocked(d *Dentry, create bool) (map[string][]byte, error) {
	st, err := d.host.stat()
	if err != nil {
		return nil, err
	}
	k := volKey{st.Dev, st.Ino}
	x := fs.vol.x[k]
	if x == nil && create {
		if fs.vol.x == nil {
			fs.vol.x = map[volKey]map[string][]byte{}
		}
		x = map[string][]byte{}
		fs.vol.x[k] = x
	}
	return x, nil
}

func (fs *FS) volSetxattr(d *Dentry, name string, value []byte, flags int) error {
	if err := xattrNamespace(name); err != nil {
		return err
	}
	fs.vol.mu.Lock()
	defer fs.vol.mu.Unlock()
	x, err := fs.volXattrsLocked(d, true)
	if err != nil {
		return err
	}
	_, ok := x[name]
	switch {
	case flags&unix.XATTR_CREATE != 0 && ok:
		return unix.EEXIST
	case flags&unix.XATTR_REPLACE != 0 && !ok:
		return unix.ENODATA
	}
	x[name] = append([]byte{}, value...)
	return nil
}

func (fs *FS) volGetxattr(d *Dentry, name string) ([]byte, error) {
	fs.vol.mu.Lock()
	defer fs.vol.mu.Unlock()
	x, err := fs.volXattrsLocked(d, false)
	if err != nil {
		return nil, err
	}
	v, ok := x[name]
	if !ok {
		return nil, unix.ENODATA
	}
	return append([]byte{}, v...), nil
}

func (fs *FS) volRemovexattr(d *Dentry, name string) error {
	if err := xattrNamespace(name); err != nil {
		return err
	}
	fs.vol.mu.Lock()
	defer fs.vol.mu.Unlock()
	x, err := fs.volXattrsLocked(d, false)
	if err != nil {
		return err
	}
	if _, ok := x[name]; !ok {
		return unix.ENODATA
	}
	delete(x, name)
	return nil
}

// volListxattr is the host's unprivileged names and the recorded ones,
// sorted.
func (fs *FS) volListxattr(d *Dentry, host []string) ([]string, error) {
	var out []string
	for _, n := range host {
		if !privXattr(n) {
			out = append(out, n)
		}
	}
	fs.vol.mu.Lock()
	x, err := fs.volXattrsLocked(d, false)
	for n := range x {
		out = append(out, n)
	}
	fs.vol.mu.Unlock()
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}
