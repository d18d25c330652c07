package vfs

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// Flags of RenameAt, as renameat2(2)'s.
const (
	RenameNoReplace = unix.RENAME_NOREPLACE
	RenameExchange  = unix.RENAME_EXCHANGE
)

// RenameAt is renameat2 with flags 0, RENAME_NOREPLACE or RENAME_EXCHANGE.
// Renames across mounts fail with EXDEV. In the overlay, a renamed
// directory keeps its lower entries (they are reached through the
// directory itself, not its old path).
func (fs *FS) RenameAt(oldDir *Dentry, oldPath string, newDir *Dentry, newPath string, flags uint32) error {
	if flags&^(RenameNoReplace|RenameExchange) != 0 || flags == RenameNoReplace|RenameExchange {
		return unix.EINVAL
	}
	exchange := flags&RenameExchange != 0
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs}
	op, on, otrail, err := w.walkParent(oldDir, oldPath)
	if err != nil {
		return err
	}
	np, nn, ntrail, err := w.walkParent(newDir, newPath)
	if err != nil {
		return err
	}
	if op.mnt != np.mnt {
		return unix.EXDEV
	}
	if isDots(on) || isDots(nn) {
		return unix.EBUSY
	}
	if err := writableMount(op); err != nil {
		return err
	}
	src, err := fs.lookupChild(op, on)
	if err != nil {
		return err
	}
	dst, err := fs.lookupChild(np, nn)
	if err == unix.ENOENT && !exchange {
		dst, err = nil, nil
	}
	if err != nil {
		return err
	}
	if !src.isDir() && (otrail || (ntrail && !exchange)) {
		return unix.ENOTDIR
	}
	if exchange && ntrail && !dst.isDir() {
		return unix.ENOTDIR
	}
	if flags&RenameNoReplace != 0 && dst != nil {
		return unix.EEXIST
	}
	if src.mounted != nil || (dst != nil && dst.mounted != nil) {
		return unix.EBUSY
	}
	if isAncestor(src, np) {
		return unix.EINVAL
	}
	if dst != nil && isAncestor(dst, op) {
		if exchange {
			return unix.EINVAL
		}
		return unix.ENOTEMPTY
	}
	if dst == src || (dst != nil && dst.mem != nil && dst.mem == src.mem) {
		return nil // the same file: nothing to do, as on Linux
	}
	if dst != nil && !exchange {
		switch {
		case src.isDir() && !dst.isDir():
			return unix.ENOTDIR
		case !src.isDir() && dst.isDir():
			return unix.EISDIR
		case dst.isDir() && np.mnt.kind != kindHost:
			empty, err := fs.isEmptyDir(dst)
			if err != nil {
				return err
			}
			if !empty {
				return unix.ENOTEMPTY
			}
		}
	}
	if len(nn) > nameMax {
		return unix.ENAMETOOLONG
	}

	switch op.mnt.kind {
	case kindHost:
		err := unix.Renameat2(op.host.self.fixedFD(), on, np.host.self.fixedFD(), nn, uint(flags))
		runtime.KeepAlive(op.host.self)
		runtime.KeepAlive(np.host.self)
		if err != nil {
			return err
		}
	case kindOverlay:
		up := []*Dentry{op, np, src}
		if exchange {
			up = append(up, dst) // a replaced dst is just removed
		}
		for _, d := range up {
			if d != nil {
				if err := fs.copyUp(d, true); err != nil {
					return err
				}
			}
		}
	}
	if exchange {
		fs.moveChild(src, np, nn)
		fs.moveChild(dst, op, on)
		return nil
	}
	if dst != nil {
		fs.removeChild(dst)
	}
	fs.whiteout(op, on)
	fs.moveChild(src, np, nn)
	return nil
}

func isDots(name string) bool { return name == "" || name == "." || name == ".." }
