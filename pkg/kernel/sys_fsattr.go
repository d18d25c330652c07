package kernel

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/vfs"
)

// Handlers for file attributes and whole-filesystem calls: ownership,
// times, statfs, sync and mknod (extended attributes: sys_xattr.go).

const cwdFD = uint64(atFDCWD & 0xffffffff)

// pathOrFileAt resolves (dirfd, path) for the *at calls that take
// AT_EMPTY_PATH: an empty path with it means the file dirfd itself.
func (t *Task) pathOrFileAt(dirfd, pathAddr uint64, allowEmpty bool) (p string, d *vfs.Dentry, f *vfs.File, release func(), err error) {
	p, err = t.copyInPath(pathAddr, allowEmpty)
	if err != nil {
		return "", nil, nil, nil, err
	}
	if p == "" {
		if int32(dirfd) == atFDCWD {
			return ".", t.cwd(), nil, func() {}, nil
		}
		f, err := t.file(dirfd)
		if err != nil {
			return "", nil, nil, nil, err
		}
		return "", nil, f, f.DecRef, nil
	}
	d, release, err = t.startDir(dirfd, p)
	return p, d, nil, release, err
}

func (t *Task) chownAt(dirfd, pathAddr uint64, uid, gid uint32, flags int) (uint64, error) {
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return 0, unix.EINVAL
	}
	p, d, f, release, err := t.pathOrFileAt(dirfd, pathAddr, flags&unix.AT_EMPTY_PATH != 0)
	if err != nil {
		return 0, err
	}
	defer release()
	if f != nil {
		return 0, f.Chown(uid, gid)
	}
	return 0, t.k.cfg.FS.ChownAt(d, p, uid, gid, flags&unix.AT_SYMLINK_NOFOLLOW == 0)
}

func sysChown(t *Task, a [6]uint64) (uint64, error) {
	return t.chownAt(cwdFD, a[0], uint32(a[1]), uint32(a[2]), 0)
}

func sysLchown(t *Task, a [6]uint64) (uint64, error) {
	return t.chownAt(cwdFD, a[0], uint32(a[1]), uint32(a[2]), unix.AT_SYMLINK_NOFOLLOW)
}

func sysFchownat(t *Task, a [6]uint64) (uint64, error) {
	return t.chownAt(a[0], a[1], uint32(a[2]), uint32(a[3]), int(a[4]))
}

func sysFchown(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return 0, f.Chown(uint32(a[1]), uint32(a[2]))
}

func sysFchmod(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return 0, f.Chmod(uint32(a[1]) & 0o7777)
}

// sysFchmodat2 is fchmodat with flags (Linux 6.6).
func sysFchmodat2(t *Task, a [6]uint64) (uint64, error) {
	flags := int(a[3])
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return 0, unix.EINVAL
	}
	p, d, f, release, err := t.pathOrFileAt(a[0], a[1], flags&unix.AT_EMPTY_PATH != 0)
	if err != nil {
		return 0, err
	}
	defer release()
	if f != nil {
		return 0, f.Chmod(uint32(a[2]) & 0o7777)
	}
	return 0, t.k.cfg.FS.ChmodAt(d, p, uint32(a[2])&0o7777, flags&unix.AT_SYMLINK_NOFOLLOW == 0)
}

// setTimes applies (atime, mtime) to (dirfd, path) or, with a zero
// pathAddr, to the file dirfd (futimens).
func (t *Task) setTimes(dirfd, pathAddr uint64, atime, mtime unix.Timespec, flags int) (uint64, error) {
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return 0, unix.EINVAL
	}
	if pathAddr == 0 {
		if int32(dirfd) == atFDCWD {
			return 0, unix.EFAULT
		}
		if flags&unix.AT_SYMLINK_NOFOLLOW != 0 {
			return 0, unix.EINVAL
		}
		f, err := t.file(dirfd)
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return 0, f.SetTimes(atime, mtime)
	}
	p, d, f, release, err := t.pathOrFileAt(dirfd, pathAddr, flags&unix.AT_EMPTY_PATH != 0)
	if err != nil {
		return 0, err
	}
	defer release()
	if f != nil {
		return 0, f.SetTimes(atime, mtime)
	}
	return 0, t.k.cfg.FS.UtimesAt(d, p, atime, mtime, flags&unix.AT_SYMLINK_NOFOLLOW == 0)
}

var timesNow = [2]unix.Timespec{{Nsec: vfs.UtimeNow}, {Nsec: vfs.UtimeNow}}

func validUtime(ts unix.Timespec) bool {
	return ts.Nsec == vfs.UtimeNow || ts.Nsec == vfs.UtimeOmit || (ts.Nsec >= 0 && ts.Nsec < 1e9)
}

