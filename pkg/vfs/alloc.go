package vfs

import (
	"golang.org/x/sys/unix"
)

// allocator is implemented by files that can fallocate.
type allocator interface {
	Allocate(mode uint32, off, length int64) error
}

// Fallocate modes the sandbox serves (linux/falloc.h).
const (
	fallocKeepSize  = 0x01
	fallocPunchHole = 0x02
	fallocZeroRange = 0x10
)

// Fallocate is fallocate(2) for mode 0 (allocate, growing the file),
// FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE|KEEP_SIZE and
// FALLOC_FL_ZERO_RANGE; other modes are EOPNOTSUPP.
func (f *File) Fallocate(mode uint32, off, length int64) error {
	if off < 0 || length <= 0 {
		return unix.EINVAL
	}
	if mode&^(fallocKeepSize|fallocPunchHole|fallocZeroRange) != 0 {
		return unix.EOPNOTSUPP
	}
	if mode&fallocPunchHole != 0 && (mode&fallocKeepSize == 0 || mode&fallocZeroRange != 0) {
		return unix.EOPNOTSUPP
	}
	if f.impl == nil || !f.writable() {
		return unix.EBADF
	}
	if off+length < 0 || off+length > maxMemFileSize {
		return unix.EFBIG
	}
	if f.isDir {
		return unix.EISDIR
	}
	if !f.impl.Seekable() {
		return unix.ESPIPE
	}
	a, ok := f.impl.(allocator)
	if !ok {
		st, err := f.impl.Stat()
		if err != nil {
			return err
		}
		if st.IsRegular() {
			return unix.EOPNOTSUPP
		}
		return unix.ENODEV
	}
	if mode&(fallocPunchHole|fallocZeroRange) == 0 {
		return a.Allocate(mode, off, length)
	}
	return f.cachedResize(func() error { return a.Allocate(mode, off, length) }, off, off+length, -1)
}

func (f *memFile) Allocate(mode uint32, off, length int64) error {
	m := f.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.sealCheck(mode, off+length, m.size); err != nil {
		return err
	}
	end := off + length
	if mode&(fallocPunchHole|fallocZeroRange) != 0 {
		zeroRangeLocked(m, off, min(end, m.size))
	}
	if mode&fallocKeepSize == 0 && end > m.size {
		m.size = end
		t := now()
		m.mtime, m.ctime = t, t
		m.written = true
	}
	return nil
}

// zeroRangeLocked turns [off, end) of m into zeros, dropping whole chunks.
func zeroRangeLocked(m *memInode, off, end int64) {
	for pos := off; pos < end; {
		idx, in := pos/chunkSize, pos%chunkSize
		n := min(end-pos, chunkSize-in)
		if c := m.chunks[idx]; c != nil {
			if n == chunkSize {
				delete(m.chunks, idx)
			} else {
				clear(c[in : in+n])
			}
		}
		pos += n
	}
	if end > off {
		t := now()
		m.mtime, m.ctime = t, t
		m.written = true
	}
}

func (f *hostFile) Allocate(mode uint32, off, length int64) error {
	fd, err := f.useFD()
	if err != nil {
		return err
	}
	defer f.doneFD()
	return unix.Fallocate(fd, mode, off, length)
}

// Readable is FIONREAD for regular files: the bytes between off and the
// end of file.
func (f *File) Readable() (int64, error) {
	if f.impl == nil {
		return 0, unix.EBADF
	}
	if f.isDir {
		return 0, unix.ENOTTY
	}
	if r, ok := f.impl.(interface{ Readable(off int64) int64 }); ok {
		return r.Readable(f.Offset()), nil
	}
	if s, ok := f.impl.(synthFile); ok {
		if r, ok := s.FileImpl.(interface{ Readable(off int64) int64 }); ok {
			return r.Readable(f.Offset()), nil
		}
	}
	st, err := f.impl.Stat()
	if err != nil {
		return 0, err
	}
	if !st.IsRegular() || !f.impl.Seekable() {
		return 0, unix.ENOTTY
	}
	return max(st.Size-f.Offset(), 0), nil
}
