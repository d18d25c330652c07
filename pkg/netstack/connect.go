package netstack

import (
	"net/netip"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// Connections: connect, the listen backlog, accept, socketpair.

// Accept takes a connection from the backlog: EAGAIN when there is none.
func (s *Socket) Accept() (*Socket, error) {
	if h := s.hostSock(); h != nil {
		if c, err := s.acceptSandbox(); err != unix.EAGAIN {
			return c, err
		}
		return s.acceptHost(h)
	}
	return s.acceptSandbox()
}

// acceptSandbox takes a connection from the sandbox side's backlog.
func (s *Socket) acceptSandbox() (*Socket, error) {
	s.mu.Lock()
	if s.state != stateListening {
		s.mu.Unlock()
		return nil, unix.EINVAL
	}
	if len(s.acceptq) == 0 {
		s.mu.Unlock()
		return nil, unix.EAGAIN
	}
	c := s.acceptq[0]
	s.acceptq[0] = nil
	s.acceptq = s.acceptq[1:]
	var promoted, srv *Socket
	var dst Addr
	if len(s.pending) > 0 {
		promoted = s.pending[0]
		s.pending = s.pending[1:]
		dst = promoted.connectDst
		srv = s.newServerSideLocked(promoted, dst)
		s.acceptq = append(s.acceptq, srv)
	}
	s.mu.Unlock()
	if promoted != nil {
		promoted.finishConnect(srv, dst)
		s.q.Notify(epoll.EventIn)
	}
	return c, nil
}

// newServerSideLocked creates the accepted end of a connection from c to
// the listener s (whose mu is held) at dst.
func (s *Socket) newServerSideLocked(c *Socket, dst Addr) *Socket {
	srv := &Socket{stack: s.stack, family: s.family, stype: s.stype, proto: s.proto, creds: s.creds}
	s.stack.register(srv)
	srv.rx = newBuffer(srv, max(s.opts.rcvBuf, defaultBuf))
	srv.opts = s.opts.inherit()
	srv.state = stateConnected
	srv.bound = true
	srv.peer = c
	srv.peerCreds = c.creds
	srv.tx = c.rx
	if s.isInet() {
		srv.local = inFamily(s.family, dst.IP)
		c.mu.Lock()
		srv.remote = inFamily(s.family, c.local.IP)
		c.mu.Unlock()
	} else {
		srv.local = s.local
		c.mu.Lock()
		srv.remote = c.local
		c.mu.Unlock()
	}
	c.rx.mu.Lock()
	c.rx.writer = srv
	c.rx.mu.Unlock()
	srv.rx.writer = c
	return srv
}

// finishConnect makes c the connected peer of srv.
func (c *Socket) finishConnect(srv *Socket, dst Addr) {
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		srv.rx.closeWrite()
		return
	}
	c.state = stateConnected
	c.listener = nil
	c.peer = srv
	c.peerCreds = srv.creds
	c.tx = srv.rx
	c.remote = dst
	c.mu.Unlock()
	c.q.Notify(epoll.EventOut | epoll.EventWrNorm)
}

