package netstack

import (
	"net/netip"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// Host-mode listeners (--network host): a datagram socket bound to the
// wildcard address or one of the namespace's gets its host socket at
// once, bound alike, so datagrams from beyond loopback reach it. A
// stream socket that listens on
// the wildcard address or on one of the namespace's own addresses also
// listens on a host socket the sentry owns, bound to the same address
// and port, so peers beyond loopback reach it; loopback clients still
// reach its sandbox side in memory. Accept takes a queued loopback
// connection first, then one from the host, which becomes a socket
// backed by the accepted host socket (hostsock.go). Binding an address
// that is not loopback asks the host whether the namespace has it.

// hostBindable reports whether the namespace the sentry runs in has ip
// (a throwaway host socket binds it), for a bind in host mode.
func (s *Socket) hostBindable(ip netip.Addr) bool {
	fd, err := unix.Socket(s.family, s.stype|unix.SOCK_CLOEXEC, s.proto)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	if s.family == unix.AF_INET6 {
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0)
	}
	return unix.Bind(fd, toSockaddr(s.family, netip.AddrPortFrom(ip, 0))) == nil
}

// listensOnHost reports whether a listener bound at ip listens on the
// host too: in host mode, unless it is bound to loopback; in
// host-loopback mode, always.
func (s *Socket) listensOnHost(ip netip.Addr) bool {
	if !s.stack.mode.Host() || !s.isInet() || s.stype != unix.SOCK_STREAM {
		return false
	}
	return s.stack.mode == ModeHostLoopback || !ip.Unmap().IsLoopback()
}

// listenHost makes (or re-sizes) the host side of a listener.
func (s *Socket) listenHost(backlog int) error {
	h, err := s.ensureHost()
	if err != nil {
		return err
	}
	return h.do(func(fd int) error { return unix.Listen(fd, min(max(backlog, 0), maxBacklog)) })
}

// acceptHost takes a connection from the host side of a listener.
func (s *Socket) acceptHost(h *hostSock) (*Socket, error) {
	var nfd int
	err := h.do(func(fd int) error {
		var err error
		nfd, _, err = unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		return err
	})
	switch err {
	case nil:
	case unix.EMFILE, unix.ENFILE:
		// The sentry's own limit, not the application's fd table.
		return nil, unix.ENOBUFS
	default:
		return nil, err
	}
	c := &Socket{stack: s.stack, family: s.family, stype: s.stype, proto: s.proto, creds: s.creds}
	s.mu.Lock()
	c.opts = s.opts.inherit()
	s.mu.Unlock()
	c.rx = newBuffer(c, defaultBuf)
	c.state, c.bound = stateConnected, true
	// Set before the poller watches nfd: its first news must find it.
	c.host = &hostSock{fd: nfd}
	if err := s.stack.hostPoll.add(nfd, c); err != nil {
		unix.Close(nfd)
		return nil, unix.ENOBUFS
	}
	s.stack.register(c)
	return c, nil
}

// listenerReadiness is a host-mode listener's readiness: its sandbox
// side's and its host side's.
func (s *Socket) listenerReadiness(h *hostSock, mask epoll.EventMask) epoll.EventMask {
	return s.sandboxReadiness(mask) | s.hostReadiness(h, mask)&(epoll.EventIn|epoll.EventRdNorm|epoll.EventErr)
}

// listening reports whether s is a listener.
func (s *Socket) listening() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateListening
}

// bindHostDgram gives a datagram socket just bound at ip its host
// socket in host mode (unless ip is loopback); if the host refuses the
// address and port, the sandbox binding is undone and the error is the
// application's.
func (s *Socket) bindHostDgram(ip netip.Addr) error {
	if !s.stack.mode.Host() || s.connOriented() || (ip.Unmap().IsLoopback() && s.stack.mode != ModeHostLoopback) {
		return nil
	}
	if _, err := s.ensureHost(); err != nil {
		s.mu.Lock()
		port := s.local.IP.Port()
		s.bound, s.local = false, Addr{Family: s.family, IP: netip.AddrPortFrom(unspecified(s.family), 0)}
		s.mu.Unlock()
		s.stack.unbindInet(s, s.proto, port)
		return err
	}
	return nil
}
