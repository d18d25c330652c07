package kernel

import (
	"encoding/binary"
	"errors"
	"io"
	"path"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/vfs"
)

// Handlers for file syscalls: descriptors, I/O, paths and metadata.

const (
	atFDCWD         = -100
	atStatxSyncType = 0x6000 // AT_STATX_FORCE_SYNC|AT_STATX_DONT_SYNC
)

// ioChunk bounds the sentry-side buffer of one read or write; larger
// requests are served in several host-side steps within the one call.
const ioChunk = 1 << 20

func (t *Task) file(fd uint64) (*vfs.File, error) { return t.tg.fds.get(int32(fd)) }

// startDir returns where a relative path starts: the cwd for AT_FDCWD,
// else the directory dirfd refers to. release must be called after use.
func (t *Task) startDir(dirfd uint64, p string) (d *vfs.Dentry, release func(), err error) {
	if path.IsAbs(p) || int32(dirfd) == atFDCWD {
		t.tg.fs.mu.Lock()
		d = t.tg.fs.cwd
		t.tg.fs.mu.Unlock()
		return d, func() {}, nil
	}
	f, err := t.file(dirfd)
	if err != nil {
		return nil, nil, err
	}
	// A file outside the tree (stdio, later pipes and sockets) is no
	// directory to start from; vfs would take nil for the root.
	if f.Dentry() == nil || !f.Dentry().IsDir() {
		f.DecRef()
		return nil, nil, unix.ENOTDIR
	}
	return f.Dentry(), f.DecRef, nil
}

func sysRead(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return t.readInto(a[1], a[2], t.reader(f))
}

func sysPread64(t *Task, a [6]uint64) (uint64, error) {
	if int64(a[3]) < 0 {
		return 0, unix.EINVAL
	}
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	off := int64(a[3])
	return t.readInto(a[1], a[2], func(b []byte) (int, error) {
		n, err := f.ReadAt(b, off)
		off += int64(n)
		return n, err
	})
}

