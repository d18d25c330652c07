package vfs

import (
	"golang.org/x/sys/unix"
)

// memfd seals (F_SEAL_*).
const (
	SealSeal        = 0x0001
	SealShrink      = 0x0002
	SealGrow        = 0x0004
	SealWrite       = 0x0008
	SealFutureWrite = 0x0010
)

// NewMemFD is memfd_create: an anonymous in-memory regular file (O_RDWR)
// that /proc/PID/fd shows as "/memfd:NAME (deleted)". Without
// allowSealing the file is born sealed against new seals.
func (fs *FS) NewMemFD(name string, allowSealing bool) *File {
	m := &memInode{ino: fs.nextIno.Add(1), dev: fs.root.mnt.dev, typ: unix.S_IFREG, mode: 0777, nlink: 0, acct: fs.charger}
	t := now()
	m.atime, m.mtime, m.ctime = t, t, t
	impl := newMemFile(m, true)
	if !allowSealing {
		m.seals = SealSeal
	}
	f := NewFile(impl, unix.O_RDWR, "/memfd:"+name+" (deleted)")
	f.fs = fs
	return f
}

// Seals returns a memfd's seals (F_GET_SEALS); EINVAL for other files.
func (f *File) Seals() (int, error) {
	mf, ok := f.impl.(*memFile)
	if !ok || !mf.memfd {
		return 0, unix.EINVAL
	}
	mf.m.mu.Lock()
	defer mf.m.mu.Unlock()
	return mf.m.seals, nil
}

// AddSeals is F_ADD_SEALS.
func (f *File) AddSeals(seals int) error {
	mf, ok := f.impl.(*memFile)
	if !ok || !mf.memfd {
		return unix.EINVAL
	}
	if seals&^(SealSeal|SealShrink|SealGrow|SealWrite|SealFutureWrite) != 0 {
		return unix.EINVAL
	}
	if !f.writable() {
		return unix.EPERM
	}
	if seals&SealWrite != 0 && f.fs != nil && f.fs.mappedWritable(mf.m) {
		return unix.EBUSY
	}
	mf.m.mu.Lock()
	defer mf.m.mu.Unlock()
	if mf.m.seals&SealSeal != 0 {
		return unix.EPERM
	}
	mf.m.seals |= seals
	return nil
}

// sealCheck refuses a change of m that its seals forbid: writing (or
// allocating) up to end when the size is size. Caller holds m.mu.
func (f *memFile) sealCheck(_ uint32, end, size int64) error {
	s := f.m.seals
	if s&(SealWrite|SealFutureWrite) != 0 {
		return unix.EPERM
	}
	if s&SealGrow != 0 && end > size {
		return unix.EPERM
	}
	return nil
}