func sysUtimensat(t *Task, a [6]uint64) (uint64, error) {
	ts := timesNow
	if a[2] != 0 {
		in := make(slice[linux.Timespec, *linux.Timespec], 2)
		if err := t.copyInObj(a[2], in); err != nil {
			return 0, err
		}
		for i := range ts {
			ts[i] = unix.Timespec{Sec: in[i].Sec, Nsec: in[i].Nsec}
			if !validUtime(ts[i]) {
				return 0, unix.EINVAL
			}
		}
	}
	return t.setTimes(a[0], a[1], ts[0], ts[1], int(a[3]))
}

// readTimevals reads struct timeval[2] (utimes, futimesat); a zero
// address means now.
func (t *Task) readTimevals(addr uint64) ([2]unix.Timespec, error) {
	ts := timesNow
	if addr == 0 {
		return ts, nil
	}
	in := make(slice[linux.Timeval, *linux.Timeval], 2)
	if err := t.copyInObj(addr, in); err != nil {
		return ts, err
	}
	for i := range ts {
		sec, usec := in[i].Sec, in[i].Usec
		if usec < 0 || usec >= 1e6 {
			return ts, unix.EINVAL
		}
		ts[i] = unix.Timespec{Sec: sec, Nsec: usec * 1000}
	}
	return ts, nil
}

func sysUtimes(t *Task, a [6]uint64) (uint64, error) {
	ts, err := t.readTimevals(a[1])
	if err != nil {
		return 0, err
	}
	if a[0] == 0 {
		return 0, unix.EFAULT
	}
	return t.setTimes(cwdFD, a[0], ts[0], ts[1], 0)
}

func sysFutimesat(t *Task, a [6]uint64) (uint64, error) {
	ts, err := t.readTimevals(a[2])
	if err != nil {
		return 0, err
	}
	return t.setTimes(a[0], a[1], ts[0], ts[1], 0)
}

// sysUtime reads struct utimbuf {actime, modtime}.
func sysUtime(t *Task, a [6]uint64) (uint64, error) {
	ts := timesNow
	if a[1] != 0 {
		var u linux.Utime
		if err := t.copyInObj(a[1], &u); err != nil {
			return 0, err
		}
		ts[0] = unix.Timespec{Sec: u.Actime}
		ts[1] = unix.Timespec{Sec: u.Modtime}
	}
	if a[0] == 0 {
		return 0, unix.EFAULT
	}
	return t.setTimes(cwdFD, a[0], ts[0], ts[1], 0)
}

func sysStatfs(t *Task, a [6]uint64) (uint64, error) {
	d, p, release, err := t.pathAt(cwdFD, a[0], false)
	if err != nil {
		return 0, err
	}
	defer release()
	st, err := t.k.cfg.FS.StatfsAt(d, p)
	if err != nil {
		return 0, err
	}
	return 0, t.copyOut(a[1], marshalStatfs(st))
}

func sysFstatfs(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	st, err := f.Statfs()
	if err != nil {
		return 0, err
	}
	return 0, t.copyOut(a[1], marshalStatfs(st))
}

// sysSync has nothing to do: volume files are written through to the
// host at each write, and their durability is fsync's business.
func sysSync(t *Task, a [6]uint64) (uint64, error) { return 0, nil }

func sysSyncfs(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	f.DecRef()
	return 0, nil
}

func (t *Task) mknodAt(dirfd, pathAddr uint64, mode uint32) (uint64, error) {
	d, p, release, err := t.pathAt(dirfd, pathAddr, false)
	if err != nil {
		return 0, err
	}
	defer release()
	umask := t.umask()
	return 0, t.createIn(d, p, func() error { return t.k.cfg.FS.MknodAt(d, p, mode&unix.S_IFMT|mode&0o7777&^umask) })
}

func sysMknod(t *Task, a [6]uint64) (uint64, error) {
	return t.mknodAt(cwdFD, a[0], uint32(a[1]))
}

func sysMknodat(t *Task, a [6]uint64) (uint64, error) {
	return t.mknodAt(a[0], a[1], uint32(a[2]))
}

// linkFile is linkat(olddirfd, "", newdirfd, newpath, AT_EMPTY_PATH): a
// name for the open file olddirfd (an O_TMPFILE file's first one).
func (t *Task) linkFile(olddirfd, newdirfd uint64, np string) (uint64, error) {
	if int32(olddirfd) == atFDCWD {
		return 0, unix.EPERM // the cwd is a directory
	}
	f, err := t.file(olddirfd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return 0, unix.EPERM
	}
	nd, release, err := t.startDir(newdirfd, np)
	if err != nil {
		return 0, err
	}
	defer release()
	return 0, f.LinkFile(nd, np)
}
