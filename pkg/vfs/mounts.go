package vfs

import (
	"path"
	"sort"

	"golang.org/x/sys/unix"
)

// MountInfo describes one mount as /proc/PID/mountinfo shows it.
type MountInfo struct {
	ID, ParentID int
	Dev          uint64 // st_dev of the mount's in-memory objects
	Point        string // guest path
	ReadOnly     bool
	FSType       string // overlay, tmpfs, proc, sysfs, or the volume's host type
	Source       string
	// Root is the directory of its filesystem the mount shows: "/", or
	// a volume's host directory, as Linux shows a bind mount's.
	Root string
}

// fsType names a mount's filesystem type and source.
func (m *mount) fsType() (string, string) {
	switch m.kind {
	case kindOverlay:
		return "overlay", "overlay"
	case kindHost:
		var st unix.Statfs_t
		err := unix.Fstatfs(m.root.host.self.fixedFD(), &st)
		m.root.host.keepAlive()
		if name, ok := hostFSTypes[int64(st.Type)]; ok && err == nil {
			return name, m.source
		}
		return "bind", m.source
	case kindMem:
		if m.synthType != "" {
			return m.synthType, m.synthType
		}
		return "tmpfs", "tmpfs"
	}
	return m.synthType, m.synthType
}

// Mounts lists the mount table, parents before children: in mount
// order, but for Options.Listed (see there).
func (fs *FS) Mounts() []MountInfo {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []MountInfo
	seen := map[*mount]bool{}
	var walk func(d *Dentry)
	walk = func(d *Dentry) {
		if d.mounted != nil {
			for m := d.mounted; m != nil && !seen[m]; {
				seen[m] = true
				parent := 0
				if m.point != nil {
					pm := m.point.mnt
					for pm.isPlaceholder() && pm.point != nil {
						pm = pm.point.mnt
					}
					parent = pm.id()
				}
				typ, src := m.fsType()
				if m.isPlaceholder() {
					// An empty placeholder covered by the real filesystem.
					walk(m.root)
					m = m.root.mounted
					continue
				}
				dev := m.dev
				if m.kind == kindHost {
					// stat in a volume reports the host's st_dev.
					dev = m.root.host.dev
				}
				root := "/"
				if m.kind == kindHost {
					root = m.source
				}
				out = append(out, MountInfo{ID: m.id(), ParentID: parent, Dev: dev,
					Point: m.point.pathLocked(), ReadOnly: m.readOnly, FSType: typ, Source: src, Root: root})
				walk(m.root)
				m = m.root.mounted
			}
		}
		for _, c := range d.children {
			if c.isDir() {
				walk(c)
			}
		}
	}
	root := fs.root.mnt
	typ, src := root.fsType()
	out = append(out, MountInfo{ID: root.id(), Dev: root.dev, Point: "/", FSType: typ, Source: src, Root: "/"})
	walk(fs.root)
	// Mount numbers grow with time: this is mount order, as Linux lists,
	// but for the listed mounts, which come after the others in their
	// listed order, each followed by the unlisted ones inside it.
	rank := map[string]int{}
	for i, l := range fs.listed {
		rank[path.Clean(l.Guest)] = i + 1
	}
	type key struct{ rank, unlisted, id int }
	keys := make(map[int]key, len(out))
	for i := range out {
		p := out[i].Point
		k := key{id: out[i].ID}
		if r := rank[p]; r > 0 {
			k.rank = r
			if s := fs.listed[r-1].Source; s != "" {
				out[i].Source = s
			}
		} else {
			k.unlisted = 1
			for a := p; a != "/"; {
				a = path.Dir(a)
				if r := rank[a]; r > 0 {
					k.rank = r
					break
				}
			}
		}
		keys[out[i].ID] = k
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := keys[out[i].ID], keys[out[j].ID]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if a.unlisted != b.unlisted {
			return a.unlisted < b.unlisted
		}
		return a.id < b.id
	})
	return out
}

// id is the mount's number in mountinfo.
func (m *mount) id() int { return int(unix.Minor(m.dev)) }

// isPlaceholder reports whether m is an empty read-only mount (/proc,
// /sys before the kernel mounts its own) covered by another.
func (m *mount) isPlaceholder() bool {
	return m.kind == kindMem && m.readOnly && m.root.mounted != nil
}

// hostFSTypes names the host filesystems a volume may live on, by magic.
var hostFSTypes = map[int64]string{
	0xEF53:     "ext4",
	0x01021994: "tmpfs",
	0x9123683E: "btrfs",
	0x58465342: "xfs",
	0x794c7630: "overlay",
	0x6969:     "nfs",
	0x2FC12FC1: "zfs",
	0xF2F52010: "f2fs",
}
