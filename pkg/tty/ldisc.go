// Package tty is the line discipline of the sandbox's pseudo-terminals:
// Linux's n_tty reduced to what programs and job control rely on —
// canonical lines with erase, kill and end-of-file, echo, CR/NL mapping,
// NL to CR-NL on output, and the signal characters (Ctrl-C, Ctrl-\,
// Ctrl-Z), which it reports for its owner to send to the terminal's
// foreground group.
//
// It owns a terminal's settings (struct termios, gVisor's linux.Termios)
// and the bytes in flight: the input the master wrote, as complete lines
// and the line being edited (canonical mode) or raw bytes, and the output
// the slave wrote, for the master to read.
//
// Who may call it: pkg/kernel's pseudo-terminals (tty.go there), which
// own the files, the sessions and process groups, and the waiting.
// Invariants: the input never holds more than BufMax bytes (Receive
// stops taking them there, so a writer waits, as N_TTY_BUF_SIZE bounds
// Linux's). Locking: none of its own; the owner serialises every call
// (the kernel holds its pty's mutex).
package tty

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/signals"
)

// BufMax bounds the input a line discipline holds.
const BufMax = 4096

// StdTermios is what a new pty slave starts with: Linux's
// tty_std_termios with the pts driver's c_cflag (B38400 | CS8 | CREAD,
// no HUPCL).
func StdTermios() linux.Termios {
	return linux.Termios{
		InputFlags:        unix.ICRNL | unix.IXON,
		OutputFlags:       unix.OPOST | unix.ONLCR,
		ControlFlags:      unix.B38400 | unix.CS8 | unix.CREAD,
		LocalFlags:        unix.ISIG | unix.ICANON | unix.ECHO | unix.ECHOE | unix.ECHOK | unix.ECHOCTL | unix.ECHOKE | unix.IEXTEN,
		ControlCharacters: linux.DefaultControlCharacters,
	}
}

// LineDiscipline is one terminal's settings and buffered bytes. The zero
// value is not ready: use New.
type LineDiscipline struct {
	termios linux.Termios
	// lines are the complete canonical lines (an empty one is an end of
	// file), line the one being edited; raw is the input of
	// non-canonical mode.
	lines [][]byte
	line  []byte
	raw   []byte
	out   []byte // slave output, for the master to read
}

// New is a line discipline with StdTermios.
func New() *LineDiscipline { return &LineDiscipline{termios: StdTermios()} }

// Termios is the current setting.
func (l *LineDiscipline) Termios() linux.Termios { return l.termios }

// SetTermios changes the settings; leaving canonical mode hands the
// partial line to non-canonical reads, as n_tty does.
func (l *LineDiscipline) SetTermios(t linux.Termios) {
	wasCanon := l.canonical()
	l.termios = t
	if wasCanon && !l.canonical() {
		for _, ln := range l.lines {
			l.raw = append(l.raw, ln...)
		}
		l.raw = append(l.raw, l.line...)
		l.lines, l.line = nil, nil
	} else if !wasCanon && l.canonical() && len(l.raw) > 0 {
		l.line, l.raw = append(l.line, l.raw...), nil
	}
}

func (l *LineDiscipline) canonical() bool { return l.termios.LocalFlags&unix.ICANON != 0 }

// FlushInput drops the input not read yet (TCIFLUSH, TCSETSF).
func (l *LineDiscipline) FlushInput() { l.lines, l.line, l.raw = nil, nil, nil }

// FlushOutput drops the output the master has not read (TCOFLUSH).
func (l *LineDiscipline) FlushOutput() { l.out = nil }

// InputLen is how many input bytes are held.
func (l *LineDiscipline) InputLen() int {
	n := len(l.raw) + len(l.line)
	for _, ln := range l.lines {
		n += len(ln) + 1
	}
	return n
}

// OutputLen is how many output bytes wait for the master.
func (l *LineDiscipline) OutputLen() int { return len(l.out) }

// Readable says whether a slave read would return input now.
func (l *LineDiscipline) Readable() bool {
	if l.canonical() {
		return len(l.lines) > 0
	}
	return len(l.raw) > 0
}