// readInto fills [addr, addr+count) from read, one chunk at a time, and
// stops at the first short read: a reader owes no more than it has.
func (t *Task) readInto(addr, count uint64, read func([]byte) (int, error)) (uint64, error) {
	if count > maxRW {
		count = maxRW
	}
	buf := t.scratch(int(min(count, ioChunk)))
	var done uint64
	for done < count {
		b := buf[:min(count-done, uint64(len(buf)))]
		n, err := read(b)
		if n > 0 {
			if cerr := t.copyOut(addr+done, b[:n]); cerr != nil {
				if done == 0 {
					return 0, cerr
				}
				return done, nil
			}
			done += uint64(n)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		if n < len(b) {
			break
		}
	}
	return done, nil
}

func sysWrite(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return t.writeFrom(a[1], a[2], t.writer(f))
}

func sysPwrite64(t *Task, a [6]uint64) (uint64, error) {
	if int64(a[3]) < 0 {
		return 0, unix.EINVAL
	}
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	off := int64(a[3])
	return t.writeFrom(a[1], a[2], func(b []byte) (int, error) {
		n, err := f.WriteAt(b, off)
		off += int64(n)
		return n, err
	})
}

func (t *Task) writeFrom(addr, count uint64, write func([]byte) (int, error)) (uint64, error) {
	if count > maxRW {
		count = maxRW
	}
	buf := t.scratch(int(min(count, ioChunk)))
	var done uint64
	for done < count {
		b := buf[:min(count-done, uint64(len(buf)))]
		n, cerr := t.tg.mm.CopyIn(addr+done, b)
		if n == 0 && cerr != nil {
			if done == 0 {
				return 0, cerr
			}
			return done, nil
		}
		w, err := write(b[:n])
		done += uint64(w)
		if err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		if w < n || cerr != nil {
			break
		}
	}
	return done, nil
}

func sysReadv(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	read := t.reader(f)
	return t.vectorIO(a[1], a[2], func(v arch.Iovec) (uint64, error) {
		return t.readInto(v.Base, v.Len, read)
	})
}

func sysWritev(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	write := t.writer(f)
	return t.vectorIO(a[1], a[2], func(v arch.Iovec) (uint64, error) {
		return t.writeFrom(v.Base, v.Len, write)
	})
}

func sysPreadv(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	off := int64(a[3])
	if off < 0 {
		return 0, unix.EINVAL
	}
	return t.vectorIO(a[1], a[2], func(v arch.Iovec) (uint64, error) {
		n, err := t.readInto(v.Base, v.Len, func(b []byte) (int, error) {
			n, err := f.ReadAt(b, off)
			off += int64(n)
			return n, err
		})
		return n, err
	})
}

func sysPwritev(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	off := int64(a[3])
	if off < 0 {
		return 0, unix.EINVAL
	}
	return t.vectorIO(a[1], a[2], func(v arch.Iovec) (uint64, error) {
		return t.writeFrom(v.Base, v.Len, func(b []byte) (int, error) {
			n, err := f.WriteAt(b, off)
			off += int64(n)
			return n, err
		})
	})
}

// vectorIO runs one transfer per iovec, stopping at the first short one.
func (t *Task) vectorIO(addr, cnt uint64, one func(arch.Iovec) (uint64, error)) (uint64, error) {
	vs, err := t.readIovecs(addr, cnt)
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, v := range vs {
		if v.Len == 0 {
			continue
		}
		n, err := one(v)
		total += n
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		if n < v.Len {
			break
		}
	}
	return total, nil
}

func sysLseek(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	off, err := f.Seek(int64(a[1]), int(a[2]))
	return uint64(off), err
}

func sysClose(t *Task, a [6]uint64) (uint64, error) {
	return 0, t.closeFD(int32(a[0]))
}

func sysCloseRange(t *Task, a [6]uint64) (uint64, error) {
	const closeRangeCloexec = 1 << 2
	first, last, flags := uint64(uint32(a[0])), uint64(uint32(a[1])), a[2]
	if first > last || flags&^(closeRangeCloexec|1<<1) != 0 {
		return 0, unix.EINVAL
	}
	if flags&closeRangeCloexec != 0 {
		for fd := first; fd <= last && fd < 1<<20; fd++ {
			_ = t.tg.fds.setCloexec(int32(fd), true)
		}
		return 0, nil
	}
	t.tg.fds.mu.Lock()
	n := uint64(len(t.tg.fds.slots))
	t.tg.fds.mu.Unlock()
	for fd := first; fd <= last && fd < n; fd++ {
		_ = t.closeFD(int32(fd))
	}
	return 0, nil
}

func (t *Task) openAt(dirfd, pathAddr uint64, flags int, mode uint32) (uint64, error) {
	d, p, release, err := t.pathAt(dirfd, pathAddr, false)
	if err != nil {
		return 0, err
	}
	defer release()
	creating, err := t.checkOpen(d, p, flags)
	if err != nil {
		return 0, err
	}
	umask := t.umask()
	f, err := t.k.cfg.FS.OpenAt(d, p, flags, mode&0o7777&^umask)
	if err != nil {
		return 0, err
	}
	if creating {
		t.ownNewFile(d, p)
	}
	if err := t.waitOpen(f); err != nil {
		return 0, err
	}
	if f, err = t.openedTTY(f, flags); err != nil {
		return 0, err
	}
	fd, err := t.tg.fds.install(f, 0, flags&unix.O_CLOEXEC != 0, t.tg.limit(unix.RLIMIT_NOFILE))
	if err != nil {
		f.DecRef()
		return 0, err
	}
	return uint64(fd), nil
}

func sysOpen(t *Task, a [6]uint64) (uint64, error) {
	return t.openAt(uint64(atFDCWD&0xffffffff), a[0], int(a[1]), uint32(a[2]))
}

func sysOpenat(t *Task, a [6]uint64) (uint64, error) {
	return t.openAt(a[0], a[1], int(a[2]), uint32(a[3]))
}

func sysCreat(t *Task, a [6]uint64) (uint64, error) {
	return t.openAt(uint64(atFDCWD&0xffffffff), a[0], unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC, uint32(a[1]))
}

// statAt resolves (dirfd, path, flags) the way the *at stat calls do,
// with AT_EMPTY_PATH meaning the fd itself.
func (t *Task) statAt(dirfd, pathAddr uint64, flags int) (vfs.Stat, error) {
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH|unix.AT_NO_AUTOMOUNT|atStatxSyncType) != 0 {
		return vfs.Stat{}, unix.EINVAL
	}
	p, err := t.copyInPath(pathAddr, flags&unix.AT_EMPTY_PATH != 0)
	if err != nil {
		return vfs.Stat{}, err
	}
	if p == "" {
		if int32(dirfd) == atFDCWD {
			return t.k.cfg.FS.StatAt(t.cwd(), ".", true)
		}
		f, err := t.file(dirfd)
		if err != nil {
			return vfs.Stat{}, err
		}
		defer f.DecRef()
		return f.Stat()
	}
	d, release, err := t.startDir(dirfd, p)
	if err != nil {
		return vfs.Stat{}, err
	}
	defer release()
	return t.k.cfg.FS.StatAt(d, p, flags&unix.AT_SYMLINK_NOFOLLOW == 0)
}

