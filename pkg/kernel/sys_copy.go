package kernel

import (
	"encoding/binary"
	"errors"
	"io"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// Handlers moving data between files inside the sentry (sendfile,
// copy_file_range), creating files without a name (memfd_create), and
// the open calls with extended arguments (openat2).

// copyChunk bounds the sentry-side buffer of one in-kernel copy step.
const copyChunk = 256 << 10

// copyData moves up to count bytes from read to write, stopping at end of
// input or a short write; like Linux it reports what moved before an
// error, and the error only if nothing did.
func copyData(count uint64, read func([]byte) (int, error), write func([]byte) (int, error)) (uint64, error) {
	if count > maxRW {
		count = maxRW
	}
	buf := make([]byte, min(count, copyChunk))
	var done uint64
	for done < count {
		b := buf[:min(count-done, uint64(len(buf)))]
		n, rerr := read(b)
		if rerr != nil && !errors.Is(rerr, io.EOF) && n == 0 {
			if done > 0 {
				return done, nil
			}
			return 0, rerr
		}
		if n == 0 {
			break
		}
		w, werr := write(b[:n])
		done += uint64(w)
		if werr != nil {
			if done > 0 {
				return done, nil
			}
			return 0, werr
		}
		if w < n || n < len(b) {
			break
		}
	}
	return done, nil
}

func readable(f *vfs.File) bool {
	acc := f.Flags() & (unix.O_ACCMODE | unix.O_PATH)
	return acc == unix.O_RDONLY || acc == unix.O_RDWR
}

func writable(f *vfs.File) bool {
	acc := f.Flags() & (unix.O_ACCMODE | unix.O_PATH)
	return acc == unix.O_WRONLY || acc == unix.O_RDWR
}

// sysSendfile is sendfile(out_fd, in_fd, offset, count): the input is
// read at *offset (updated) or at its file position.
func sysSendfile(t *Task, a [6]uint64) (uint64, error) {
	out, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	in, err := t.file(a[1])
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	if !readable(in) || !writable(out) {
		return 0, unix.EBADF
	}
	if out.Flags()&unix.O_APPEND != 0 {
		return 0, unix.EINVAL
	}
	if st, err := in.Stat(); err != nil {
		return 0, err
	} else if st.IsDir() {
		return 0, unix.EINVAL
	}
	count := a[3]
	var pos int64
	if a[2] == 0 {
		if pos, err = in.Seek(0, unix.SEEK_CUR); err == unix.ESPIPE {
			return copyData(count, t.reader(in), t.writer(out))
		} else if err != nil {
			return 0, err
		}
	} else {
		off, err := t.readU64(a[2])
		if err != nil {
			return 0, err
		}
		if int64(off) < 0 {
			return 0, unix.EINVAL
		}
		pos = int64(off)
	}
	// The input advances by what the output took, not by what was read:
	// a short write (a full non-blocking socket) must not lose bytes.
	write := t.writer(out)
	n, err := copyData(count, func(b []byte) (int, error) {
		return in.ReadAt(b, pos)
	}, func(b []byte) (int, error) {
		w, err := write(b)
		pos += int64(w)
		return w, err
	})
	if a[2] == 0 {
		if _, serr := in.Seek(pos, unix.SEEK_SET); serr != nil && err == nil {
			return 0, serr
		}
		return n, err
	}
	if werr := t.writeU64(a[2], uint64(pos)); werr != nil && err == nil {
		return 0, werr
	}
	return n, err
}

// sysCopyFileRange is copy_file_range(fd_in, off_in, fd_out, off_out,
// len, flags) between regular files.
func sysCopyFileRange(t *Task, a [6]uint64) (uint64, error) {
	if a[5] != 0 {
		return 0, unix.EINVAL
	}
	in, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	out, err := t.file(a[2])
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	if !readable(in) || !writable(out) || out.Flags()&unix.O_APPEND != 0 {
		return 0, unix.EBADF
	}
	ist, err := in.Stat()
	if err != nil {
		return 0, err
	}
	ost, err := out.Stat()
	if err != nil {
		return 0, err
	}
	if ist.IsDir() || ost.IsDir() {
		return 0, unix.EISDIR
	}
	if !ist.IsRegular() || !ost.IsRegular() {
		return 0, unix.EINVAL
	}
	readOff := func(addr uint64) (int64, bool, error) {
		if addr == 0 {
			return 0, false, nil
		}
		v, err := t.readU64(addr)
		if err == nil && int64(v) < 0 {
			err = unix.EINVAL
		}
		return int64(v), true, err
	}
	inPos, inExplicit, err := readOff(a[1])
	if err != nil {
		return 0, err
	}
	outPos, outExplicit, err := readOff(a[3])
	if err != nil {
		return 0, err
	}
	if !inExplicit {
		inPos = in.Offset()
	}
	if !outExplicit {
		outPos = out.Offset()
	}
	count := a[4]
	if ist.Dev == ost.Dev && ist.Ino == ost.Ino {
		if inPos < outPos+int64(count) && outPos < inPos+int64(count) {
			return 0, unix.EINVAL
		}
	}
	if count == 0 {
		return 0, nil
	}
	// Without an explicit offset the file position is used and moved,
	// through Read and Write, which also serve the sentry's own stdio
	// when the host redirected it to a file.
	ip, op := inPos, outPos
	read, write := in.Read, out.Write
	if inExplicit {
		read = func(b []byte) (int, error) {
			k, err := in.ReadAt(b, ip)
			ip += int64(k)
			return k, err
		}
	}
	if outExplicit {
		write = func(b []byte) (int, error) {
			k, err := out.WriteAt(b, op)
			op += int64(k)
			return k, err
		}
	}
	n, err := copyData(count, read, write)
	if n > 0 {
		if inExplicit {
			_ = t.writeU64(a[1], uint64(ip))
		}
		if outExplicit {
			_ = t.writeU64(a[3], uint64(op))
		}
	}
	return n, err
}

// sysReadahead checks its arguments; the sentry has no page cache to fill.
func sysReadahead(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if !readable(f) {
		return 0, unix.EBADF
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if !st.IsRegular() {
		return 0, unix.EINVAL
	}
	return 0, nil
}

// memfd_create flags (linux/memfd.h).
const (
	mfdCloexec      = 0x1
	mfdAllowSealing = 0x2
	mfdNoexecSeal   = 0x8
	mfdExec         = 0x10
)

func sysMemfdCreate(t *Task, a [6]uint64) (uint64, error) {
	flags := a[1]
	// MFD_HUGETLB is refused too: the sandbox has no huge pages.
	if flags&^(mfdCloexec|mfdAllowSealing|mfdNoexecSeal|mfdExec) != 0 {
		return 0, unix.EINVAL
	}
	if flags&mfdNoexecSeal != 0 && flags&mfdExec != 0 {
		return 0, unix.EINVAL
	}
	// The name is at most 249 bytes (NAME_MAX minus "memfd:").
	name, err := t.tg.mm.CopyInString(a[0], 250)
	if err != nil {
		if errors.Is(err, unix.ENAMETOOLONG) {
			return 0, unix.EINVAL
		}
		return 0, err
	}
	f := t.k.cfg.FS.NewMemFD(name, flags&(mfdAllowSealing|mfdNoexecSeal) != 0)
	fd, err := t.tg.fds.install(f, 0, flags&mfdCloexec != 0, t.tg.limit(unix.RLIMIT_NOFILE))
	if err != nil {
		f.DecRef()
		return 0, err
	}
	return uint64(fd), nil
}

func sysFallocate(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return 0, f.Fallocate(uint32(a[1]), int64(a[2]), int64(a[3]))
}

// openHowSize is sizeof(struct open_how) version 0: flags, mode, resolve.
const openHowSize = 24

// kernelOLargefile is the kernel's O_LARGEFILE (0100000 on amd64 and
// riscv64), which x/sys spells 0 on amd64 because libc does.
const kernelOLargefile = 0o100000

// openat2 flags Linux knows (VALID_OPEN_FLAGS); others are EINVAL there,
// unlike open, which ignores them.
const validOpenFlags = unix.O_ACCMODE | unix.O_CREAT | unix.O_EXCL | unix.O_NOCTTY | unix.O_TRUNC |
	unix.O_APPEND | unix.O_NONBLOCK | unix.O_DSYNC | unix.O_ASYNC | unix.O_DIRECT | kernelOLargefile |
	unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_NOATIME | unix.O_CLOEXEC | unix.O_PATH | unix.O_TMPFILE | unix.O_SYNC

const validResolve = vfs.ResolveNoXdev | vfs.ResolveNoMagiclinks | vfs.ResolveNoSymlinks |
	vfs.ResolveBeneath | vfs.ResolveInRoot | vfs.ResolveCached

func sysOpenat2(t *Task, a [6]uint64) (uint64, error) {
	size := a[3]
	if size < openHowSize {
		return 0, unix.EINVAL
	}
	if size > 4096 {
		return 0, unix.E2BIG
	}
	b := make([]byte, size)
	if err := t.copyIn(a[2], b); err != nil {
		return 0, err
	}
	for _, c := range b[openHowSize:] {
		if c != 0 {
			return 0, unix.E2BIG
		}
	}
	le := binary.LittleEndian
	flags, mode, resolve := le.Uint64(b[0:]), le.Uint64(b[8:]), le.Uint64(b[16:])
	if flags&^uint64(validOpenFlags) != 0 || resolve&^validResolve != 0 {
		return 0, unix.EINVAL
	}
	if resolve&vfs.ResolveBeneath != 0 && resolve&vfs.ResolveInRoot != 0 {
		return 0, unix.EINVAL
	}
	creating := flags&unix.O_CREAT != 0 || flags&unix.O_TMPFILE == unix.O_TMPFILE
	if (creating && mode&^0o7777 != 0) || (!creating && mode != 0) {
		return 0, unix.EINVAL
	}
	if flags&unix.O_PATH != 0 && flags&^uint64(unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC) != 0 {
		return 0, unix.EINVAL
	}
	return t.openAt2(a[0], a[1], int(flags), uint32(mode), resolve)
}

func (t *Task) openAt2(dirfd, pathAddr uint64, flags int, mode uint32, resolve uint64) (uint64, error) {
	p, err := t.copyInPath(pathAddr, false)
	if err != nil {
		return 0, err
	}
	var d *vfs.Dentry
	release := func() {}
	if int32(dirfd) == atFDCWD || (p[0] == '/' && resolve&(vfs.ResolveBeneath|vfs.ResolveInRoot) == 0) {
		d = t.cwd()
	} else {
		f, err := t.file(dirfd)
		if err != nil {
			return 0, err
		}
		d, release = f.Dentry(), f.DecRef
		if d == nil {
			release()
			return 0, unix.ENOTDIR
		}
	}
	defer release()
	creating, err := t.checkOpen(d, p, flags)
	if err != nil {
		return 0, err
	}
	umask := t.umask()
	f, err := t.k.cfg.FS.OpenAt2(d, p, flags, mode&0o7777&^umask, resolve)
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
