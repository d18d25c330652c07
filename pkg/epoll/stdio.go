package epoll

import (
	"fmt"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// Host stdio: the sentry's own fds 0, 1 and 2 given to the application as
// its stdin, stdout and stderr. They live here rather than in pkg/vfs for
// the reason pipes do: a host pipe, socket or terminal behind them must be
// a Waitable, so that a task reading an empty one waits in the kernel's
// interruptible wait (a signal gives EINTR or a restart, as on Linux)
// instead of inside a host read that only the writer can end.
//
// I/O goes straight to the host fd (the sentry acting on its own fd, never
// the app), with the host fd's own offset, so output interleaves with the
// sentry's. The host file description is shared with the user's shell, so
// it is never changed: no O_NONBLOCK on it (a read is issued only once
// host poll says it will not block), no ftruncate, and no lseek of a
// description the sandbox can write (see Seek).

// hostChunk bounds one host write to a pollable fd: a pipe that polls
// writable has room for PIPE_BUF bytes, so a write of at most that many
// does not block.
const hostChunk = 4096

// stdioFile is host stdio on a regular file or a device without poll
// (/dev/null): always ready, so reads and writes go straight through.
type stdioFile struct {
	fd       int
	tty      bool
	readOnly bool // the host description is O_RDONLY
	owned    bool // the last DecRef closes fd (NewOwnedHostFile)
}

// stdioWaitable is host stdio on a pipe, FIFO, socket or terminal.
type stdioWaitable struct {
	stdioFile
	q     Queue
	watch *hostWatch
}

// NewHostStdio wraps the sentry's own fd (0, 1 or 2) as a File. Its last
// DecRef does not close fd.
func NewHostStdio(fd int, name string) *vfs.File {
	return newHostStdio(stdioFile{fd: fd}, name)
}

// NewOwnedHostFile wraps a host fd the sentry received for an application
// process's stdio (an OCI exec's pipes or terminal) as NewHostStdio does,
// except that the file owns fd: its last DecRef closes it, once no host
// watch can poll that fd number any more.
func NewOwnedHostFile(fd int, name string) *vfs.File {
	return newHostStdio(stdioFile{fd: fd, owned: true}, name)
}

func newHostStdio(base stdioFile, name string) *vfs.File {
	impl, flags := hostStdioImpl(base)
	return vfs.NewFile(impl, flags, stdioName(base.fd, name))
}

// OpenHostTerminal is a new description of the sentry's own terminal fd
// (one of its stdio), for an open of the name the sandbox shows it by
// (/dev/pts/N): it shares the host fd and never closes it.
func OpenHostTerminal(fd int) vfs.FileImpl {
	impl, _ := hostStdioImpl(stdioFile{fd: fd})
	return impl
}

// hostStdioImpl is the implementation for base's host fd (waitable when
// the host can tell its readiness) and the status flags it has.
func hostStdioImpl(base stdioFile) (vfs.FileImpl, int) {
	fd := base.fd
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	base.tty = err == nil
	flags := unix.O_RDWR
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err == nil {
		flags = fl & (unix.O_ACCMODE | unix.O_APPEND)
	}
	base.readOnly = flags&unix.O_ACCMODE == unix.O_RDONLY
	var impl vfs.FileImpl = &base
	var st unix.Stat_t
	if unix.Fstat(fd, &st) == nil {
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFIFO, unix.S_IFSOCK:
			impl = newStdioWaitable(base)
		case unix.S_IFCHR:
			if base.tty {
				impl = newStdioWaitable(base)
			}
		}
	}
	return impl, flags
}

func newStdioWaitable(base stdioFile) *stdioWaitable {
	w := &stdioWaitable{stdioFile: base}
	w.watch = newHostWatch(base.fd, &w.q)
	return w
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
		if n, ok := HostPTSIndex(&st); ok {
			// The sandbox's devpts shows the host terminal under its
			// own number (the kernel's devpts), so ttyname(3) finds it.
			return fmt.Sprintf("/dev/pts/%d", n)
		}
	}
	return name
}

// ptsMajor is UNIX98_PTY_SLAVE_MAJOR: the host's /dev/pts/N is (136, N).
const ptsMajor = 136

// HostPTSIndex is N when st is the host's /dev/pts/N.
func HostPTSIndex(st *unix.Stat_t) (int, bool) {
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != ptsMajor {
		return 0, false
	}
	return int(unix.Minor(st.Rdev)), true
}