func (t *Task) cwd() *vfs.Dentry {
	t.tg.fs.mu.Lock()
	defer t.tg.fs.mu.Unlock()
	return t.tg.fs.cwd
}

func (t *Task) putStat(addr uint64, st vfs.Stat, err error) (uint64, error) {
	if err != nil {
		return 0, err
	}
	return 0, t.copyOut(addr, marshalStat(t.regs.Arch, st))
}

func sysFstat(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	st, err := f.Stat()
	return t.putStat(a[1], st, err)
}

func sysStat(t *Task, a [6]uint64) (uint64, error) {
	st, err := t.statAt(uint64(atFDCWD&0xffffffff), a[0], 0)
	return t.putStat(a[1], st, err)
}

func sysLstat(t *Task, a [6]uint64) (uint64, error) {
	st, err := t.statAt(uint64(atFDCWD&0xffffffff), a[0], unix.AT_SYMLINK_NOFOLLOW)
	return t.putStat(a[1], st, err)
}

func sysNewfstatat(t *Task, a [6]uint64) (uint64, error) {
	st, err := t.statAt(a[0], a[1], int(a[3]))
	return t.putStat(a[2], st, err)
}

func sysStatx(t *Task, a [6]uint64) (uint64, error) {
	st, err := t.statAt(a[0], a[1], int(a[2]))
	if err != nil {
		return 0, err
	}
	return 0, t.copyOut(a[4], marshalStatx(st))
}

func sysGetdents64(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	count := int(min(a[2], 1<<20))
	ents, err := f.Getdents(count)
	if err != nil {
		return 0, err
	}
	buf := make([]byte, 0, count)
	for _, e := range ents {
		reclen := (19 + len(e.Name) + 1 + 7) &^ 7
		if len(buf)+reclen > count {
			break
		}
		rec := make([]byte, reclen)
		binary.LittleEndian.PutUint64(rec[0:], e.Ino)
		binary.LittleEndian.PutUint64(rec[8:], uint64(e.Off))
		binary.LittleEndian.PutUint16(rec[16:], uint16(reclen))
		rec[18] = e.Type
		copy(rec[19:], e.Name)
		buf = append(buf, rec...)
	}
	if len(buf) == 0 && len(ents) > 0 {
		return 0, unix.EINVAL
	}
	return uint64(len(buf)), t.copyOut(a[1], buf)
}

func (t *Task) readlinkAt(dirfd, pathAddr, buf, size uint64) (uint64, error) {
	if int64(size) <= 0 {
		return 0, unix.EINVAL
	}
	d, p, release, err := t.pathAt(dirfd, pathAddr, false)
	if err != nil {
		return 0, err
	}
	defer release()
	target, err := t.k.cfg.FS.ReadlinkAt(d, p)
	if err != nil {
		return 0, err
	}
	b := []byte(target)
	if uint64(len(b)) > size {
		b = b[:size]
	}
	return uint64(len(b)), t.copyOut(buf, b)
}

func sysReadlink(t *Task, a [6]uint64) (uint64, error) {
	return t.readlinkAt(uint64(atFDCWD&0xffffffff), a[0], a[1], a[2])
}

func sysReadlinkat(t *Task, a [6]uint64) (uint64, error) {
	return t.readlinkAt(a[0], a[1], a[2], a[3])
}

func (t *Task) accessAt(dirfd, pathAddr uint64, mode uint32, flags int) (uint64, error) {
	if mode&^7 != 0 || flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EACCESS|unix.AT_EMPTY_PATH) != 0 {
		return 0, unix.EINVAL
	}
	p, err := t.copyInPath(pathAddr, flags&unix.AT_EMPTY_PATH != 0)
	if err != nil {
		return 0, err
	}
	if p == "" {
		p = "."
	}
	d, release, err := t.startDir(dirfd, p)
	if err != nil {
		return 0, err
	}
	defer release()
	if err := t.k.cfg.FS.AccessAt(d, p, mode, flags&unix.AT_SYMLINK_NOFOLLOW == 0); err != nil {
		return 0, err
	}
	return 0, t.checkAccess(d, p, mode, flags)
}

