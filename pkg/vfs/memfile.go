package vfs

import "golang.org/x/sys/unix"

// memFile is an open in-memory regular file.
type memFile struct {
	m     *memInode
	memfd bool // made by memfd_create: may carry seals
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	return f.m.readAtLocked(p, off), nil
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.sealCheck(0, off+int64(len(p)), f.m.size); err != nil {
		return 0, err
	}
	return f.m.writeAtLocked(p, off)
}

func (f *memFile) Append(p []byte) (int, int64, error) {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.sealCheck(0, f.m.size+int64(len(p)), f.m.size); err != nil {
		return 0, f.m.size, err
	}
	n, err := f.m.writeAtLocked(p, f.m.size)
	return n, f.m.size, err
}

func (f *memFile) Stat() (Stat, error) { return f.m.stat(), nil }

func (f *memFile) Truncate(size int64) error {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if s := f.m.seals; (s&SealShrink != 0 && size < f.m.size) || (s&SealGrow != 0 && size > f.m.size) {
		return unix.EPERM
	}
	return f.m.truncateLocked(size)
}

func (f *memFile) Sync() error    { return nil }
func (f *memFile) Seekable() bool { return true }

// Release closes one open file description of the file.
func (f *memFile) Release() {
	f.m.mu.Lock()
	f.m.opens--
	f.m.releaseIfGoneLocked()
	f.m.mu.Unlock()
}

// hostFile is an open host regular file: a lower file opened for reading,
// or a volume file.
type hostFile struct {
	fd     int
	dev    uint64        // st_dev to report instead of the host's; 0 keeps it
	budget *hostFDBudget // charged for fd (hostfds.go); nil: not charged
}

func (f *hostFile) ReadAt(p []byte, off int64) (int, error) {
	for {
		n, err := unix.Pread(f.fd, p, off)
		if err == unix.EINTR {
			continue
		}
		return max(n, 0), err
	}
}

func (f *hostFile) WriteAt(p []byte, off int64) (int, error) {
	for {
		n, err := unix.Pwrite(f.fd, p, off)
		if err == unix.EINTR {
			continue
		}
		return max(n, 0), err
	}
}

// Append relies on the host fd's own O_APPEND, which SetFlags keeps in
// step with the File's, so appends from several writers do not interleave.
func (f *hostFile) Append(p []byte) (int, int64, error) {
	n, err := unix.Write(f.fd, p)
	if err != nil {
		return max(n, 0), 0, err
	}
	end, err := unix.Seek(f.fd, 0, unix.SEEK_CUR)
	return n, end, err
}

func (f *hostFile) SetFlags(flags int) {
	fl, err := unix.FcntlInt(uintptr(f.fd), unix.F_GETFL, 0)
	if err != nil {
		return
	}
	fl = fl&^unix.O_APPEND | flags&unix.O_APPEND
	unix.FcntlInt(uintptr(f.fd), unix.F_SETFL, fl)
}

func (f *hostFile) Stat() (Stat, error) {
	var st unix.Stat_t
	if err := unix.Fstat(f.fd, &st); err != nil {
		return Stat{}, err
	}
	s := statFromHost(&st)
	if f.dev != 0 {
		s.Dev = f.dev
	}
	return s, nil
}

func (f *hostFile) Truncate(size int64) error { return unix.Ftruncate(f.fd, size) }
func (f *hostFile) Sync() error               { return unix.Fsync(f.fd) }
func (f *hostFile) Seekable() bool            { return true }

// Release closes the host fd and gives it back to the budget it came from.
func (f *hostFile) Release() {
	unix.Close(f.fd)
	if f.budget != nil {
		f.budget.release()
	}
}

// Compile-time checks that the implementations fit.
var (
	_ FileImpl = (*memFile)(nil)
	_ appender = (*memFile)(nil)
	_ FileImpl = (*hostFile)(nil)
	_ appender = (*hostFile)(nil)
)