// Connect connects a stream socket, or sets a datagram socket's default
// destination. For streams, a non-blocking connect on an inet socket
// returns EINPROGRESS (as Linux does on loopback too) with the result in
// SO_ERROR; a connect that waits for backlog room returns EINPROGRESS
// and the caller waits for writability, then calls ConnectResult.
func (s *Socket) Connect(a Addr, nonblock bool) error {
	if s.family == unix.AF_NETLINK {
		return nil
	}
	if !s.connOriented() {
		return s.connectDgram(a)
	}
	if h := s.hostSock(); h != nil {
		// The host socket answers a second connect (EALREADY,
		// EISCONN, or a new attempt after a failed one); loopback
		// cannot be reached from the host side.
		ap, err := s.checkInetAddr(a)
		if err != nil {
			return err
		}
		if !s.goesToHost(ap.Addr()) {
			return unix.EISCONN
		}
		return h.do(func(fd int) error { return unix.Connect(fd, toSockaddr(s.family, ap)) })
	}
	s.mu.Lock()
	// A connect after EINPROGRESS reports how that one ended, once: 0
	// when it connected, its error when it failed.
	if s.inProgress {
		s.inProgress = false
		if s.state == stateConnected {
			s.mu.Unlock()
			return nil
		}
		if e := s.soError; e != 0 && s.state != stateConnecting {
			s.soError = 0
			s.mu.Unlock()
			return e
		}
		if s.state == stateConnecting {
			s.inProgress = true
		}
	}
	switch s.state {
	case stateConnected:
		s.mu.Unlock()
		return unix.EISCONN
	case stateConnecting:
		s.mu.Unlock()
		return unix.EALREADY
	case stateListening:
		s.mu.Unlock()
		if s.isInet() {
			return unix.EISCONN
		}
		return unix.EINVAL
	case stateClosed:
		s.mu.Unlock()
		return unix.EBADF
	}
	s.soError = 0
	s.mu.Unlock()
	var l *Socket
	var dst Addr
	if s.isInet() {
		ap, err := s.checkInetAddr(a)
		if err != nil {
			return err
		}
		ip := ap.Addr()
		if s.family == unix.AF_INET6 && ip.Is4In6() {
			s.mu.Lock()
			v6only := s.opts.v6only
			s.mu.Unlock()
			if v6only {
				return unix.ENETUNREACH
			}
		}
		if s.goesToHost(ip) {
			return s.connectStreamHost(ap)
		}
		if !reachable(ip) {
			return unix.ENETUNREACH
		}
		if ip.Unmap().IsUnspecified() {
			if ip.Is4() || ip.Is4In6() {
				ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
			} else {
				ip = netip.IPv6Loopback()
			}
		}
		dst = inFamily(s.family, netip.AddrPortFrom(ip, ap.Port()))
		if err := s.autobind(dst.IP.Addr()); err != nil {
			return err
		}
		l = s.stack.lookupInet(unix.IPPROTO_TCP, netip.AddrPortFrom(ip.Unmap(), ap.Port()))
		if l == nil {
			if nonblock {
				s.mu.Lock()
				s.soError = unix.ECONNREFUSED
				s.inProgress = true
				s.mu.Unlock()
				s.q.Notify(epoll.EventOut | epoll.EventErr | epoll.EventHup)
				return unix.EINPROGRESS
			}
			return unix.ECONNREFUSED
		}
	} else {
		if a.Family != unix.AF_UNIX {
			return unix.EINVAL
		}
		l = s.stack.lookupUnix(a, s.stype)
		if l == nil {
			if a.Name != "" && a.Name[0] != 0 && a.Node == ([2]uint64{}) {
				return unix.ENOENT
			}
			return unix.ECONNREFUSED
		}
		if l.stype != s.stype {
			return unix.ECONNREFUSED
		}
		dst = l.LocalAddr() // the name it was bound with, however the client spelled it
	}
	return s.connectTo(l, dst, nonblock)
}

func (s *Socket) connectTo(l *Socket, dst Addr, nonblock bool) error {
	s.mu.Lock()
	if s.state != stateInit {
		s.mu.Unlock()
		return unix.EISCONN
	}
	s.state = stateConnecting
	s.connectDst = dst
	s.mu.Unlock()

	l.mu.Lock()
	if l.state != stateListening {
		l.mu.Unlock()
		s.mu.Lock()
		s.state = stateInit
		s.mu.Unlock()
		return unix.ECONNREFUSED
	}
	if len(l.acceptq) > l.backlog {
		if !s.isInet() && nonblock {
			l.mu.Unlock()
			s.mu.Lock()
			s.state = stateInit
			s.mu.Unlock()
			return unix.EAGAIN
		}
		l.pending = append(l.pending, s)
		l.mu.Unlock()
		s.mu.Lock()
		s.listener = l
		s.inProgress = nonblock
		s.mu.Unlock()
		return unix.EINPROGRESS
	}
	srv := l.newServerSideLocked(s, dst)
	l.acceptq = append(l.acceptq, srv)
	l.mu.Unlock()
	s.finishConnect(srv, dst)
	l.q.Notify(epoll.EventIn | epoll.EventRdNorm)
	if s.isInet() && nonblock {
		s.mu.Lock()
		s.inProgress = true
		s.mu.Unlock()
		return unix.EINPROGRESS
	}
	return nil
}

