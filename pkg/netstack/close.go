package netstack

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// Ending connections: shutdown, close, reset.

// Shutdown closes one or both directions (SHUT_RD, SHUT_WR, SHUT_RDWR).
func (s *Socket) Shutdown(how int) error {
	if how < unix.SHUT_RD || how > unix.SHUT_RDWR {
		return unix.EINVAL
	}
	if h := s.hostSock(); h != nil && s.connOriented() {
		if !s.listening() {
			return h.do(func(fd int) error { return unix.Shutdown(fd, how) })
		}
		// A listener's host side stops listening as its sandbox side
		// does (below).
		_ = h.do(func(fd int) error { return unix.Shutdown(fd, how) })
	}
	s.mu.Lock()
	if s.connOriented() && s.state != stateConnected {
		listening := s.state == stateListening
		s.mu.Unlock()
		if listening && how != unix.SHUT_WR {
			s.closeListener()
			return nil
		}
		return unix.ENOTCONN
	}
	var tx *buffer
	if how != unix.SHUT_WR {
		s.shutRd = true
	}
	if how != unix.SHUT_RD && !s.shutWr {
		s.shutWr = true
		tx = s.tx
	}
	s.mu.Unlock()
	if tx != nil && s.connOriented() {
		tx.closeWrite()
	}
	s.q.Notify(epoll.EventIn | epoll.EventOut | epoll.EventRdHup | epoll.EventHup)
	return nil
}

// closeListener refuses everything queued on a listener: connections
// not yet accepted are reset, waiting connectors refused.
func (s *Socket) closeListener() {
	s.mu.Lock()
	q, pend := s.acceptq, s.pending
	s.acceptq, s.pending = nil, nil
	if s.state == stateListening {
		s.state = stateInit
	}
	s.mu.Unlock()
	for _, c := range q {
		c.abort()
	}
	for _, c := range pend {
		c.mu.Lock()
		if c.state == stateConnecting {
			c.state = stateInit
			c.soError = unix.ECONNREFUSED
		}
		c.listener = nil
		c.mu.Unlock()
		c.q.Notify(epoll.EventOut | epoll.EventErr | epoll.EventHup)
	}
}

// abort closes a connection with a reset (a queued connection whose
// listener went away, SO_LINGER with zero timeout).
func (s *Socket) abort() {
	s.mu.Lock()
	tx := s.tx
	s.state = stateClosed
	s.mu.Unlock()
	if tx != nil {
		tx.setReset()
	}
	s.rx.closeRead()
	s.q.Release()
	s.stack.unregister(s)
}

// Close releases the socket: a stream peer sees end of file, or a reset
// if this side left data unread (or lingers with timeout 0).
func (s *Socket) Close() {
	s.closeHost()
	s.mu.Lock()
	prev := s.state
	s.state = stateClosed
	bound, local := s.bound, s.local
	tx, l := s.tx, s.listener
	lingerReset := s.opts.linger.Onoff != 0 && s.opts.linger.Linger == 0
	s.mu.Unlock()
	if prev == stateListening {
		s.closeListener()
	}
	if l != nil {
		l.mu.Lock()
		for i, c := range l.pending {
			if c == s {
				l.pending = append(l.pending[:i:i], l.pending[i+1:]...)
				break
			}
		}
		l.mu.Unlock()
	}
	if bound {
		if s.isInet() {
			s.stack.unbindInet(s, s.proto, local.IP.Port())
		} else if s.family == unix.AF_UNIX {
			s.stack.unbindUnix(s, local)
		}
	}
	had := s.rx.closeRead()
	if tx != nil && s.connOriented() {
		if (had || lingerReset) && s.stype == unix.SOCK_STREAM && s.isInet() {
			tx.setReset()
		} else if had && s.family == unix.AF_UNIX && s.stype == unix.SOCK_STREAM {
			tx.setReset()
		} else {
			tx.closeWrite()
		}
	}
	s.q.Release()
	s.stack.unregister(s)
}