func sysAccess(t *Task, a [6]uint64) (uint64, error) {
	return t.accessAt(uint64(atFDCWD&0xffffffff), a[0], uint32(a[1]), 0)
}

func sysFaccessat(t *Task, a [6]uint64) (uint64, error) {
	return t.accessAt(a[0], a[1], uint32(a[2]), 0)
}

func sysFaccessat2(t *Task, a [6]uint64) (uint64, error) {
	return t.accessAt(a[0], a[1], uint32(a[2]), int(a[3]))
}

func sysGetcwd(t *Task, a [6]uint64) (uint64, error) {
	b := append([]byte(t.cwd().Path()), 0)
	if uint64(len(b)) > a[1] {
		return 0, unix.ERANGE
	}
	return uint64(len(b)), t.copyOut(a[0], b)
}

func sysChdir(t *Task, a [6]uint64) (uint64, error) {
	p, err := t.copyInPath(a[0], false)
	if err != nil {
		return 0, err
	}
	d, err := t.k.cfg.FS.Lookup(t.cwd(), p, true)
	if err != nil {
		return 0, err
	}
	return 0, t.setCwd(d)
}

func sysFchdir(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if f.Dentry() == nil {
		return 0, unix.ENOTDIR
	}
	return 0, t.setCwd(f.Dentry())
}

func (t *Task) setCwd(d *vfs.Dentry) error {
	st, err := t.k.cfg.FS.StatAt(d, ".", true)
	if err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return unix.ENOTDIR
	}
	t.tg.fs.mu.Lock()
	t.tg.fs.cwd = d
	t.tg.fs.mu.Unlock()
	return nil
}

func sysDup(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	fd, err := t.tg.fds.install(f, 0, false, t.tg.limit(unix.RLIMIT_NOFILE))
	if err != nil {
		f.DecRef()
		return 0, err
	}
	return uint64(fd), nil
}

func (t *Task) dup3(oldfd, newfd uint64, flags int) (uint64, error) {
	if flags&^unix.O_CLOEXEC != 0 {
		return 0, unix.EINVAL
	}
	if int32(newfd) < 0 || uint64(int32(newfd)) >= t.tg.limit(unix.RLIMIT_NOFILE) {
		return 0, unix.EBADF
	}
	f, err := t.file(oldfd)
	if err != nil {
		return 0, err
	}
	old, _ := t.tg.fds.get(int32(newfd))
	if err := t.tg.fds.installAt(int(int32(newfd)), f, flags&unix.O_CLOEXEC != 0); err != nil {
		f.DecRef()
		if old != nil {
			old.DecRef()
		}
		return 0, err
	}
	if old != nil {
		// dup2 over an open fd closes it, dropping the process's locks.
		old.ReleaseLocks(t.tg.pid)
		old.DecRef()
	}
	return uint64(int32(newfd)), nil
}

func sysDup2(t *Task, a [6]uint64) (uint64, error) {
	if int32(a[0]) == int32(a[1]) {
		f, err := t.file(a[0])
		if err != nil {
			return 0, err
		}
		f.DecRef()
		return uint64(int32(a[1])), nil
	}
	return t.dup3(a[0], a[1], 0)
}

func sysDup3(t *Task, a [6]uint64) (uint64, error) {
	if int32(a[0]) == int32(a[1]) {
		return 0, unix.EINVAL
	}
	return t.dup3(a[0], a[1], int(a[2]))
}

func sysFcntl(t *Task, a [6]uint64) (uint64, error) {
	fd := int32(a[0])
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	switch int(a[1]) {
	case unix.F_DUPFD, unix.F_DUPFD_CLOEXEC:
		if a[2] >= t.tg.limit(unix.RLIMIT_NOFILE) {
			return 0, unix.EINVAL
		}
		f.IncRef()
		nfd, err := t.tg.fds.install(f, int(a[2]), int(a[1]) == unix.F_DUPFD_CLOEXEC, t.tg.limit(unix.RLIMIT_NOFILE))
		if err != nil {
			f.DecRef()
			return 0, err
		}
		return uint64(nfd), nil
	case unix.F_GETFD:
		c, err := t.tg.fds.cloexec(fd)
		if c {
			return unix.FD_CLOEXEC, err
		}
		return 0, err
	case unix.F_SETFD:
		return 0, t.tg.fds.setCloexec(fd, a[2]&unix.FD_CLOEXEC != 0)
	case unix.F_GETFL:
		return uint64(f.Flags()), nil
	case unix.F_SETFL:
		f.SetFlags(int(a[2]))
		return 0, nil
	case unix.F_SETLK, unix.F_SETLKW, unix.F_OFD_SETLK, unix.F_OFD_SETLKW, unix.F_GETLK, unix.F_OFD_GETLK:
		return t.fcntlLock(f, int(a[1]), a[2])
	case unix.F_ADD_SEALS:
		return 0, f.AddSeals(int(a[2]))
	case unix.F_GET_SEALS:
		s, err := f.Seals()
		return uint64(s), err
	}
	if r, ok, err := t.fcntlOwner(f, int(a[1]), a[2]); ok {
		return r, err
	}
	if r, ok, err := pipeFcntl(f, int(a[1]), a[2]); ok {
		return r, err
	}
	if r, ok, err := fcntlNotify(int(a[1]), a[2]); ok {
		return r, err
	}
	return 0, unix.EINVAL
}