// ConnectResult is what a connect that returned EINPROGRESS came to:
// EAGAIN while it still waits, else its final error (consumed, like
// SO_ERROR).
func (s *Socket) ConnectResult() error {
	if h := s.hostSock(); h != nil {
		return s.hostConnectResult(h)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateConnecting {
		s.inProgress = false
	}
	switch {
	case s.state == stateConnecting:
		return unix.EAGAIN
	case s.soError != 0:
		e := s.soError
		s.soError = 0
		return e
	case s.state == stateConnected:
		return nil
	}
	return unix.ECONNREFUSED
}

func (s *Socket) connectDgram(a Addr) error {
	h := s.hostSock()
	if a.Family == unix.AF_UNSPEC {
		if h != nil {
			if err := h.do(hostDisconnect); err != nil {
				return err
			}
		}
		s.mu.Lock()
		s.connected, s.peer, s.remote = false, nil, Addr{}
		s.mu.Unlock()
		return nil
	}
	if s.isInet() {
		ap, err := s.checkInetAddr(a)
		if err != nil {
			return err
		}
		if s.goesToHost(ap.Addr()) {
			h, err := s.ensureHost()
			if err != nil {
				return err
			}
			if err := h.do(func(fd int) error { return unix.Connect(fd, toSockaddr(s.family, ap)) }); err != nil {
				return err
			}
			s.mu.Lock()
			s.connected, s.remote = true, inFamily(s.family, ap)
			s.mu.Unlock()
			return nil
		}
		if h != nil {
			// Now associated with a loopback peer: the host side
			// takes datagrams from anyone again, as an unconnected
			// socket's would.
			if err := h.do(hostDisconnect); err != nil {
				return err
			}
		}
		if !reachable(ap.Addr()) {
			return unix.ENETUNREACH
		}
		if err := s.autobind(ap.Addr()); err != nil {
			return err
		}
		s.mu.Lock()
		s.connected, s.remote = true, inFamily(s.family, ap)
		s.mu.Unlock()
		return nil
	}
	if a.Family != unix.AF_UNIX {
		return unix.EINVAL
	}
	p := s.stack.lookupUnix(a, s.stype)
	if p == nil {
		if a.Name != "" && a.Name[0] != 0 && a.Node == ([2]uint64{}) {
			return unix.ENOENT
		}
		return unix.ECONNREFUSED
	}
	if p.stype != s.stype {
		return unix.EPROTOTYPE
	}
	s.mu.Lock()
	s.connected, s.peer, s.remote = true, p, Addr{Family: unix.AF_UNIX, Name: a.Name}
	s.mu.Unlock()
	return nil
}

// Pair connects two new AF_UNIX sockets to each other (socketpair).
func (st *Stack) Pair(stype int, creds Creds) (*Socket, *Socket, error) {
	a, err := st.NewSocket(unix.AF_UNIX, stype, 0, creds)
	if err != nil {
		return nil, nil, err
	}
	b, _ := st.NewSocket(unix.AF_UNIX, stype, 0, creds)
	for _, p := range [][2]*Socket{{a, b}, {b, a}} {
		x, y := p[0], p[1]
		x.bound = false
		x.peer, x.peerCreds, x.tx = y, y.creds, y.rx
		x.rx.writer = y
		x.remote = Addr{Family: unix.AF_UNIX}
		if stype == unix.SOCK_DGRAM {
			x.connected = true
		} else {
			x.state = stateConnected
		}
	}
	return a, b, nil
}
