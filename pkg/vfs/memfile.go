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
// or a volume file. A file of the overlay's lower layer (read-only, never
// changed by the sandbox) may be parked: its fd closed by the budget
// when the budget is spent, and reopened by its next use (hostfds.go).
type hostFile struct {
	fd     int
	dev    uint64        // st_dev to report instead of the host's; 0 keeps it
	budget *hostFDBudget // charged for fd (hostfds.go); nil: not charged
	park   *parking      // nil: fd stays open until Release
}

// useFD returns the fd to use until doneFD, reopening a parked file
// first.
func (f *hostFile) useFD() (int, error) {
	if f.park == nil {
		return f.fd, nil
	}
	return f.park.use(f)
}

func (f *hostFile) doneFD() {
	if f.park != nil {
		f.park.mu.RUnlock()
	}
}

func (f *hostFile) ReadAt(p []byte, off int64) (int, error) {
	fd, err := f.useFD()
	if err != nil {
		return 0, err
	}
	defer f.doneFD()
	for {
		n, err := unix.Pread(fd, p, off)
		if err == unix.EINTR {
			continue
		}
		return max(n, 0), err
	}
}

func (f *hostFile) WriteAt(p []byte, off int64) (int, error) {
	fd, err := f.useFD()
	if err != nil {
		return 0, err
	}
	defer f.doneFD()
	for {
		n, err := unix.Pwrite(fd, p, off)
		if err == unix.EINTR {
			continue
		}
		return max(n, 0), err
	}
}

// Append relies on the host fd's own O_APPEND, which SetFlags keeps in
// step with the File's, so appends from several writers do not interleave.
// (Parked files are read-only: they never append.)
func (f *hostFile) Append(p []byte) (int, int64, error) {
	fd, err := f.useFD()
	if err != nil {
		return 0, 0, err
	}
	defer f.doneFD()
	n, err := unix.Write(fd, p)
	if err != nil {
		return max(n, 0), 0, err
	}
	end, err := unix.Seek(fd, 0, unix.SEEK_CUR)
	return n, end, err
}

func (f *hostFile) SetFlags(flags int) {
	if f.park != nil {
		return // read-only: O_APPEND changes nothing
	}
	fl, err := unix.FcntlInt(uintptr(f.fd), unix.F_GETFL, 0)
	if err != nil {
		return
	}
	fl = fl&^unix.O_APPEND | flags&unix.O_APPEND
	unix.FcntlInt(uintptr(f.fd), unix.F_SETFL, fl)
}

func (f *hostFile) Stat() (Stat, error) {
	fd, err := f.useFD()
	if err != nil {
		return Stat{}, err
	}
	defer f.doneFD()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return Stat{}, err
	}
	s := statFromHost(&st)
	if f.dev != 0 {
		s.Dev = f.dev
	}
	return s, nil
}

func (f *hostFile) Truncate(size int64) error {
	fd, err := f.useFD()
	if err != nil {
		return err
	}
	defer f.doneFD()
	return unix.Ftruncate(fd, size)
}

func (f *hostFile) Sync() error {
	fd, err := f.useFD()
	if err != nil {
		return err
	}
	defer f.doneFD()
	return unix.Fsync(fd)
}

func (f *hostFile) Seekable() bool { return true }

// Release closes the host fd and gives it back to the budget it came from.
func (f *hostFile) Release() {
	if f.park != nil {
		f.park.release(f)
		return
	}
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
