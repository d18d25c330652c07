package kernel

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/signals"
	"sentry/pkg/vfs"
)

// Pseudo-terminals (/dev/ptmx and /dev/pts/N): a master and a slave joined
// by a small line discipline, Linux's n_tty reduced to what programs and
// job control rely on: canonical lines with erase, kill and end-of-file,
// echo, CR/NL mapping, NL to CR-NL on output, and the signal characters
// (Ctrl-C, Ctrl-\, Ctrl-Z) sent to the terminal's foreground group. The
// pty's own lock (pty.mu) is a leaf: signals the line discipline raises
// are sent after it is released. Which session the terminal controls and
// its foreground group are the process tree's, so Kernel.mu guards them
// (tty_job.go).

// ptyBufMax bounds each direction's buffer, as Linux's N_TTY_BUF_SIZE
// bounds the input side: a writer beyond it waits.
const ptyBufMax = 4096

// ptyMajor is the device major of UNIX 98 pty slaves (/dev/pts/N).
const ptyMajor = 136

type pty struct {
	k     *Kernel
	index int
	born  time.Time
	job   ttyJob // guarded by Kernel.mu

	mu      sync.Mutex
	termios termios
	winsize unix.Winsize
	locked  bool // TIOCSPTLCK: the slave cannot be opened yet
	// lines are the slave's complete canonical lines (an empty one is
	// an end of file), line the one being edited; raw is the input of
	// non-canonical mode.
	lines       [][]byte
	line        []byte
	raw         []byte
	out         []byte // slave output, for the master to read
	masterOpen  bool
	slaves      int
	slaveClosed bool // every slave open was closed again

	mq, sq epoll.Queue // watchers of the master and of the slave
}

// termios is the kernel's struct termios as TCGETS moves it.
type termios struct {
	Iflag, Oflag, Cflag, Lflag uint32
	Line                       uint8
	Cc                         [19]uint8
}

// stdTermios is Linux's tty_std_termios, what a new pty slave starts with.
func stdTermios() termios {
	return termios{
		Iflag: unix.ICRNL | unix.IXON,
		Oflag: unix.OPOST | unix.ONLCR,
		Cflag: unix.B38400 | unix.CS8 | unix.CREAD | unix.HUPCL,
		Lflag: unix.ISIG | unix.ICANON | unix.ECHO | unix.ECHOE | unix.ECHOK | unix.ECHOCTL | unix.ECHOKE | unix.IEXTEN,
		Cc:    [19]uint8{3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0},
	}
}

// ptyTable numbers the pseudo-terminals (its own lock, a leaf).
type ptyTable struct {
	mu   sync.Mutex
	ptys map[int]*pty
}

func (pt *ptyTable) get(n int) *pty {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	return pt.ptys[n]
}

// list returns the indexes in use, in order.
func (pt *ptyTable) list() []int {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	var out []int
	for i := 0; len(out) < len(pt.ptys); i++ {
		if pt.ptys[i] != nil {
			out = append(out, i)
		}
	}
	return out
}

// openMaster makes a new pty with the lowest free index, as /dev/ptmx
// does; the slave starts locked.
func (k *Kernel) openMaster() *ptyMaster {
	pt := &k.ptys
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if pt.ptys == nil {
		pt.ptys = map[int]*pty{}
	}
	n := 0
	for pt.ptys[n] != nil {
		n++
	}
	p := &pty{k: k, index: n, born: time.Now(), termios: stdTermios(), locked: true, masterOpen: true}
	p.job.pty = p
	pt.ptys[n] = p
	return &ptyMaster{p: p}
}

// openSlave opens /dev/pts/N.
func (p *pty) openSlave() (*ptySlave, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.masterOpen || p.locked {
		return nil, unix.EIO
	}
	p.slaves++
	p.slaveClosed = false
	return &ptySlave{p: p}, nil
}

func (p *pty) stat(master bool) vfs.Stat {
	ts := unix.NsecToTimespec(p.born.UnixNano())
	st := vfs.Stat{Nlink: 1, Mode: unix.S_IFCHR | 0620, Rdev: unix.Mkdev(ptyMajor, uint32(p.index)),
		Ino: uint64(p.index) + 3, Blksize: 1024, Atime: ts, Mtime: ts, Ctime: ts}
	if master {
		st.Mode, st.Rdev, st.Ino = unix.S_IFCHR|0666, unix.Mkdev(5, 2), 2
	}
	st.UID, st.GID = uint32(unix.Getuid()), uint32(unix.Getgid())
	return st
}

// ---- line discipline (p.mu held) ----

// outputLocked adds slave output with OPOST's NL to CR-NL mapping.
func (p *pty) outputLocked(b []byte) {
	if p.termios.Oflag&unix.OPOST == 0 || p.termios.Oflag&unix.ONLCR == 0 {
		p.out = append(p.out, b...)
		return
	}
	for _, c := range b {
		if c == '\n' {
			p.out = append(p.out, '\r')
		}
		p.out = append(p.out, c)
	}
}

