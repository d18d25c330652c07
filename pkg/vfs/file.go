package vfs

import (
	"io"
	"math"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// FileImpl is the behaviour of one kind of open object behind a File:
// in-memory and host files, directories, devices, and (from other
// packages) pipes, sockets, the sentry's own stdio and synthetic files.
//
// ReadAt and WriteAt take the file position; a non-seekable implementation
// (a stream) ignores it. ReadAt reports end of file with a short count and
// a nil error (never io.EOF). Errors are unix.Errno.
type FileImpl interface {
	ReadAt(p []byte, off int64) (int, error)
	WriteAt(p []byte, off int64) (int, error)
	Stat() (Stat, error)
	Truncate(size int64) error
	Sync() error
	// Seekable is false for streams: lseek fails with ESPIPE and reads and
	// writes do not move the offset.
	Seekable() bool
	// Release frees what the implementation holds; called once, on the
	// last DecRef.
	Release()
}

// appender is implemented by files that can append atomically; it returns
// the end of file after the write.
type appender interface {
	Append(p []byte) (int, int64, error)
}

// seeker is implemented by streams that keep their own offset (stdio that
// the host redirected from a file, pkg/epoll).
type seeker interface {
	Seek(off int64, whence int) (int64, error)
}

// flagSetter is implemented by files that mirror status flags to the host.
type flagSetter interface {
	SetFlags(flags int)
}

// terminal is implemented by files that may be terminals or host fds.
type terminal interface {
	IsTerminal() bool
	HostFD() int
}

// settableFlags are the status flags fcntl(F_SETFL) may change.
const settableFlags = unix.O_APPEND | unix.O_NONBLOCK | unix.O_ASYNC | unix.O_DIRECT | unix.O_NOATIME

// File is an open file description: what a file descriptor refers to,
// shared by dup and fork. It holds the offset and status flags and is
// reference counted; the last DecRef releases the host resources.
type File struct {
	refs   atomic.Int64
	fs     *FS
	dentry *Dentry  // nil for anonymous files (stdio, pipes)
	impl   FileImpl // nil for O_PATH
	isDir  bool
	name   string
	// gate is its write or execution hold (writedeny.go), set at open,
	// given back by the last DecRef.
	gate *gateHold

	// heldLocks is set once an OFD or flock lock was taken through f,
	// so its last DecRef releases them.
	heldLocks     atomic.Bool
	anonLocksOnce sync.Once
	anonLocks     *lockTable

	// The object's identity for page caches (pagecache.go), found once:
	// it never changes for an open file.
	cacheKeyOnce sync.Once
	cacheKeyVal  any

	// acct is what the description's own structures are charged to
	// (file_charge.go), set once by ChargeOnce; the last DecRef gives
	// the charge back.
	acct atomic.Pointer[fileCharge]

	mu      sync.Mutex // guards off, flags, dirents, owner
	off     int64
	flags   int
	dirents []Dirent // directory snapshot, taken at offset 0
	owner   Owner    // fcntl F_SETOWN (owner.go)
}

// NewFile returns a File (one reference) for an implementation provided by
// another package, e.g. a pipe end or a socket. name is what
// /proc/PID/fd shows for it ("pipe:[12]").
func NewFile(impl FileImpl, flags int, name string) *File {
	f := &File{impl: impl, flags: flags, name: name}
	f.refs.Store(1)
	return f
}

// IncRef adds a reference.
func (f *File) IncRef() { f.refs.Add(1) }

// DecRef drops a reference; the last one releases the file.
func (f *File) DecRef() {
	if f.refs.Add(-1) != 0 {
		return
	}
	if f.impl != nil {
		if f.heldLocks.Load() {
			f.releaseFileLocks()
		}
		f.impl.Release()
	}
	f.releaseGate()
	f.uncharge()
}

// Dentry returns where the file was opened, for fchdir and *at(dirfd); nil
// for anonymous files.
func (f *File) Dentry() *Dentry { return f.dentry }

// Name returns the file's guest path, or the name it was created with.
func (f *File) Name() string {
	if f.dentry != nil {
		return f.dentry.Path()
	}
	return f.name
}

// Offset returns the file position (fdinfo's pos).
func (f *File) Offset() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.off
}

// Impl returns the implementation, so that the package providing it can
// reach its own type (a socket's, a pipe's).
func (f *File) Impl() FileImpl {
	if s, ok := f.impl.(synthFile); ok {
		// What a synthetic filesystem opened, without the st_dev
		// wrapper, so the kernel sees its own types.
		return s.FileImpl
	}
	return f.impl
}

// Flags returns the access mode and status flags.
func (f *File) Flags() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.flags
}

// SetFlags changes the status flags fcntl(F_SETFL) may change; the access
// mode and the other flags are kept.
func (f *File) SetFlags(flags int) {
	f.mu.Lock()
	f.flags = f.flags&^settableFlags | flags&settableFlags
	nf := f.flags
	f.mu.Unlock()
	if s, ok := f.impl.(flagSetter); ok {
		s.SetFlags(nf)
	}
}

// IsTerminal reports whether the file is a host terminal (stdio).
func (f *File) IsTerminal() bool {
	t, ok := f.impl.(terminal)
	return ok && t.IsTerminal()
}

// HostFD returns the sentry's own fd behind a stdio file, so the kernel can
// serve terminal ioctls on it; false for every other file.
func (f *File) HostFD() (int, bool) {
	if t, ok := f.impl.(terminal); ok {
		return t.HostFD(), true
	}
	return -1, false
}

func (f *File) readable() bool {
	acc := f.flags & unix.O_ACCMODE
	return f.impl != nil && (acc == unix.O_RDONLY || acc == unix.O_RDWR)
}

