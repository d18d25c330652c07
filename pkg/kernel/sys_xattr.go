package kernel

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// Extended attributes: the vfs keeps them; here are the syscall ABI and
// the argument checks, made in Linux's order: the name, flags and value
// before the path is looked up, so a bad name fails even for a missing
// file.

// xattrTarget is where an xattr call acts: a path (d, p, follow) or an
// open file f.
type xattrTarget struct {
	d      *vfs.Dentry
	p      string
	follow bool
	f      *vfs.File
}

func (x xattrTarget) get(fs *vfs.FS, name string) ([]byte, error) {
	if x.f != nil {
		return x.f.Getxattr(name)
	}
	return fs.GetxattrAt(x.d, x.p, x.follow, name)
}

func (x xattrTarget) list(fs *vfs.FS) ([]string, error) {
	if x.f != nil {
		return x.f.Listxattr()
	}
	return fs.ListxattrAt(x.d, x.p, x.follow)
}

func (x xattrTarget) set(fs *vfs.FS, name string, value []byte, flags int) error {
	if x.f != nil {
		return x.f.Setxattr(name, value, flags)
	}
	return fs.SetxattrAt(x.d, x.p, x.follow, name, value, flags)
}

func (x xattrTarget) remove(fs *vfs.FS, name string) error {
	if x.f != nil {
		return x.f.Removexattr(name)
	}
	return fs.RemovexattrAt(x.d, x.p, x.follow, name)
}

// xattrPathTarget resolves the start of a path argument (getxattr's and
// lgetxattr's).
func (t *Task) xattrPathTarget(pathAddr uint64, follow bool) (xattrTarget, func(), error) {
	d, p, release, err := t.pathAt(cwdFD, pathAddr, false)
	if err != nil {
		return xattrTarget{}, nil, err
	}
	return xattrTarget{d: d, p: p, follow: follow}, release, nil
}

func (t *Task) xattrFDTarget(fd uint64) (xattrTarget, func(), error) {
	f, err := t.file(fd)
	if err != nil {
		return xattrTarget{}, nil, err
	}
	return xattrTarget{f: f}, f.DecRef, nil
}

// xattrAtTarget is the target of the *xattrat calls (Linux 6.13):
// dirfd, path and AT_SYMLINK_NOFOLLOW/AT_EMPTY_PATH.
func (t *Task) xattrAtTarget(dirfd, pathAddr uint64, atFlags int) (xattrTarget, func(), error) {
	if atFlags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return xattrTarget{}, nil, unix.EINVAL
	}
	p, d, f, release, err := t.pathOrFileAt(dirfd, pathAddr, atFlags&unix.AT_EMPTY_PATH != 0)
	if err != nil {
		return xattrTarget{}, nil, err
	}
	return xattrTarget{d: d, p: p, f: f, follow: atFlags&unix.AT_SYMLINK_NOFOLLOW == 0}, release, nil
}

// xattrName reads an attribute name: ERANGE when it is empty or longer
// than XATTR_NAME_MAX.
func (t *Task) xattrName(addr uint64) (string, error) {
	s, err := t.tg.mm.CopyInString(addr, vfs.XattrNameMax+1)
	if err == unix.ENAMETOOLONG || err == nil && s == "" {
		return "", unix.ERANGE
	}
	return s, err
}

// xattrValue reads the value a set call stores.
func (t *Task) xattrValue(addr, size uint64, flags int) ([]byte, error) {
	if flags&^(unix.XATTR_CREATE|unix.XATTR_REPLACE) != 0 {
		return nil, unix.EINVAL
	}
	if size > vfs.XattrSizeMax {
		return nil, unix.E2BIG
	}
	v := make([]byte, size)
	if err := t.copyIn(addr, v); err != nil {
		return nil, err
	}
	return v, nil
}

// xattrGet fetches name's value and copies it out to a buffer of size
// bytes: size 0 asks for the length only.
func (t *Task) xattrGet(x xattrTarget, release func(), name string, addr, size uint64) (uint64, error) {
	defer release()
	v, err := x.get(t.k.cfg.FS, name)
	if err != nil {
		return 0, err
	}
	if size == 0 {
		return uint64(len(v)), nil
	}
	if uint64(len(v)) > min(size, vfs.XattrSizeMax) {
		return 0, unix.ERANGE
	}
	return uint64(len(v)), t.copyOut(addr, v)
}

// xattrList copies out the NUL-separated names.
func (t *Task) xattrList(x xattrTarget, release func(), addr, size uint64) (uint64, error) {
	defer release()
	names, err := x.list(t.k.cfg.FS)
	if err != nil {
		return 0, err
	}
	var buf []byte
	for _, n := range names {
		buf = append(buf, n...)
		buf = append(buf, 0)
	}
	if size == 0 {
		if len(buf) > vfs.XattrListMax {
			return 0, unix.E2BIG
		}
		return uint64(len(buf)), nil
	}
	if uint64(len(buf)) > min(size, vfs.XattrListMax) {
		return 0, unix.ERANGE
	}
	return uint64(len(buf)), t.copyOut(addr, buf)
}

// getxattr(path, name, value, size) and its l and f forms.
func (t *Task) getxattr(a [6]uint64, target func() (xattrTarget, func(), error)) (uint64, error) {
	name, err := t.xattrName(a[1])
	if err != nil {
		return 0, err
	}
	x, release, err := target()
	if err != nil {
		return 0, err
	}
	return t.xattrGet(x, release, name, a[2], a[3])
}

