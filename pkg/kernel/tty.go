package kernel

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/epoll"
	"sentry/pkg/tty"
	"sentry/pkg/vfs"
)

// Pseudo-terminals (/dev/ptmx and /dev/pts/N): a master and a slave joined
// by a line discipline (pkg/tty), whose signal characters (Ctrl-C, Ctrl-\,
// Ctrl-Z) go to the terminal's foreground group. The pty's own lock
// (pty.mu, which serialises the line discipline) is a leaf: signals the
// line discipline raises are sent after it is released. Which session the terminal controls and
// its foreground group are the process tree's, so Kernel.mu guards them
// (tty_job.go).

// ptyBufMax bounds each direction's buffer, as Linux's N_TTY_BUF_SIZE
// bounds the input side: a writer beyond it waits.
const ptyBufMax = tty.BufMax

// ptyMajor is the device major of UNIX 98 pty slaves (/dev/pts/N).
const ptyMajor = 136

type pty struct {
	k     *Kernel
	index int
	born  time.Time
	job   ttyJob // guarded by Kernel.mu

	mu          sync.Mutex
	ld          *tty.LineDiscipline
	winsize     linux.Winsize
	locked      bool // TIOCSPTLCK: the slave cannot be opened yet
	masterOpen  bool
	slaves      int
	slaveClosed bool // every slave open was closed again

	mq, sq epoll.Queue // watchers of the master and of the slave
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
	for {
		if _, host := k.hostPTS[n]; pt.ptys[n] == nil && !host {
			break
		}
		n++
	}
	p := &pty{k: k, index: n, born: time.Now(), ld: tty.New(), locked: true, masterOpen: true}
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

// ---- the master ----

// ptyMaster is an open /dev/ptmx.
type ptyMaster struct{ p *pty }

func (m *ptyMaster) ReadAt(b []byte, _ int64) (int, error) {
	p := m.p
	p.mu.Lock()
	if p.ld.OutputLen() == 0 {
		closed := p.slaveClosed
		p.mu.Unlock()
		if closed {
			return 0, unix.EIO
		}
		return 0, unix.EAGAIN
	}
	n := p.ld.ReadOutput(b)
	p.mu.Unlock()
	p.sq.Notify(epoll.EventOut | epoll.EventWrNorm)
	return n, nil
}

func (m *ptyMaster) WriteAt(b []byte, _ int64) (int, error) {
	p := m.p
	total := 0
	for total < len(b) {
		p.mu.Lock()
		n, sig := p.ld.Receive(b[total:])
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
	if p.ld.OutputLen() > 0 {
		r |= epoll.EventIn | epoll.EventRdNorm
	}
	if p.ld.InputLen() < ptyBufMax {
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
	n, ok := p.ld.ReadInput(b)
	if !ok {
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
	room := 2*ptyBufMax - p.ld.OutputLen()
	if room <= 0 {
		p.mu.Unlock()
		return 0, unix.EAGAIN
	}
	n := min(len(b), room/2) // NL may become CR-NL
	if n == 0 {
		n = 1
	}
	p.ld.Output(b[:n])
	p.mu.Unlock()
	p.mq.Notify(epoll.EventIn | epoll.EventRdNorm)
	return n, nil
}

func (s *ptySlave) Readiness(mask epoll.EventMask) epoll.EventMask {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	var r epoll.EventMask
	if p.ld.Readable() {
		r |= epoll.EventIn | epoll.EventRdNorm
	}
	if p.ld.OutputLen() < 2*ptyBufMax {
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
