package kernel

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/epoll"
	"sentry/pkg/signals"
)

// Requests on pseudo-terminals (tty.go), served from the pty's state.
// Both ends share one termios and window size: the slave's, which is what
// programs on either end ask about.

// tcflush's queue selectors.
const (
	tcIFlush  = 0
	tcOFlush  = 1
	tcIOFlush = 2
)

func (t *Task) ptyIoctl(p *pty, master bool, req uint32, arg uint64) (uint64, error) {
	if r, ok, err := t.jobIoctl(&p.job, master, req, arg); ok {
		return r, err
	}
	// A change of the terminal from a background group is job control's.
	change := func() error {
		if master {
			return nil
		}
		return t.ttyCheck(&p.job, signals.SIGTTOU)
	}
	switch req {
	case unix.TIOCGPTN:
		if !master {
			return 0, unix.ENOTTY
		}
		return 0, t.writeU32(arg, uint32(p.index))
	case unix.TIOCSPTLCK:
		if !master {
			return 0, unix.ENOTTY
		}
		v, err := t.readU32(arg)
		if err != nil {
			return 0, err
		}
		p.mu.Lock()
		p.locked = v != 0
		p.mu.Unlock()
		return 0, nil
	case unix.TIOCGPTLCK:
		if !master {
			return 0, unix.ENOTTY
		}
		p.mu.Lock()
		v := p.locked
		p.mu.Unlock()
		return 0, t.writeU32(arg, uint32(b2i(v)))
	case unix.TCGETS:
		p.mu.Lock()
		tio := p.ld.Termios()
		p.mu.Unlock()
		return 0, t.copyOutObj(arg, &tio)
	case unix.TCSETS, unix.TCSETSW, unix.TCSETSF:
		if err := change(); err != nil {
			return 0, err
		}
		var tio linux.Termios
		if err := t.copyInObj(arg, &tio); err != nil {
			return 0, err
		}
		p.mu.Lock()
		if req == unix.TCSETSF {
			p.ld.FlushInput()
		}
		p.ld.SetTermios(tio)
		p.mu.Unlock()
		p.sq.Notify(epoll.EventIn | epoll.EventRdNorm)
		return 0, nil
	case unix.TIOCGWINSZ:
		p.mu.Lock()
		ws := p.winsize
		p.mu.Unlock()
		return 0, t.copyOutObj(arg, &ws)
	case unix.TIOCSWINSZ:
		var ws linux.Winsize
		if err := t.copyInObj(arg, &ws); err != nil {
			return 0, err
		}
		p.mu.Lock()
		changed := p.winsize != ws
		p.winsize = ws
		p.mu.Unlock()
		if changed {
			t.k.signalTTYForeground(&p.job, signals.SIGWINCH)
		}
		return 0, nil
	case unix.TCFLSH:
		if err := change(); err != nil {
			return 0, err
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		switch arg {
		case tcIFlush:
			p.ld.FlushInput()
		case tcOFlush:
			p.ld.FlushOutput()
		case tcIOFlush:
			p.ld.FlushInput()
			p.ld.FlushOutput()
		default:
			return 0, unix.EINVAL
		}
		return 0, nil
	case unix.TCSBRK, unix.TCSBRKP, unix.TCXONC:
		// Output is never held back, so draining is immediate.
		return 0, change()
	}
	return 0, unix.ENOTTY
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