func (p *pty) echoLocked(c byte) {
	lf := p.termios.Lflag
	switch {
	case lf&unix.ECHO == 0:
		if c == '\n' && lf&unix.ECHONL != 0 && lf&unix.ICANON != 0 {
			p.outputLocked([]byte{c})
		}
	case (c < ' ' || c == 0x7f) && c != '\n' && c != '\t' && lf&unix.ECHOCTL != 0:
		p.outputLocked([]byte{'^', c ^ 0x40})
	default:
		p.outputLocked([]byte{c})
	}
}

func (p *pty) inputLen() int {
	n := len(p.raw) + len(p.line)
	for _, l := range p.lines {
		n += len(l) + 1
	}
	return n
}

// receiveLocked runs the bytes the master wrote through the line
// discipline and returns how many it took and the signal to send to the
// foreground group, if a signal character came (the rest of b waits).
func (p *pty) receiveLocked(b []byte) (int, int) {
	tio := &p.termios
	for i, c := range b {
		if p.inputLen() >= ptyBufMax {
			return i, 0
		}
		switch {
		case c == '\r' && tio.Iflag&unix.IGNCR != 0:
			continue
		case c == '\r' && tio.Iflag&unix.ICRNL != 0:
			c = '\n'
		case c == '\n' && tio.Iflag&unix.INLCR != 0:
			c = '\r'
		}
		if tio.Lflag&unix.ISIG != 0 && c != 0 {
			sig := 0
			switch c {
			case tio.Cc[unix.VINTR]:
				sig = signals.SIGINT
			case tio.Cc[unix.VQUIT]:
				sig = signals.SIGQUIT
			case tio.Cc[unix.VSUSP]:
				sig = signals.SIGTSTP
			}
			if sig != 0 {
				if tio.Lflag&unix.NOFLSH == 0 {
					p.lines, p.line, p.raw = nil, nil, nil
				}
				p.echoLocked(c)
				return i + 1, sig
			}
		}
		if tio.Lflag&unix.ICANON == 0 {
			p.raw = append(p.raw, c)
			p.echoLocked(c)
			continue
		}
		switch {
		case c != 0 && c == tio.Cc[unix.VERASE]:
			if n := len(p.line); n > 0 {
				p.line = p.line[:n-1]
				if tio.Lflag&unix.ECHO != 0 && tio.Lflag&unix.ECHOE != 0 {
					p.outputLocked([]byte("\b \b"))
				}
			}
		case c != 0 && c == tio.Cc[unix.VKILL]:
			p.line = p.line[:0]
			if tio.Lflag&unix.ECHO != 0 && tio.Lflag&unix.ECHOK != 0 {
				p.outputLocked([]byte{'\n'})
			}
		case c != 0 && c == tio.Cc[unix.VEOF]:
			p.lines = append(p.lines, p.line)
			p.line = nil
		case c == '\n' || (c != 0 && (c == tio.Cc[unix.VEOL] || c == tio.Cc[unix.VEOL2])):
			p.lines = append(p.lines, append(p.line, c))
			p.line = nil
			p.echoLocked(c)
		default:
			p.line = append(p.line, c)
			p.echoLocked(c)
		}
	}
	return len(b), 0
}

// setTermiosLocked changes the settings; leaving canonical mode hands
// the partial line to non-canonical reads, as n_tty does.
func (p *pty) setTermiosLocked(t termios) {
	wasCanon := p.termios.Lflag&unix.ICANON != 0
	p.termios = t
	if wasCanon && t.Lflag&unix.ICANON == 0 {
		for _, l := range p.lines {
			p.raw = append(p.raw, l...)
		}
		p.raw = append(p.raw, p.line...)
		p.lines, p.line = nil, nil
	} else if !wasCanon && t.Lflag&unix.ICANON != 0 && len(p.raw) > 0 {
		p.line, p.raw = append(p.line, p.raw...), nil
	}
}

func (p *pty) slaveReadableLocked() bool {
	if p.termios.Lflag&unix.ICANON != 0 {
		return len(p.lines) > 0
	}
	return len(p.raw) > 0
}

// ---- the master ----

// ptyMaster is an open /dev/ptmx.
type ptyMaster struct{ p *pty }

func (m *ptyMaster) ReadAt(b []byte, _ int64) (int, error) {
	p := m.p
	p.mu.Lock()
	if len(p.out) == 0 {
		closed := p.slaveClosed
		p.mu.Unlock()
		if closed {
			return 0, unix.EIO
		}
		return 0, unix.EAGAIN
	}
	n := copy(b, p.out)
	p.out = p.out[n:]
	p.mu.Unlock()
	p.sq.Notify(epoll.EventOut | epoll.EventWrNorm)
	return n, nil
}

func (m *ptyMaster) WriteAt(b []byte, _ int64) (int, error) {
	p := m.p
	total := 0
	for total < len(b) {
		p.mu.Lock()
		n, sig := p.receiveLocked(b[total:])
		p.mu.Unlock()
		total += n
		p.sq.Notify(epoll.EventIn | epoll.EventRdNorm)
		p.mq.Notify(epoll.EventIn | epoll.EventRdNorm)
		if sig != 0 {
			p.k.signalTTYForeground(&p.job, sig)
			continue
		}
		if n == 0 {
			break
		}
	}
	if total == 0 && len(b) > 0 {
		return 0, unix.EAGAIN
	}
	return total, nil
}

