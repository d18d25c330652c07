package vfs

import (
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Host objects' extended attributes are reached through an O_PATH fd of
// the object itself, opened like every host access here (relative to its
// directory fd, O_NOFOLLOW), and named for the *xattr calls by
// /proc/self/fd/N: that magic link leads to exactly the object the fd
// holds, a symlink included, and never walks a path the host could have
// changed. (fgetxattr refuses O_PATH fds, and opening the object for
// reading would need read permission and could block on a FIFO or open
// a device.) The host's errno, EOPNOTSUPP from a filesystem without
// xattrs for instance, is the application's.

// withPath calls fn with a /proc/self/fd path of n's object.
func (n *hostNode) withPath(fn func(path string) error) error {
	dfd, name, _, done, err := n.at()
	if err != nil {
		return err
	}
	fd, err := unix.Openat(dfd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	done()
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if uint64(st.Dev) != n.dev || uint64(st.Ino) != n.ino {
		return unix.ENOENT // replaced on the host since the lookup
	}
	return fn("/proc/self/fd/" + strconv.Itoa(fd))
}

func (n *hostNode) getxattr(name string) ([]byte, error) {
	var v []byte
	err := n.withPath(func(p string) error {
		buf := make([]byte, XattrSizeMax)
		k, err := unix.Getxattr(p, name, buf)
		if err != nil {
			return err
		}
		v = buf[:k]
		return nil
	})
	return v, err
}

func (n *hostNode) listxattr() ([]string, error) {
	var names []string
	err := n.withPath(func(p string) error {
		buf := make([]byte, XattrListMax)
		k, err := unix.Listxattr(p, buf)
		if err != nil {
			return err
		}
		for _, s := range strings.Split(string(buf[:k]), "\x00") {
			if s != "" {
				names = append(names, s)
			}
		}
		return nil
	})
	sort.Strings(names)
	return names, err
}

func (n *hostNode) setxattr(name string, value []byte, flags int) error {
	return n.withPath(func(p string) error { return unix.Setxattr(p, name, value, flags) })
}

func (n *hostNode) removexattr(name string) error {
	return n.withPath(func(p string) error { return unix.Removexattr(p, name) })
}
