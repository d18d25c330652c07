package vfs

import (
	"os"
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
//     LSM labels) can be neither set nor removed: EPERM, as for a process
//     without CAP_SETFCAP/CAP_SYS_ADMIN over the host filesystem.
//
// The sandbox still sees what Linux would show it: the bits and owners it
// set are recorded here, by host inode, and stat inside the sandbox shows
// them. The record lives as long as the FS (a new sandbox sees the host's
// own state).

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
		fd, name, flags := d.host.at()
		err := unix.Fchownat(fd, name, int(int32(uid)), int(int32(gid)), flags)
		d.host.keepAlive()
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

// volXattrAllowed refuses the extended attributes that grant privilege on
// the host.
func volXattrAllowed(name string) error {
	if strings.HasPrefix(name, "security.") || strings.HasPrefix(name, "trusted.") {
		return unix.EPERM
	}
	return nil
}
