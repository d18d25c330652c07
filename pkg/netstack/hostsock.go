package netstack

import (
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// Host-mode sockets (--network host): an AF_INET/AF_INET6 stream or
// datagram socket that connects, or sends a datagram, to an address
// beyond loopback is backed from then on by a host socket that the
// SENTRY opens in its own network namespace, as gVisor's hostinet does.
// The application never holds the host fd: its calls stay served here,
// and each one becomes the sentry's own non-blocking call on the host
// socket (connect, sendmsg, recvmsg, shutdown, getsockname, getpeername,
// the options in hostOptions), so errors (ECONNREFUSED, ETIMEDOUT,
// ENETUNREACH, EHOSTUNREACH, EPIPE...) are the host kernel's own.
// Readiness is a zero-timeout host poll of the fd; waits are woken by
// the stack's host poller (hostpoll.go). Closing the application's
// socket closes the host fd.
//
// Loopback stays in memory: a stream that goes to the host never comes
// back (its sandbox port is released); a datagram socket keeps its
// sandbox binding, so it still sends to and receives from loopback
// peers, and reads loopback datagrams before the host's.

// hostSock is the host socket behind a sandbox socket.
type hostSock struct {
	// mu is read-held for each host call on fd and write-held to close
	// it, so fd is never a number the host has handed out again.
	mu sync.RWMutex
	fd int // -1 once closed

	// announced says that the host poller has told the socket's waiters
	// of the stream's bytes (hostPoller.notifyReadable) since a receive
	// last emptied it: only then is a stream's host queue read (or
	// reported readable), so that the application never takes bytes
	// whose news is still to come (hostpoll.go says why). rx
	// is held around each receive and around the poller's notice (the
	// flag is atomic so Readiness, which a notice's callbacks may ask,
	// reads it without rx).
	rx        sync.Mutex
	announced atomic.Bool
	// news is what the announcements since the flag was last cleared
	// said (epoll bits: a hangup, an error); written under rx, read
	// without it. urgent is set for good once the host has reported
	// urgent data on the stream. With them a receive that came back
	// short, and a readiness check of an announced stream, know the
	// host's state without asking it (hostRecv, Readiness).
	news   atomic.Uint32
	urgent atomic.Bool

	// peer is a connected stream's peer, asked of the host once: a
	// stream's peer never changes, and every receive reports it.
	peerMu sync.Mutex
	peer   *Addr
}

func (h *hostSock) do(f func(fd int) error) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.fd < 0 {
		return unix.EBADF
	}
	return f(h.fd)
}

// hostSock returns the socket's host socket, nil while it has none.
func (s *Socket) hostSock() *hostSock {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.host
}

// hostOpt is an option the application set before the host socket
// existed, replayed on it when it is made.
type hostOpt struct {
	key [2]int
	val []byte
}

// hostOptions are the options passed to the host socket once there is
// one, with the size of their getsockopt value. The rest (timeouts,
// SO_REUSEADDR, SO_PASSCRED...) concern the sandbox's side only.
var hostOptions = map[[2]int]int{
	{unix.SOL_SOCKET, unix.SO_REUSEADDR}:        4, // for host-mode listeners
	{unix.SOL_SOCKET, unix.SO_REUSEPORT}:        4,
	{unix.SOL_SOCKET, unix.SO_RCVBUF}:           4,
	{unix.SOL_SOCKET, unix.SO_SNDBUF}:           4,
	{unix.SOL_SOCKET, unix.SO_RCVBUFFORCE}:      4,
	{unix.SOL_SOCKET, unix.SO_SNDBUFFORCE}:      4,
	{unix.SOL_SOCKET, unix.SO_KEEPALIVE}:        4,
	{unix.SOL_SOCKET, unix.SO_LINGER}:           8,
	{unix.SOL_SOCKET, unix.SO_BROADCAST}:        4,
	{unix.SOL_SOCKET, unix.SO_PRIORITY}:         4,
	{unix.SOL_SOCKET, unix.SO_OOBINLINE}:        4,
	{unix.SOL_SOCKET, unix.SO_RCVLOWAT}:         4,
	{unix.IPPROTO_TCP, unix.TCP_NODELAY}:        4,
	{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE}:       4,
	{unix.IPPROTO_TCP, unix.TCP_KEEPINTVL}:      4,
	{unix.IPPROTO_TCP, unix.TCP_KEEPCNT}:        4,
	{unix.IPPROTO_TCP, unix.TCP_CORK}:           4,
	{unix.IPPROTO_TCP, unix.TCP_QUICKACK}:       4,
	{unix.IPPROTO_TCP, unix.TCP_MAXSEG}:         4,
	{unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT}:   4,
	{unix.IPPROTO_TCP, unix.TCP_SYNCNT}:         4,
	{unix.IPPROTO_TCP, unix.TCP_INFO}:           512, // the host's struct tcp_info, same ABI
	{unix.IPPROTO_IP, unix.IP_TOS}:              4,
	{unix.IPPROTO_IP, unix.IP_TTL}:              4,
	{unix.IPPROTO_IPV6, unix.IPV6_TCLASS}:       4,
	{unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS}: 4,

	// What a datagram's receiver asks for (hostcmsg.go).
	{unix.IPPROTO_IP, unix.IP_PKTINFO}:          4,
	{unix.IPPROTO_IP, unix.IP_RECVTTL}:          4,
	{unix.IPPROTO_IP, unix.IP_RECVTOS}:          4,
	{unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO}:  4,
	{unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT}: 4,
	{unix.IPPROTO_IPV6, unix.IPV6_RECVTCLASS}:   4,
}

