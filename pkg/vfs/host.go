package vfs

import (
	"encoding/binary"
	"runtime"

	"golang.org/x/sys/unix"
)

// hostDir holds an O_PATH fd of a host directory. The fd is closed by a
// runtime cleanup once nothing references the hostDir, because dentries
// are shared by cwds, open files and the dentry cache and have no single
// owner that could close it. A directory of the overlay's lower layer
// (read-only) may park: its fd closed by its pool when the pool is full,
// reopened by name from its parent on next use (dirpark.go). Every use of
// the fd is between use and done.
type hostDir struct {
	s *dirState
}

func newHostDir(fd int) *hostDir {
	h := &hostDir{s: &dirState{fd: fd, idx: -1}}
	runtime.AddCleanup(h, (*dirState).close, h.s)
	return h
}

// hostNode is the host object behind a dentry of the overlay's lower layer
// or of a volume: the directory holding it and its name there, plus, for
// directories, an fd of the directory itself. dev/ino identify the object
// so a cached dentry can be revalidated against the host.
type hostNode struct {
	dir  *hostDir // nil for a mount root
	name string
	self *hostDir // directories only
	dev  uint64
	ino  uint64
	typ  uint32 // S_IFMT bits
	// tmp is the open unnamed O_TMPFILE file that linkat may name.
	tmp *hostFile
}

// at returns a (dirfd, name, flags) triple naming n without following a
// symlink: "." relative to the directory itself, or the name relative to
// its parent with AT_SYMLINK_NOFOLLOW. The directory's fd is in use
// until done.
func (n *hostNode) at() (fd int, name string, flags int, done func(), err error) {
	d, name, flags := n.dir, n.name, unix.AT_SYMLINK_NOFOLLOW
	if n.self != nil {
		d, name, flags = n.self, ".", 0
	}
	if fd, err = d.use(); err != nil {
		return -1, "", 0, nil, err
	}
	return fd, name, flags, d.done, nil
}

func (n *hostNode) keepAlive() {
	runtime.KeepAlive(n.self)
	runtime.KeepAlive(n.dir)
}

func (n *hostNode) stat() (Stat, error) {
	var st unix.Stat_t
	fd, name, flags, done, err := n.at()
	if err != nil {
		return Stat{}, err
	}
	if name == "." {
		err = unix.Fstat(fd, &st)
	} else {
		err = unix.Fstatat(fd, name, &st, flags)
	}
	done()
	if err != nil {
		return Stat{}, err
	}
	return statFromHost(&st), nil
}

// matches reports whether the host still has the same object under n's
// name.
func (n *hostNode) matches() bool {
	var st unix.Stat_t
	fd, err := n.dir.use()
	if err != nil {
		return false
	}
	err = unix.Fstatat(fd, n.name, &st, unix.AT_SYMLINK_NOFOLLOW)
	n.dir.done()
	return err == nil && uint64(st.Dev) == n.dev && uint64(st.Ino) == n.ino && st.Mode&unix.S_IFMT == n.typ
}

func (n *hostNode) readlink() (string, error) {
	buf := make([]byte, pathMax)
	fd, err := n.dir.use()
	if err != nil {
		return "", err
	}
	k, err := unix.Readlinkat(fd, n.name, buf)
	n.dir.done()
	if err != nil {
		return "", err
	}
	return string(buf[:k]), nil
}

// open opens the (non-directory) object with the given flags, refusing
// to follow a symlink, and checks that it is still the object n names.
func (n *hostNode) open(flags int) (int, error) {
	dfd, err := n.dir.use()
	if err != nil {
		return -1, err
	}
	fd, err := unix.Openat(dfd, n.name, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	n.dir.done()
	if err != nil {
		return -1, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if uint64(st.Dev) != n.dev || uint64(st.Ino) != n.ino {
		unix.Close(fd)
		return -1, unix.ENOENT
	}
	return fd, nil
}

// openDir opens the directory n for reading its entries.
func (n *hostNode) openDir() (int, error) {
	dfd, err := n.self.use()
	if err != nil {
		return -1, err
	}
	defer n.self.done()
	return unix.Openat(dfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
}

// lookupHost finds name in the host directory dir without following a
// symlink.
func lookupHost(dir *hostDir, name string) (*hostNode, error) {
	dfd, err := dir.use()
	if err != nil {
		return nil, err
	}
	defer dir.done()
	var st unix.Stat_t
	if err := unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil, err
	}
	n := &hostNode{dir: dir, name: name, dev: uint64(st.Dev), ino: uint64(st.Ino), typ: st.Mode & unix.S_IFMT}
	if n.typ == unix.S_IFDIR {
		// A volume's directory counts against the host fd budget
		// (dirState.budget).
		b := dir.s.budget
		if b != nil {
			if err := b.acquire(); err != nil {
				return nil, err
			}
		}
		fail := func(err error) (*hostNode, error) {
			if b != nil {
				b.release()
			}
			return nil, err
		}
		fd, err := unix.Openat(dfd, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return fail(err)
		}
		if err := unix.Fstat(fd, &st); err != nil {
			unix.Close(fd)
			return fail(err)
		}
		if uint64(st.Dev) != n.dev || uint64(st.Ino) != n.ino {
			unix.Close(fd)
			return fail(unix.ENOENT) // replaced while we looked: report it gone
		}
		n.self = newParkableDir(fd, dir, name, n.dev, n.ino)
		if b != nil {
			n.self.s.budget, n.self.s.counted = b, true
		}
	}
	return n, nil
}

// hostRootNode opens path (chosen by the user, so host symlinks in it are
// followed) as the root of a mount.
func hostRootNode(path string) (*hostNode, error) {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	self := newHostDir(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	return &hostNode{self: self, dev: uint64(st.Dev), ino: uint64(st.Ino), typ: unix.S_IFDIR}, nil
}

// hostEntry is one entry of a host directory.
type hostEntry struct {
	ino  uint64
	typ  uint8
	name string
}

// readHostDir lists the host directory n (without "." and "..").
func readHostDir(n *hostNode) ([]hostEntry, error) {
	fd, err := n.openDir()
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var out []hostEntry
	buf := make([]byte, 32<<10)
	for {
		k, err := unix.Getdents(fd, buf)
		if err != nil {
			return nil, err
		}
		if k <= 0 {
			break
		}
		b := buf[:k]
		for len(b) >= 19 {
			ino := binary.NativeEndian.Uint64(b[0:8])
			reclen := int(binary.NativeEndian.Uint16(b[16:18]))
			typ := b[18]
			if reclen < 19 || reclen > len(b) {
				break
			}
			name := b[19:reclen]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			if s := string(name); s != "." && s != ".." {
				if typ == unix.DT_UNKNOWN {
					var st unix.Stat_t
					if unix.Fstatat(fd, s, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
						typ = dtype(st.Mode)
					}
				}
				out = append(out, hostEntry{ino: ino, typ: typ, name: s})
			}
			b = b[reclen:]
		}
	}
	return out, nil
}