func (f *stdioFile) ReadAt(p []byte, _ int64) (int, error) {
	for {
		n, err := unix.Read(f.fd, p)
		if err == unix.EINTR {
			continue
		}
		return max(n, 0), err
	}
}

func (f *stdioFile) WriteAt(p []byte, _ int64) (int, error) {
	for {
		n, err := unix.Write(f.fd, p)
		if err == unix.EINTR {
			continue
		}
		return max(n, 0), err
	}
}

// Seek moves the host offset only of a description the sandbox cannot
// write (stdin redirected from a file): that changes nothing but what is
// read next, as it would natively (head(1) seeks back what it read
// ahead). On a writable one an lseek would let the application overwrite
// what it already wrote to the user's file, so it is a stream there, as
// pread, pwrite and fallocate already are: ESPIPE.
func (f *stdioFile) Seek(off int64, whence int) (int64, error) {
	if !f.readOnly {
		return 0, unix.ESPIPE
	}
	return unix.Seek(f.fd, off, whence)
}

func (f *stdioFile) Stat() (vfs.Stat, error) {
	var st unix.Stat_t
	if err := unix.Fstat(f.fd, &st); err != nil {
		return vfs.Stat{}, err
	}
	return vfs.StatFromHost(&st), nil
}

// Truncate is EINVAL, what ftruncate says of a file that is not a regular
// one: the file behind stdout is the user's, not the sandbox's to empty.
func (f *stdioFile) Truncate(int64) error { return unix.EINVAL }
func (f *stdioFile) Sync() error          { return unix.Fsync(f.fd) }
func (f *stdioFile) Seekable() bool       { return false }
func (f *stdioFile) IsTerminal() bool     { return f.tty }
func (f *stdioFile) HostFD() int          { return f.fd }

// Release closes fd only if the file owns it (NewOwnedHostFile).
func (f *stdioFile) Release() {
	if f.owned {
		unix.Close(f.fd)
	}
}

// Readable is FIONREAD, asked of the sentry's own fd (what a terminal or
// pipe behind it holds).
func (f *stdioFile) Readable(int64) int64 {
	n, err := unix.IoctlGetInt(f.fd, 0x541b) // FIONREAD
	if err != nil {
		return 0
	}
	return int64(n)
}

// ReadAt never blocks: EAGAIN until the host fd polls readable (or hung
// up, when the read reports the end of file).
func (f *stdioWaitable) ReadAt(p []byte, off int64) (int, error) {
	if !f.readDirectly() && hostReadiness(f.fd, EventIn) == 0 {
		return 0, unix.EAGAIN
	}
	n, err := f.stdioFile.ReadAt(p, off)
	f.watch.poke()
	return n, err
}

// readDirectly reports a terminal whose read must be issued rather than
// waited for: in non-canonical mode with VMIN 0, where the read returns
// within VTIME even with nothing typed and never polls readable in the
// meantime; and when the sentry is in a background group of its
// controlling terminal, where the read is what makes the host stop the
// sentry with SIGTTIN (as it stops a native reader at once), while a
// poll would wait for input meant for the foreground.
func (f *stdioWaitable) readDirectly() bool {
	if !f.tty {
		return false
	}
	if fg, err := unix.IoctlGetInt(f.fd, unix.TIOCGPGRP); err == nil && fg != unix.Getpgrp() {
		return true
	}
	tio, err := unix.IoctlGetTermios(f.fd, unix.TCGETS)
	return err == nil && tio.Lflag&unix.ICANON == 0 && tio.Cc[unix.VMIN] == 0
}

// WriteAt never blocks: EAGAIN until the host fd polls writable, then at
// most hostChunk bytes.
func (f *stdioWaitable) WriteAt(p []byte, off int64) (int, error) {
	if hostReadiness(f.fd, EventOut) == 0 {
		return 0, unix.EAGAIN
	}
	n, err := f.stdioFile.WriteAt(p[:min(len(p), hostChunk)], off)
	f.watch.poke()
	return n, err
}

func (f *stdioWaitable) Readiness(mask EventMask) EventMask {
	return hostReadiness(f.fd, mask) & (mask | EventErr | EventHup)
}

func (f *stdioWaitable) EventRegister(e *Entry)   { f.watch.register(e) }
func (f *stdioWaitable) EventUnregister(e *Entry) { f.watch.unregister(e) }

// Release tells the watchers the file is gone and retires the host watch
// (a watcher told so need not unregister).
func (f *stdioWaitable) Release() {
	f.q.Release()
	f.watch.release(f.owned)
}