// goesToHost reports whether traffic to ip leaves through a host socket:
// in host mode, every address but loopback and the unspecified one
// (which means loopback to connect and sendto); in host-loopback mode,
// every address, loopback being the namespace's too.
func (s *Socket) goesToHost(ip netip.Addr) bool {
	switch s.stack.mode {
	case ModeHost:
		return !reachable(ip)
	case ModeHostLoopback:
		return true
	}
	return false
}

// ensureHost returns the socket's host socket, making it on first use:
// same family and type, non-blocking, the options the application set
// replayed on it, bound to the sandbox port the application bound (if
// any), and watched by the stack's host poller.
func (s *Socket) ensureHost() (*hostSock, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.host != nil {
		return s.host, nil
	}
	if s.state == stateClosed {
		return nil, unix.EBADF
	}
	fd, err := unix.Socket(s.family, s.stype|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, s.proto)
	if err != nil {
		return nil, hostResourceErr(err)
	}
	fail := func(err error) (*hostSock, error) {
		unix.Close(fd)
		return nil, err
	}
	if s.family == unix.AF_INET6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, int(boolInt(s.opts.v6only))); err != nil {
			return fail(err)
		}
	}
	for _, o := range s.hostOpts {
		// The application was told these succeeded; the host clamps
		// sizes rather than refusing them, so an error here means an
		// option the host's Linux lacks, which the sandbox's own
		// setsockopt answered for.
		_ = hostSetsockopt(fd, o.key[0], o.key[1], o.val)
	}
	if ip := s.local.IP.Addr(); s.bound && (s.local.IP.Port() != 0 || !isLocal(ip)) {
		// The address and port the application chose (or the port it
		// was given for loopback traffic) are its own out there too;
		// a loopback address is not, there.
		if ip.Unmap().IsLoopback() && s.stack.mode != ModeHostLoopback {
			ip = unspecified(s.family)
		}
		sa := toSockaddr(s.family, netip.AddrPortFrom(ip, s.local.IP.Port()))
		if err := unix.Bind(fd, sa); err != nil {
			return fail(err)
		}
	}
	if err := s.stack.hostPoll.add(fd, s); err != nil {
		return fail(unix.ENOBUFS)
	}
	s.host = &hostSock{fd: fd}
	s.hostOpts = nil
	return s.host, nil
}

// hostResourceErr is what the application sees when the sentry cannot
// make a host socket for it: the host's errno when it is one connect or
// sendmsg can give, else ENOBUFS (the sentry ran out of something, not
// the application's socket).
func hostResourceErr(err error) error {
	var e unix.Errno
	if errors.As(err, &e) && (e == unix.ENOBUFS || e == unix.ENOMEM || e == unix.EAFNOSUPPORT) {
		return e
	}
	return unix.ENOBUFS
}

// closeHost closes the host socket, if any.
func (s *Socket) closeHost() {
	h := s.hostSock()
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fd < 0 {
		return
	}
	s.stack.hostPoll.remove(h.fd)
	unix.Close(h.fd)
	h.fd = -1
}

// connectStreamHost connects a stream socket to ap, beyond loopback,
// through its host socket. The sandbox port it may have had is
// released: from now on the host's port table holds it.
func (s *Socket) connectStreamHost(ap netip.AddrPort) error {
	h, err := s.ensureHost()
	if err != nil {
		return err
	}
	s.mu.Lock()
	bound, port := s.bound, s.local.IP.Port()
	s.mu.Unlock()
	if bound {
		s.stack.unbindInet(s, s.proto, port)
	}
	return h.do(func(fd int) error { return unix.Connect(fd, toSockaddr(s.family, ap)) })
}