func (m *ptyMaster) Readiness(mask epoll.EventMask) epoll.EventMask {
	p := m.p
	p.mu.Lock()
	defer p.mu.Unlock()
	var r epoll.EventMask
	if len(p.out) > 0 {
		r |= epoll.EventIn | epoll.EventRdNorm
	}
	if p.inputLen() < ptyBufMax {
		r |= epoll.EventOut | epoll.EventWrNorm
	}
	if p.slaveClosed {
		r |= epoll.EventHup
	}
	return r & (mask | epoll.EventHup | epoll.EventErr)
}

func (m *ptyMaster) EventRegister(e *epoll.Entry)   { m.p.mq.Register(e) }
func (m *ptyMaster) EventUnregister(e *epoll.Entry) { m.p.mq.Unregister(e) }
func (m *ptyMaster) Stat() (vfs.Stat, error)        { return m.p.stat(true), nil }
func (m *ptyMaster) Truncate(int64) error           { return unix.EINVAL }
func (m *ptyMaster) Sync() error                    { return unix.EINVAL }
func (m *ptyMaster) Seekable() bool                 { return false }

// Release closes the master: the slave hangs up (its reads end with EIO
// once drained), and the pty's number is free again.
func (m *ptyMaster) Release() {
	p := m.p
	p.mu.Lock()
	p.masterOpen = false
	p.mu.Unlock()
	p.k.ptys.mu.Lock()
	delete(p.k.ptys.ptys, p.index)
	p.k.ptys.mu.Unlock()
	p.sq.Notify(epoll.EventIn | epoll.EventOut | epoll.EventHup)
	p.mq.Release()
}

// ---- the slave ----

// ptySlave is an open /dev/pts/N (or /dev/tty naming it).
type ptySlave struct{ p *pty }

func (s *ptySlave) ReadAt(b []byte, _ int64) (int, error) {
	p := s.p
	p.mu.Lock()
	var n int
	switch {
	case p.termios.Lflag&unix.ICANON != 0 && len(p.lines) > 0:
		l := p.lines[0]
		n = copy(b, l)
		if n == len(l) {
			p.lines = p.lines[1:]
		} else {
			p.lines[0] = l[n:]
		}
	case p.termios.Lflag&unix.ICANON == 0 && len(p.raw) > 0:
		n = copy(b, p.raw)
		p.raw = p.raw[n:]
	default:
		open := p.masterOpen
		p.mu.Unlock()
		if !open {
			return 0, unix.EIO
		}
		return 0, unix.EAGAIN
	}
	p.mu.Unlock()
	p.mq.Notify(epoll.EventOut | epoll.EventWrNorm)
	return n, nil
}

func (s *ptySlave) WriteAt(b []byte, _ int64) (int, error) {
	p := s.p
	p.mu.Lock()
	if !p.masterOpen {
		p.mu.Unlock()
		return 0, unix.EIO
	}
	room := 2*ptyBufMax - len(p.out)
	if room <= 0 {
		p.mu.Unlock()
		return 0, unix.EAGAIN
	}
	n := min(len(b), room/2) // NL may become CR-NL
	if n == 0 {
		n = 1
	}
	p.outputLocked(b[:n])
	p.mu.Unlock()
	p.mq.Notify(epoll.EventIn | epoll.EventRdNorm)
	return n, nil
}

func (s *ptySlave) Readiness(mask epoll.EventMask) epoll.EventMask {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	var r epoll.EventMask
	if p.slaveReadableLocked() {
		r |= epoll.EventIn | epoll.EventRdNorm
	}
	if len(p.out) < 2*ptyBufMax {
		r |= epoll.EventOut | epoll.EventWrNorm
	}
	if !p.masterOpen {
		r |= epoll.EventIn | epoll.EventOut | epoll.EventHup
	}
	return r & (mask | epoll.EventHup | epoll.EventErr)
}

func (s *ptySlave) EventRegister(e *epoll.Entry)   { s.p.sq.Register(e) }
func (s *ptySlave) EventUnregister(e *epoll.Entry) { s.p.sq.Unregister(e) }
func (s *ptySlave) Stat() (vfs.Stat, error)        { return s.p.stat(false), nil }
func (s *ptySlave) Truncate(int64) error           { return unix.EINVAL }
func (s *ptySlave) Sync() error                    { return unix.EINVAL }
func (s *ptySlave) Seekable() bool                 { return false }

func (s *ptySlave) Release() {
	p := s.p
	p.mu.Lock()
	p.slaves--
	last := p.slaves == 0
	if last {
		p.slaveClosed = true
	}
	p.mu.Unlock()
	p.mq.Notify(epoll.EventIn | epoll.EventHup)
	if last {
		p.sq.Release()
	}
}