func (t *Task) mkdirAt(dirfd, pathAddr uint64, mode uint32) (uint64, error) {
	d, p, release, err := t.pathAt(dirfd, pathAddr, false)
	if err != nil {
		return 0, err
	}
	defer release()
	umask := t.umask()
	return 0, t.createIn(d, p, func() error { return t.k.cfg.FS.MkdirAt(d, p, mode&0o7777&^umask) })
}

func sysMkdir(t *Task, a [6]uint64) (uint64, error) {
	return t.mkdirAt(uint64(atFDCWD&0xffffffff), a[0], uint32(a[1]))
}

func sysMkdirat(t *Task, a [6]uint64) (uint64, error) {
	return t.mkdirAt(a[0], a[1], uint32(a[2]))
}

func (t *Task) unlinkAt(dirfd, pathAddr uint64, flags int) (uint64, error) {
	if flags&^unix.AT_REMOVEDIR != 0 {
		return 0, unix.EINVAL
	}
	d, p, release, err := t.pathAt(dirfd, pathAddr, false)
	if err != nil {
		return 0, err
	}
	defer release()
	return 0, t.k.cfg.FS.UnlinkAt(d, p, flags&unix.AT_REMOVEDIR != 0)
}

func sysUnlink(t *Task, a [6]uint64) (uint64, error) {
	return t.unlinkAt(uint64(atFDCWD&0xffffffff), a[0], 0)
}

func sysRmdir(t *Task, a [6]uint64) (uint64, error) {
	return t.unlinkAt(uint64(atFDCWD&0xffffffff), a[0], unix.AT_REMOVEDIR)
}

func sysUnlinkat(t *Task, a [6]uint64) (uint64, error) {
	return t.unlinkAt(a[0], a[1], int(a[2]))
}

func (t *Task) renameAt(olddirfd, oldAddr, newdirfd, newAddr uint64, flags uint32) (uint64, error) {
	if flags&^(unix.RENAME_NOREPLACE|unix.RENAME_EXCHANGE|unix.RENAME_WHITEOUT) != 0 {
		return 0, unix.EINVAL
	}
	op, err := t.copyInPath(oldAddr, flags&unix.AT_EMPTY_PATH != 0)
	if err != nil {
		return 0, err
	}
	np, err := t.copyInPath(newAddr, false)
	if err != nil {
		return 0, err
	}
	if op == "" {
		return t.linkFile(olddirfd, newdirfd, np)
	}
	od, orel, err := t.startDir(olddirfd, op)
	if err != nil {
		return 0, err
	}
	defer orel()
	nd, nrel, err := t.startDir(newdirfd, np)
	if err != nil {
		return 0, err
	}
	defer nrel()
	return 0, t.k.cfg.FS.RenameAt(od, op, nd, np, flags)
}

func sysRename(t *Task, a [6]uint64) (uint64, error) {
	cwd := uint64(atFDCWD & 0xffffffff)
	return t.renameAt(cwd, a[0], cwd, a[1], 0)
}

func sysRenameat(t *Task, a [6]uint64) (uint64, error) {
	return t.renameAt(a[0], a[1], a[2], a[3], 0)
}

func sysRenameat2(t *Task, a [6]uint64) (uint64, error) {
	return t.renameAt(a[0], a[1], a[2], a[3], uint32(a[4]))
}

func (t *Task) symlinkAt(targetAddr, dirfd, pathAddr uint64) (uint64, error) {
	target, err := t.copyInPath(targetAddr, false)
	if err != nil {
		return 0, err
	}
	d, p, release, err := t.pathAt(dirfd, pathAddr, false)
	if err != nil {
		return 0, err
	}
	defer release()
	return 0, t.createIn(d, p, func() error { return t.k.cfg.FS.SymlinkAt(target, d, p) })
}