// hostConnectResult is ConnectResult for a host socket: EAGAIN while
// the host still connects, then the host's SO_ERROR.
func (s *Socket) hostConnectResult(h *hostSock) error {
	if s.hostReadiness(h, epoll.EventOut)&(epoll.EventOut|epoll.EventErr|epoll.EventHup) == 0 {
		return unix.EAGAIN
	}
	return h.do(func(fd int) error {
		v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return err
		}
		if v != 0 {
			return unix.Errno(v)
		}
		return nil
	})
}

// hostSend sends p on the host socket, to to when it is valid, with
// the control messages ctl (hostcmsg.go).
func (s *Socket) hostSend(h *hostSock, p []byte, to netip.AddrPort, oob bool, ctl []byte) (int, error) {
	flags := unix.MSG_DONTWAIT | unix.MSG_NOSIGNAL
	if oob {
		flags |= unix.MSG_OOB
	}
	var sa unix.Sockaddr
	if to.IsValid() {
		sa = toSockaddr(s.family, to)
	}
	var n int
	err := h.do(func(fd int) error {
		var err error
		n, err = unix.SendmsgN(fd, p, ctl, sa, flags)
		return err
	})
	return n, err
}

// hostRecv receives from the host socket without waiting.
func (s *Socket) hostRecv(h *hostSock, p []byte, flags int) (RecvResult, error) {
	if flags&unix.MSG_ERRQUEUE != 0 {
		// Nothing asks the host for IP_RECVERR; its queue is empty.
		return RecvResult{}, unix.EAGAIN
	}
	hf := flags&(unix.MSG_PEEK|unix.MSG_OOB|unix.MSG_TRUNC) | unix.MSG_DONTWAIT
	if !s.connOriented() {
		hf |= unix.MSG_TRUNC // the datagram's real length, for Full
	}
	var oob []byte
	if !s.connOriented() {
		oob = make([]byte, hostCmsgSpace)
	}
	var n, oobn, rflags int
	var from unix.Sockaddr
	gated := s.connOriented() && flags&unix.MSG_OOB == 0
	h.rx.Lock()
	if gated && !h.announced.Load() {
		h.rx.Unlock()
		return RecvResult{}, unix.EAGAIN // the news is on its way
	}
	err := h.do(func(fd int) error {
		var err error
		n, oobn, rflags, from, err = unix.Recvmsg(fd, p, oob, hf)
		if !gated || hf&unix.MSG_PEEK != 0 {
			return err
		}
		if err == unix.EAGAIN {
			h.clearNews()
		} else if err == nil && n > 0 {
			if n < len(p) && !h.urgent.Load() && epoll.EventMask(h.news.Load())&(epoll.EventRdHup|epoll.EventHup|epoll.EventErr) == 0 {
				// A short read took the whole queue: it stops early
				// only at an urgent mark (never reported here) or
				// before an end of file or error (none announced).
				// Bytes, a hangup or an error coming since are news
				// the poller gives after this, under rx.
				h.clearNews()
				return nil
			}
			// A full read may have left bytes, and an end of file or
			// an error left behind is news already given: ask.
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN | unix.POLLRDHUP}}
			if m, perr := unix.Poll(pfd, 0); perr == nil && m == 0 {
				h.clearNews()
			}
		}
		return err
	})
	h.rx.Unlock()
	if err != nil {
		return RecvResult{}, err
	}
	res := RecvResult{N: min(n, len(p)), Full: n, Flags: rflags & unix.MSG_OOB}
	if s.connOriented() {
		res.From = s.hostStreamPeer(h)
	} else {
		if a, ok := fromSockaddr(s.family, from); ok {
			res.From = &a
		}
		res.Control = hostControl(oob[:oobn])
	}
	return res, nil
}

// clearNews records that a receive emptied the stream's host queue: its
// next bytes wait for the poller's news. Caller holds h.rx.
func (h *hostSock) clearNews() {
	h.announced.Store(false)
	h.news.Store(0)
}

// hostReadiness is the host socket's readiness, polled now.
func (s *Socket) hostReadiness(h *hostSock, mask epoll.EventMask) epoll.EventMask {
	var r epoll.EventMask
	err := h.do(func(fd int) error {
		const asked = int16(epoll.EventIn | epoll.EventPri | epoll.EventOut | epoll.EventRdHup | epoll.EventRdNorm | epoll.EventWrNorm)
		pfd := []unix.PollFd{{Fd: int32(fd), Events: asked}}
		for {
			n, err := unix.Poll(pfd, 0)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return err
			}
			if n > 0 {
				r = epoll.EventMask(uint16(pfd[0].Revents))
			}
			return nil
		}
	})
	if err != nil {
		// Closed under us, or the host refused to poll: say so, so a
		// waiter re-checks and meets the error on its own call.
		r = epoll.EventErr | epoll.EventHup
	}
	return r & (mask | epoll.EventErr | epoll.EventHup)
}