func (t *Task) setxattr(a [6]uint64, target func() (xattrTarget, func(), error)) (uint64, error) {
	name, err := t.xattrName(a[1])
	if err != nil {
		return 0, err
	}
	v, err := t.xattrValue(a[2], a[3], int(a[4]))
	if err != nil {
		return 0, err
	}
	x, release, err := target()
	if err != nil {
		return 0, err
	}
	defer release()
	return 0, x.set(t.k.cfg.FS, name, v, int(a[4]))
}

func (t *Task) removexattr(a [6]uint64, target func() (xattrTarget, func(), error)) (uint64, error) {
	name, err := t.xattrName(a[1])
	if err != nil {
		return 0, err
	}
	x, release, err := target()
	if err != nil {
		return 0, err
	}
	defer release()
	return 0, x.remove(t.k.cfg.FS, name)
}

func (t *Task) listxattr(a [6]uint64, target func() (xattrTarget, func(), error)) (uint64, error) {
	x, release, err := target()
	if err != nil {
		return 0, err
	}
	return t.xattrList(x, release, a[1], a[2])
}

func (t *Task) pathTarget(addr uint64, follow bool) func() (xattrTarget, func(), error) {
	return func() (xattrTarget, func(), error) { return t.xattrPathTarget(addr, follow) }
}

func (t *Task) fdTarget(fd uint64) func() (xattrTarget, func(), error) {
	return func() (xattrTarget, func(), error) { return t.xattrFDTarget(fd) }
}

func sysGetxattr(t *Task, a [6]uint64) (uint64, error) {
	return t.getxattr(a, t.pathTarget(a[0], true))
}
func sysLgetxattr(t *Task, a [6]uint64) (uint64, error) {
	return t.getxattr(a, t.pathTarget(a[0], false))
}
func sysFgetxattr(t *Task, a [6]uint64) (uint64, error) { return t.getxattr(a, t.fdTarget(a[0])) }
func sysSetxattr(t *Task, a [6]uint64) (uint64, error) {
	return t.setxattr(a, t.pathTarget(a[0], true))
}
func sysLsetxattr(t *Task, a [6]uint64) (uint64, error) {
	return t.setxattr(a, t.pathTarget(a[0], false))
}
func sysFsetxattr(t *Task, a [6]uint64) (uint64, error) { return t.setxattr(a, t.fdTarget(a[0])) }
func sysListxattr(t *Task, a [6]uint64) (uint64, error) {
	return t.listxattr(a, t.pathTarget(a[0], true))
}
func sysLlistxattr(t *Task, a [6]uint64) (uint64, error) {
	return t.listxattr(a, t.pathTarget(a[0], false))
}
func sysFlistxattr(t *Task, a [6]uint64) (uint64, error) { return t.listxattr(a, t.fdTarget(a[0])) }
func sysRemovexattr(t *Task, a [6]uint64) (uint64, error) {
	return t.removexattr(a, t.pathTarget(a[0], true))
}
func sysLremovexattr(t *Task, a [6]uint64) (uint64, error) {
	return t.removexattr(a, t.pathTarget(a[0], false))
}
func sysFremovexattr(t *Task, a [6]uint64) (uint64, error) {
	return t.removexattr(a, t.fdTarget(a[0]))
}

// xattrArgs reads struct xattr_args {u64 value; u32 size; u32 flags} of
// setxattrat/getxattrat, with copy_struct_from_user's rules for a
// caller's larger struct: the bytes past what Linux knows must be zero.
func (t *Task) xattrArgs(addr, usize uint64) (value uint64, size uint32, flags uint32, err error) {
	const ver0 = 16
	if usize > 4096 {
		return 0, 0, 0, unix.E2BIG
	}
	if usize < ver0 {
		return 0, 0, 0, unix.EINVAL
	}
	b := make([]byte, usize)
	if err := t.copyIn(addr, b); err != nil {
		return 0, 0, 0, err
	}
	for _, c := range b[ver0:] {
		if c != 0 {
			return 0, 0, 0, unix.E2BIG
		}
	}
	return binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint32(b[8:]), binary.LittleEndian.Uint32(b[12:]), nil
}

// setxattrat(dirfd, path, at_flags, name, args, usize).
func sysSetxattrat(t *Task, a [6]uint64) (uint64, error) {
	value, size, flags, err := t.xattrArgs(a[4], a[5])
	if err != nil {
		return 0, err
	}
	return t.setxattr([6]uint64{0, a[3], value, uint64(size), uint64(flags)}, func() (xattrTarget, func(), error) {
		return t.xattrAtTarget(a[0], a[1], int(a[2]))
	})
}

// getxattrat(dirfd, path, at_flags, name, args, usize): args.flags must
// be 0.
func sysGetxattrat(t *Task, a [6]uint64) (uint64, error) {
	value, size, flags, err := t.xattrArgs(a[4], a[5])
	if err != nil {
		return 0, err
	}
	if flags != 0 {
		return 0, unix.EINVAL
	}
	return t.getxattr([6]uint64{0, a[3], value, uint64(size)}, func() (xattrTarget, func(), error) {
		return t.xattrAtTarget(a[0], a[1], int(a[2]))
	})
}

// listxattrat(dirfd, path, at_flags, list, size).
func sysListxattrat(t *Task, a [6]uint64) (uint64, error) {
	return t.listxattr([6]uint64{0, a[3], a[4]}, func() (xattrTarget, func(), error) {
		return t.xattrAtTarget(a[0], a[1], int(a[2]))
	})
}

// removexattrat(dirfd, path, at_flags, name).
func sysRemovexattrat(t *Task, a [6]uint64) (uint64, error) {
	return t.removexattr([6]uint64{0, a[3]}, func() (xattrTarget, func(), error) {
		return t.xattrAtTarget(a[0], a[1], int(a[2]))
	})
}