func (f *File) writable() bool {
	acc := f.flags & unix.O_ACCMODE
	return f.impl != nil && (acc == unix.O_WRONLY || acc == unix.O_RDWR)
}

// Read reads at the file offset and advances it.
func (f *File) Read(p []byte) (int, error) {
	if f.impl != nil && f.isDir {
		return 0, unix.EISDIR
	}
	if !f.readable() {
		return 0, unix.EBADF
	}
	if !f.impl.Seekable() {
		return f.impl.ReadAt(p, -1)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.cachedRead(p, f.off)
	f.off += int64(n)
	return n, err
}

// Write writes at the file offset (at the end with O_APPEND) and advances
// it.
func (f *File) Write(p []byte) (int, error) {
	if !f.writable() {
		return 0, unix.EBADF
	}
	if !f.impl.Seekable() {
		return f.impl.WriteAt(p, -1)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.flags&unix.O_APPEND != 0 {
		if a, ok := f.impl.(appender); ok {
			n, end, err := f.cachedAppend(a, p)
			f.off = end
			return n, err
		}
	}
	n, err := f.cachedWriteAt(p, f.off)
	f.off += int64(n)
	return n, err
}

// ReadAt is pread: it does not use or move the offset. Like os.File it
// returns io.EOF when it reads less than len(p) because the file ends,
// which makes a File usable as the backing of a file mapping.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if f.impl != nil && f.isDir {
		return 0, unix.EISDIR
	}
	if !f.readable() {
		return 0, unix.EBADF
	}
	if !f.impl.Seekable() {
		return 0, unix.ESPIPE
	}
	if off < 0 {
		return 0, unix.EINVAL
	}
	n := 0
	for n < len(p) {
		k, err := f.cachedRead(p[n:], off+int64(n))
		n += k
		if err != nil {
			return n, err
		}
		if k == 0 {
			return n, io.EOF
		}
	}
	return n, nil
}

// WriteAt is pwrite; as on Linux, a file opened with O_APPEND appends
// whatever off says.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if !f.writable() {
		return 0, unix.EBADF
	}
	if !f.impl.Seekable() {
		return 0, unix.ESPIPE
	}
	if off < 0 {
		return 0, unix.EINVAL
	}
	if f.Flags()&unix.O_APPEND != 0 {
		if a, ok := f.impl.(appender); ok {
			n, _, err := f.cachedAppend(a, p)
			return n, err
		}
	}
	return f.cachedWriteAt(p, off)
}

// Seek is lseek.
func (f *File) Seek(off int64, whence int) (int64, error) {
	if f.impl == nil {
		return 0, unix.EBADF
	}
	if s, ok := f.impl.(seeker); ok {
		return s.Seek(off, whence)
	}
	if !f.impl.Seekable() {
		return 0, unix.ESPIPE
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var base int64
	switch whence {
	case unix.SEEK_SET:
	case unix.SEEK_CUR:
		base = f.off
	case unix.SEEK_END, unix.SEEK_DATA, unix.SEEK_HOLE:
		if f.isDir {
			return 0, unix.EINVAL
		}
		st, err := f.impl.Stat()
		if err != nil {
			return 0, err
		}
		if whence == unix.SEEK_END {
			base = st.Size
			break
		}
		// Every file here is all data: the only hole is the one at EOF.
		if off < 0 || off >= st.Size {
			return 0, unix.ENXIO
		}
		if whence == unix.SEEK_HOLE {
			off = st.Size
		}
	default:
		return 0, unix.EINVAL
	}
	if (off > 0 && base > math.MaxInt64-off) || base+off < 0 {
		return 0, unix.EINVAL
	}
	n := base + off
	if f.isDir && n == 0 {
		f.dirents = nil // rewinddir sees the directory anew
	}
	f.off = n
	return n, nil
}

// Stat is fstat.
func (f *File) Stat() (Stat, error) {
	if f.impl == nil {
		if f.dentry == nil {
			return Stat{}, unix.EBADF
		}
		return f.dentry.Stat()
	}
	st, err := f.impl.Stat()
	if d := f.dentry; err == nil && d != nil && d.host != nil && d.mnt.kind == kindHost {
		st = f.fs.vol.apply(st)
	}
	return st, err
}

// Truncate is ftruncate.
func (f *File) Truncate(size int64) error {
	if f.impl == nil {
		return unix.EBADF
	}
	if !f.writable() || f.isDir {
		return unix.EINVAL
	}
	if size < 0 {
		return unix.EINVAL
	}
	return f.cachedResize(func() error { return f.impl.Truncate(size) }, size, -1, size)
}

// Sync is fsync: volume files are really synced to the host disk.
func (f *File) Sync() error {
	if f.impl == nil {
		return unix.EBADF
	}
	f.cachedSync()
	return f.impl.Sync()
}

// Getdents returns the next directory entries, "." and ".." included, as
// many as fit in max bytes of struct linux_dirent64 (EINVAL if not even
// one fits). Offsets are stable: the listing is a snapshot taken at
// offset 0 (open or rewind), merging the overlay's layers.
func (f *File) Getdents(max int) ([]Dirent, error) {
	if f.impl == nil {
		return nil, unix.EBADF
	}
	if !f.isDir {
		return nil, unix.ENOTDIR
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dirents == nil {
		ents, err := f.fs.listDir(f.dentry)
		if err != nil {
			return nil, err
		}
		f.dirents = ents
	}
	var out []Dirent
	used := 0
	for i := f.off; i >= 0 && i < int64(len(f.dirents)); i++ {
		e := f.dirents[i]
		e.Off = i + 1
		if used+e.RecLen() > max {
			if len(out) == 0 {
				return nil, unix.EINVAL
			}
			break
		}
		used += e.RecLen()
		out = append(out, e)
	}
	f.off += int64(len(out))
	return out, nil
}
