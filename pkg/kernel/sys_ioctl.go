package kernel

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/signals"
)

// Generic fd requests (asm-generic/ioctls.h); x/sys/unix names only some.
const (
	fioclex  = 0x5451
	fionclex = 0x5450
	fionbio  = 0x5421
	fionread = 0x541b
)

// sysIoctl serves the generic fd requests itself, those of
// pseudo-terminals from their state (tty.go), and the terminal ones on
// stdio by asking the sentry's own terminal: stdio is the sentry's, so its
// terminal state is the true answer. Job control (process groups,
// sessions) is the kernel's on every terminal. Nothing else reaches a
// host fd.
func sysIoctl(t *Task, a [6]uint64) (uint64, error) {
	fd := int32(a[0])
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	req, arg := uint32(a[1]), a[2]
	switch req {
	case fioclex:
		return 0, t.tg.fds.setCloexec(fd, true)
	case fionclex:
		return 0, t.tg.fds.setCloexec(fd, false)
	case fionread:
		n, err := f.Readable()
		if err != nil {
			return 0, err
		}
		return 0, t.writeU32(arg, uint32(min(n, 1<<31-1)))
	case fionbio:
		v, err := t.readU32(arg)
		if err != nil {
			return 0, err
		}
		fl := f.Flags() &^ unix.O_NONBLOCK
		if v != 0 {
			fl |= unix.O_NONBLOCK
		}
		f.SetFlags(fl)
		return 0, nil
	}
	if r, ok, err := t.netIoctl(f, req, arg); ok {
		return r, err
	}
	switch impl := f.Impl().(type) {
	case *ptyMaster:
		return t.ptyIoctl(impl.p, true, req, arg)
	case *ptySlave:
		return t.ptyIoctl(impl.p, false, req, arg)
	}
	host, ok := f.HostFD()
	if !ok || !f.IsTerminal() {
		return 0, unix.ENOTTY
	}
	j := t.ttyOf(f)
	if r, ok, err := t.jobIoctl(j, false, req, arg); ok {
		return r, err
	}
	switch req {
	case unix.TCGETS:
		tio, err := unix.IoctlGetTermios(host, unix.TCGETS)
		if err != nil {
			return 0, err
		}
		return 0, t.copyOutObj(arg, &linux.Termios{InputFlags: tio.Iflag, OutputFlags: tio.Oflag, ControlFlags: tio.Cflag,
			LocalFlags: tio.Lflag, LineDiscipline: tio.Line, ControlCharacters: tio.Cc})
	case unix.TCSETS, unix.TCSETSW, unix.TCSETSF:
		if err := t.ttyCheck(j, signals.SIGTTOU); err != nil {
			return 0, err
		}
		tio, err := unix.IoctlGetTermios(host, unix.TCGETS)
		if err != nil {
			return 0, err
		}
		var in linux.Termios
		if err := t.copyInObj(arg, &in); err != nil {
			return 0, err
		}
		// struct termios has no speeds: the host's stay as they are.
		tio.Iflag, tio.Oflag, tio.Cflag, tio.Lflag, tio.Line, tio.Cc = in.InputFlags, in.OutputFlags, in.ControlFlags, in.LocalFlags, in.LineDiscipline, in.ControlCharacters
		return 0, unix.IoctlSetTermios(host, uint(req), tio)
	case unix.TIOCGWINSZ:
		ws, err := unix.IoctlGetWinsize(host, unix.TIOCGWINSZ)
		if err != nil {
			return 0, err
		}
		return 0, t.copyOutObj(arg, &linux.Winsize{Row: ws.Row, Col: ws.Col, Xpixel: ws.Xpixel, Ypixel: ws.Ypixel})
	}
	return 0, unix.ENOTTY
}