func sysSymlink(t *Task, a [6]uint64) (uint64, error) {
	return t.symlinkAt(a[0], uint64(atFDCWD&0xffffffff), a[1])
}

func sysSymlinkat(t *Task, a [6]uint64) (uint64, error) {
	return t.symlinkAt(a[0], a[1], a[2])
}

func (t *Task) linkAt(olddirfd, oldAddr, newdirfd, newAddr uint64, flags int) (uint64, error) {
	if flags&^(unix.AT_SYMLINK_FOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return 0, unix.EINVAL
	}
	op, err := t.copyInPath(oldAddr, flags&unix.AT_EMPTY_PATH != 0)
	if err != nil {
		return 0, err
	}
	np, err := t.copyInPath(newAddr, false)
	if err != nil {
		return 0, err
	}
	if op == "" {
		return t.linkFile(olddirfd, newdirfd, np)
	}
	od, orel, err := t.startDir(olddirfd, op)
	if err != nil {
		return 0, err
	}
	defer orel()
	nd, nrel, err := t.startDir(newdirfd, np)
	if err != nil {
		return 0, err
	}
	defer nrel()
	return 0, t.k.cfg.FS.LinkAt(od, op, nd, np, flags&unix.AT_SYMLINK_FOLLOW != 0)
}

func sysLink(t *Task, a [6]uint64) (uint64, error) {
	cwd := uint64(atFDCWD & 0xffffffff)
	return t.linkAt(cwd, a[0], cwd, a[1], 0)
}

func sysLinkat(t *Task, a [6]uint64) (uint64, error) {
	return t.linkAt(a[0], a[1], a[2], a[3], int(a[4]))
}

func (t *Task) chmodAt(dirfd, pathAddr uint64, mode uint32, flags int) (uint64, error) {
	d, p, release, err := t.pathAt(dirfd, pathAddr, false)
	if err != nil {
		return 0, err
	}
	defer release()
	return 0, t.k.cfg.FS.ChmodAt(d, p, mode&0o7777, flags&unix.AT_SYMLINK_NOFOLLOW == 0)
}

func sysChmod(t *Task, a [6]uint64) (uint64, error) {
	return t.chmodAt(uint64(atFDCWD&0xffffffff), a[0], uint32(a[1]), 0)
}

func sysFchmodat(t *Task, a [6]uint64) (uint64, error) {
	return t.chmodAt(a[0], a[1], uint32(a[2]), 0)
}

func sysUmask(t *Task, a [6]uint64) (uint64, error) {
	t.tg.fs.mu.Lock()
	defer t.tg.fs.mu.Unlock()
	old := t.tg.fs.umask
	t.tg.fs.umask = uint32(a[0]) & 0o777
	return uint64(old), nil
}

func sysFtruncate(t *Task, a [6]uint64) (uint64, error) {
	if int64(a[1]) < 0 {
		return 0, unix.EINVAL
	}
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return 0, f.Truncate(int64(a[1]))
}

func sysTruncate(t *Task, a [6]uint64) (uint64, error) {
	if int64(a[1]) < 0 {
		return 0, unix.EINVAL
	}
	p, err := t.copyInPath(a[0], false)
	if err != nil {
		return 0, err
	}
	return 0, t.k.cfg.FS.TruncateAt(t.cwd(), p, int64(a[1]))
}

func sysFsync(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return 0, f.Sync()
}

// sysFadvise64 checks its arguments and otherwise does nothing: advice
// is a hint Linux may ignore too.
func sysFadvise64(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	f.DecRef()
	if a[3] > 5 {
		return 0, unix.EINVAL
	}
	return 0, nil
}

// pathAt reads the path at pathAddr and finds where it starts (see
// startDir): the common head of every *at syscall. release must be called
// after use.
func (t *Task) pathAt(dirfd, pathAddr uint64, allowEmpty bool) (*vfs.Dentry, string, func(), error) {
	p, err := t.copyInPath(pathAddr, allowEmpty)
	if err != nil {
		return nil, "", nil, err
	}
	d, release, err := t.startDir(dirfd, p)
	if err != nil {
		return nil, "", nil, err
	}
	return d, p, release, nil
}

// umask is the process's file-creation mask.
func (t *Task) umask() uint32 {
	t.tg.fs.mu.Lock()
	defer t.tg.fs.mu.Unlock()
	return t.tg.fs.umask
}