// hostLocal is getsockname of the host socket.
func (s *Socket) hostLocal(h *hostSock) (Addr, error) {
	var sa unix.Sockaddr
	err := h.do(func(fd int) error {
		var err error
		sa, err = unix.Getsockname(fd)
		return err
	})
	if err != nil {
		return Addr{}, err
	}
	if a, ok := fromSockaddr(s.family, sa); ok {
		return a, nil
	}
	return Addr{Family: s.family}, nil
}

// hostPeer is getpeername of the host socket.
func (s *Socket) hostPeer(h *hostSock) (Addr, error) {
	var sa unix.Sockaddr
	err := h.do(func(fd int) error {
		var err error
		sa, err = unix.Getpeername(fd)
		return err
	})
	if err != nil {
		return Addr{}, err
	}
	if a, ok := fromSockaddr(s.family, sa); ok {
		return a, nil
	}
	return Addr{}, unix.ENOTCONN
}

// hostStreamPeer is a connected stream's peer, cached; nil when the
// host cannot say.
func (s *Socket) hostStreamPeer(h *hostSock) *Addr {
	h.peerMu.Lock()
	defer h.peerMu.Unlock()
	if h.peer == nil {
		if a, err := s.hostPeer(h); err == nil {
			h.peer = &a
		}
	}
	if h.peer == nil {
		return nil
	}
	a := *h.peer
	return &a
}

// hostBuffered is SIOCINQ of the host socket.
func (s *Socket) hostBuffered(h *hostSock) int {
	var n int
	_ = h.do(func(fd int) error {
		var err error
		n, err = unix.IoctlGetInt(fd, unix.SIOCINQ)
		return err
	})
	return n
}

// hostAtMark is SIOCATMARK of the host socket.
func (s *Socket) hostAtMark(h *hostSock) bool {
	var n int
	_ = h.do(func(fd int) error {
		var err error
		n, err = unix.IoctlGetInt(fd, unix.SIOCATMARK)
		return err
	})
	return n != 0
}

// setHostOption passes a setsockopt the sandbox accepted to the host
// socket, or keeps it for the host socket to come. handled is false for
// options that concern the sandbox's side only.
func (s *Socket) setHostOption(key [2]int, b []byte) (handled bool, err error) {
	if _, ok := hostOptions[key]; !ok || !s.isInet() || s.family == unix.AF_NETLINK {
		return false, nil
	}
	s.mu.Lock()
	h := s.host
	if h == nil {
		v := append([]byte(nil), b...)
		for i, o := range s.hostOpts {
			if o.key == key {
				s.hostOpts[i].val = v
				s.mu.Unlock()
				return true, nil
			}
		}
		s.hostOpts = append(s.hostOpts, hostOpt{key, v})
		s.mu.Unlock()
		return true, nil
	}
	s.mu.Unlock()
	return true, h.do(func(fd int) error { return hostSetsockopt(fd, key[0], key[1], b) })
}

// getHostOption answers getsockopt from the host socket for the options
// it owns (and SO_ERROR); ok is false when the sandbox answers.
func (s *Socket) getHostOption(key [2]int) (v []byte, ok bool, err error) {
	h := s.hostSock()
	if h == nil {
		return nil, false, nil
	}
	size, ok := hostOptions[key]
	if key == [2]int{unix.SOL_SOCKET, unix.SO_ERROR} {
		size, ok = 4, true
	}
	if !ok {
		return nil, false, nil
	}
	err = h.do(func(fd int) error {
		var err error
		v, err = hostGetsockopt(fd, key[0], key[1], size)
		return err
	})
	if err == nil && key[1] == unix.SO_ERROR && key[0] == unix.SOL_SOCKET && !s.connOriented() && len(v) == 4 && v[0]|v[1]|v[2]|v[3] == 0 {
		// A datagram socket's loopback side may hold the error.
		return nil, false, nil
	}
	return v, true, err
}

// toSockaddr spells ap for a host socket of family.
func toSockaddr(family int, ap netip.AddrPort) unix.Sockaddr {
	if family == unix.AF_INET {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().Unmap().As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}

// fromSockaddr reads an address the host returned as a socket of
// family sees it.
func fromSockaddr(family int, sa unix.Sockaddr) (Addr, bool) {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return inFamily(family, netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))), true
	case *unix.SockaddrInet6:
		return inFamily(family, netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port))), true
	}
	return Addr{}, false
}

// queued reports whether a message or byte waits in the buffer (an
// empty datagram counts).
func (b *buffer) queued() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs) > 0 || b.bytes > 0
}