// Output adds slave output, with OPOST's NL to CR-NL mapping.
func (l *LineDiscipline) Output(b []byte) {
	if l.termios.OutputFlags&unix.OPOST == 0 || l.termios.OutputFlags&unix.ONLCR == 0 {
		l.out = append(l.out, b...)
		return
	}
	for _, c := range b {
		if c == '\n' {
			l.out = append(l.out, '\r')
		}
		l.out = append(l.out, c)
	}
}

// ReadOutput moves output to the master's read buffer b.
func (l *LineDiscipline) ReadOutput(b []byte) int {
	n := copy(b, l.out)
	l.out = l.out[n:]
	return n
}

// ReadInput moves input to the slave's read buffer b: at most one line in
// canonical mode (an empty line, an end of file, reads 0 bytes and
// counts as read). ok is false when there was nothing to read.
func (l *LineDiscipline) ReadInput(b []byte) (n int, ok bool) {
	switch {
	case l.canonical() && len(l.lines) > 0:
		ln := l.lines[0]
		n = copy(b, ln)
		if n == len(ln) {
			l.lines = l.lines[1:]
		} else {
			l.lines[0] = ln[n:]
		}
		return n, true
	case !l.canonical() && len(l.raw) > 0:
		n = copy(b, l.raw)
		l.raw = l.raw[n:]
		return n, true
	}
	return 0, false
}

func (l *LineDiscipline) echo(c byte) {
	lf := l.termios.LocalFlags
	switch {
	case lf&unix.ECHO == 0:
		if c == '\n' && lf&unix.ECHONL != 0 && lf&unix.ICANON != 0 {
			l.Output([]byte{c})
		}
	case (c < ' ' || c == 0x7f) && c != '\n' && c != '\t' && lf&unix.ECHOCTL != 0:
		l.Output([]byte{'^', c ^ 0x40})
	default:
		l.Output([]byte{c})
	}
}

// Receive runs the bytes the master wrote through the line discipline
// and returns how many it took and the signal to send to the foreground
// group if a signal character came (the rest of b waits for the next
// call).
func (l *LineDiscipline) Receive(b []byte) (n int, sig int) {
	tio := &l.termios
	cc := &tio.ControlCharacters
	for i, c := range b {
		if l.InputLen() >= BufMax {
			return i, 0
		}
		switch {
		case c == '\r' && tio.InputFlags&unix.IGNCR != 0:
			continue
		case c == '\r' && tio.InputFlags&unix.ICRNL != 0:
			c = '\n'
		case c == '\n' && tio.InputFlags&unix.INLCR != 0:
			c = '\r'
		}
		if tio.LocalFlags&unix.ISIG != 0 && c != 0 {
			sig := 0
			switch c {
			case cc[unix.VINTR]:
				sig = signals.SIGINT
			case cc[unix.VQUIT]:
				sig = signals.SIGQUIT
			case cc[unix.VSUSP]:
				sig = signals.SIGTSTP
			}
			if sig != 0 {
				if tio.LocalFlags&unix.NOFLSH == 0 {
					l.FlushInput()
				}
				l.echo(c)
				return i + 1, sig
			}
		}
		if !l.canonical() {
			l.raw = append(l.raw, c)
			l.echo(c)
			continue
		}
		switch {
		case c != 0 && c == cc[unix.VERASE]:
			if n := len(l.line); n > 0 {
				l.line = l.line[:n-1]
				if tio.LocalFlags&unix.ECHO != 0 && tio.LocalFlags&unix.ECHOE != 0 {
					l.Output([]byte("\b \b"))
				}
			}
		case c != 0 && c == cc[unix.VKILL]:
			l.line = l.line[:0]
			if tio.LocalFlags&unix.ECHO != 0 && tio.LocalFlags&unix.ECHOK != 0 {
				l.Output([]byte{'\n'})
			}
		case c != 0 && c == cc[unix.VEOF]:
			l.lines = append(l.lines, l.line)
			l.line = nil
		case c == '\n' || (c != 0 && (c == cc[unix.VEOL] || c == cc[unix.VEOL2])):
			l.lines = append(l.lines, append(l.line, c))
			l.line = nil
			l.echo(c)
		default:
			l.line = append(l.line, c)
			l.echo(c)
		}
	}
	return len(b), 0
}
