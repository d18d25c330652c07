package vfs

import (
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// stdioFile is one of the sentry's own fds 0, 1, 2 given to the
// application as its stdin, stdout or stderr. I/O goes straight to that
// host fd (the sentry acting on its own fd, never the app), with the host
// fd's own offset, so output interleaves correctly with the sentry's.
type stdioFile struct {
	fd       int
	tty      bool
	nonblock atomic.Bool
}

// NewHostStdio wraps the sentry's own fd (0, 1 or 2) as a File. Its last
// DecRef does not close fd.
func NewHostStdio(fd int, name string) *File {
	impl := &stdioFile{fd: fd}
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	impl.tty = err == nil
	flags := unix.O_RDWR
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err == nil {
		flags = fl & (unix.O_ACCMODE | unix.O_APPEND)
	}
	return NewFile(impl, flags, stdioName(fd, name))
}

// stdioName is what /proc/PID/fd shows for a stdio fd: what Linux would
// show for the host object behind it when that says nothing about the
// host's tree (a pipe, a socket, /dev/null), else name.
func stdioName(fd int, name string) string {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return name
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFIFO:
		return fmt.Sprintf("pipe:[%d]", st.Ino)
	case unix.S_IFSOCK:
		return fmt.Sprintf("socket:[%d]", st.Ino)
	case unix.S_IFCHR:
		if st.Rdev == unix.Mkdev(1, 3) {
			return "/dev/null"
		}
	}
	return name
}

// wait reports EAGAIN when the app asked for non-blocking I/O and the host
// fd is not ready; the host fd itself stays blocking because it is the
// sentry's (and maybe its terminal's).
func (f *stdioFile) wait(events int16) error {
	if !f.nonblock.Load() {
		return nil
	}
	pfd := []unix.PollFd{{Fd: int32(f.fd), Events: events}}
	for {
		n, err := unix.Poll(pfd, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return unix.EAGAIN
		}
		return nil
	}
}

func (f *stdioFile) ReadAt(p []byte, _ int64) (int, error) {
	if err := f.wait(unix.POLLIN); err != nil {
		return 0, err
	}
	for {
		n, err := unix.Read(f.fd, p)
		if err == unix.EINTR {
			continue
		}
		return max(n, 0), err
	}
}

func (f *stdioFile) WriteAt(p []byte, _ int64) (int, error) {
	if err := f.wait(unix.POLLOUT); err != nil {
		return 0, err
	}
	for {
		n, err := unix.Write(f.fd, p)
		if err == unix.EINTR {
			continue
		}
		return max(n, 0), err
	}
}

func (f *stdioFile) Seek(off int64, whence int) (int64, error) {
	return unix.Seek(f.fd, off, whence)
}

func (f *stdioFile) SetFlags(flags int) { f.nonblock.Store(flags&unix.O_NONBLOCK != 0) }

func (f *stdioFile) Stat() (Stat, error) {
	var st unix.Stat_t
	if err := unix.Fstat(f.fd, &st); err != nil {
		return Stat{}, err
	}
	return statFromHost(&st), nil
}

func (f *stdioFile) Truncate(size int64) error { return unix.Ftruncate(f.fd, size) }
func (f *stdioFile) Sync() error               { return unix.Fsync(f.fd) }
func (f *stdioFile) Seekable() bool            { return false }
func (f *stdioFile) Release()                  {}
func (f *stdioFile) IsTerminal() bool          { return f.tty }
func (f *stdioFile) HostFD() int               { return f.fd }

// Readable is FIONREAD, asked of the sentry's own fd (what a terminal or
// pipe behind it holds).
func (f *stdioFile) Readable(int64) int64 {
	n, err := unix.IoctlGetInt(f.fd, 0x541b) // FIONREAD
	if err != nil {
		return 0
	}
	return int64(n)
}
