package netstack

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/vfs"
)

// Socket states.
const (
	stateInit = iota
	stateListening
	stateConnecting // waiting for room in a full listen backlog
	stateConnected
	stateClosed // released
)

// Buffer sizes: what one direction of a connection holds before writers
// meet back-pressure, and the biggest datagram.
const (
	defaultBuf   = 256 << 10
	minBuf       = 4608 // SOCK_MIN_RCVBUF-ish floor for SO_RCVBUF/SO_SNDBUF
	maxBuf       = 4 << 20
	maxDatagram  = 65507
	maxBacklog   = 4096 // net.core.somaxconn
	loopbackV4   = "127.0.0.1"
	defaultTTL   = 64
	defaultMSS   = 65483
	maxUnixDgram = 212992
)

// Socket is one socket of the sandbox: a vfs.FileImpl and an
// epoll.Waitable. Its operations never block; see the package doc.
type Socket struct {
	stack  *Stack
	family int
	stype  int
	proto  int
	ino    uint64
	creds  Creds // of the process that created it (SO_PEERCRED)
	q      epoll.Queue
	rx     *buffer

	mu         sync.Mutex
	state      int
	bound      bool
	local      Addr
	remote     Addr
	connected  bool // datagram: a default destination is set
	peer       *Socket
	peerCreds  Creds
	tx         *buffer
	shutRd     bool
	shutWr     bool
	soError    unix.Errno
	backlog    int
	acceptq    []*Socket
	pending    []*Socket
	listener   *Socket // the listener whose backlog this socket waits on
	connectDst Addr
	opts       options
	nl         *netlink
}

// NewSocket creates a socket (socket(2) without the flags, which belong
// to the file). creds are the creating process's, passed to peers.
func (st *Stack) NewSocket(family, stype, proto int, creds Creds) (*Socket, error) {
	switch family {
	case unix.AF_INET, unix.AF_INET6:
		switch stype {
		case unix.SOCK_STREAM:
			if proto != 0 && proto != unix.IPPROTO_TCP {
				return nil, unix.EPROTONOSUPPORT
			}
			proto = unix.IPPROTO_TCP
		case unix.SOCK_DGRAM:
			if proto != 0 && proto != unix.IPPROTO_UDP {
				return nil, unix.EPROTONOSUPPORT
			}
			proto = unix.IPPROTO_UDP
		case unix.SOCK_RAW:
			return nil, unix.EPERM
		default:
			return nil, unix.ESOCKTNOSUPPORT
		}
	case unix.AF_UNIX:
		switch stype {
		case unix.SOCK_STREAM, unix.SOCK_DGRAM, unix.SOCK_SEQPACKET:
		default:
			return nil, unix.ESOCKTNOSUPPORT
		}
		if proto != 0 && proto != unix.PF_UNIX {
			return nil, unix.EPROTONOSUPPORT
		}
	case unix.AF_NETLINK:
		if stype != unix.SOCK_RAW && stype != unix.SOCK_DGRAM {
			return nil, unix.ESOCKTNOSUPPORT
		}
		if proto != unix.NETLINK_ROUTE {
			return nil, unix.EPROTONOSUPPORT
		}
	default:
		return nil, unix.EAFNOSUPPORT
	}
	s := &Socket{stack: st, family: family, stype: stype, proto: proto, ino: st.newIno(), creds: creds}
	s.rx = newBuffer(s, defaultBuf)
	s.opts = defaultOptions(family, stype)
	s.local = Addr{Family: family}
	if family == unix.AF_INET || family == unix.AF_INET6 {
		s.local.IP = netip.AddrPortFrom(unspecified(family), 0)
	}
	if family == unix.AF_NETLINK {
		s.nl = &netlink{}
	}
	return s, nil
}

func unspecified(family int) netip.Addr {
	if family == unix.AF_INET {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

// inFamily spells ip as a socket of family sees it: IPv4 addresses are
// v4-mapped for AF_INET6 sockets.
func inFamily(family int, ap netip.AddrPort) Addr {
	ip := ap.Addr()
	if family == unix.AF_INET6 && ip.Is4() {
		ip = netip.AddrFrom16(ip.As16())
	}
	if family == unix.AF_INET {
		ip = ip.Unmap()
	}
	return Addr{Family: family, IP: netip.AddrPortFrom(ip, ap.Port())}
}

// Ino is the socket's inode number.
func (s *Socket) Ino() uint64 { return s.ino }

// Family, Type and Protocol are what socket(2) was given (SO_DOMAIN,
// SO_TYPE, SO_PROTOCOL).
func (s *Socket) Family() int   { return s.family }
func (s *Socket) Type() int     { return s.stype }
func (s *Socket) Protocol() int { return s.proto }

func (s *Socket) isInet() bool { return s.family == unix.AF_INET || s.family == unix.AF_INET6 }

func (s *Socket) connOriented() bool {
	return s.stype == unix.SOCK_STREAM || s.stype == unix.SOCK_SEQPACKET
}

// checkInetAddr validates a destination or bind address for s.
func (s *Socket) checkInetAddr(a Addr) (netip.AddrPort, error) {
	if a.Family != s.family {
		if s.family == unix.AF_INET6 && a.Family == unix.AF_INET {
			return netip.AddrPort{}, unix.EINVAL
		}
		return netip.AddrPort{}, unix.EAFNOSUPPORT
	}
	return a.IP, nil
}

// Bind names the socket.
func (s *Socket) Bind(a Addr) error {
	switch {
	case s.isInet():
		ap, err := s.checkInetAddr(a)
		if err != nil {
			return err
		}
		if !isLocal(ap.Addr()) {
			return unix.EADDRNOTAVAIL
		}
		if s.family == unix.AF_INET6 && ap.Addr().Is4In6() {
			s.mu.Lock()
			v6only := s.opts.v6only
			s.mu.Unlock()
			if v6only {
				return unix.EINVAL
			}
		}
		return s.stack.bindInet(s, ap.Addr(), ap.Port())
	case s.family == unix.AF_UNIX:
		if a.Family != unix.AF_UNIX {
			return unix.EINVAL
		}
		s.mu.Lock()
		bound := s.bound
		s.mu.Unlock()
		if bound {
			return unix.EINVAL
		}
		name, err := s.stack.bindUnix(s, a.Name)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.local, s.bound = Addr{Family: unix.AF_UNIX, Name: name}, true
		s.mu.Unlock()
		return nil
	case s.family == unix.AF_NETLINK:
		s.mu.Lock()
		defer s.mu.Unlock()
		pid := a.NLPid
		if pid == 0 {
			pid = uint32(max(s.creds.PID, 1))
		}
		s.local, s.bound = Addr{Family: unix.AF_NETLINK, NLPid: pid}, true
		return nil
	}
	return unix.EINVAL
}

// autobind gives an unbound socket an address (an ephemeral port on src's
// family, an abstract unix name) as connect and send do.
func (s *Socket) autobind(src netip.Addr) error {
	s.mu.Lock()
	bound := s.bound
	s.mu.Unlock()
	if bound {
		return nil
	}
	var err error
	switch {
	case s.isInet():
		if !src.IsValid() {
			src = unspecified(s.family)
		}
		err = s.stack.bindInet(s, inFamily(s.family, netip.AddrPortFrom(src, 0)).IP.Addr(), 0)
		if err == unix.EINVAL {
			err = nil // bound meanwhile
		}
	case s.family == unix.AF_UNIX:
		err = s.Bind(Addr{Family: unix.AF_UNIX})
		if err == unix.EINVAL {
			err = nil
		}
	}
	return err
}

// Listen makes a stream socket accept connections.
func (s *Socket) Listen(backlog int) error {
	if !s.connOriented() {
		return unix.EOPNOTSUPP
	}
	if s.isInet() {
		if err := s.autobind(netip.Addr{}); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.bound {
		return unix.EINVAL
	}
	switch s.state {
	case stateInit, stateListening:
	default:
		return unix.EINVAL
	}
	s.backlog = min(max(backlog, 0), maxBacklog)
	s.state = stateListening
	return nil
}

// Accept takes a connection from the backlog: EAGAIN when there is none.
func (s *Socket) Accept() (*Socket, error) {
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
	srv := &Socket{stack: s.stack, family: s.family, stype: s.stype, proto: s.proto, ino: s.stack.newIno(), creds: s.creds}
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
	s.mu.Lock()
	switch s.state {
	case stateConnected:
		s.mu.Unlock()
		return unix.EISCONN
	case stateConnecting:
		s.mu.Unlock()
		return unix.EALREADY
	case stateListening:
		s.mu.Unlock()
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
		l = s.stack.lookupInet(true, netip.AddrPortFrom(ip.Unmap(), ap.Port()))
		if l == nil {
			if nonblock {
				s.mu.Lock()
				s.soError = unix.ECONNREFUSED
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
		l = s.stack.lookupUnix(a.Name)
		if l == nil {
			if a.Name != "" && a.Name[0] != 0 {
				return unix.ENOENT
			}
			return unix.ECONNREFUSED
		}
		if l.stype != s.stype {
			return unix.EPROTOTYPE
		}
		dst = Addr{Family: unix.AF_UNIX, Name: a.Name}
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
		s.mu.Unlock()
		return unix.EINPROGRESS
	}
	srv := l.newServerSideLocked(s, dst)
	l.acceptq = append(l.acceptq, srv)
	l.mu.Unlock()
	s.finishConnect(srv, dst)
	l.q.Notify(epoll.EventIn | epoll.EventRdNorm)
	if s.isInet() && nonblock {
		return unix.EINPROGRESS
	}
	return nil
}

// ConnectResult is what a connect that returned EINPROGRESS came to:
// EAGAIN while it still waits, else its final error (consumed, like
// SO_ERROR).
func (s *Socket) ConnectResult() error {
	s.mu.Lock()
	defer s.mu.Unlock()
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
	if a.Family == unix.AF_UNSPEC {
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
	p := s.stack.lookupUnix(a.Name)
	if p == nil {
		if a.Name != "" && a.Name[0] != 0 {
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

// SendOpts are the extras of one send.
type SendOpts struct {
	To     *Addr
	Rights []*vfs.File // the socket takes these references on success
	Creds  *Creds
	// Direct: the writer will wait for the answer next, so latency is
	// what counts; a published connection may send straight to the host
	// (publish_direct.go).
	Direct bool
}

// Send writes p without blocking: a stream takes what fits (EAGAIN when
// nothing does), a datagram goes whole or not at all.
func (s *Socket) Send(p []byte, o SendOpts) (int, error) {
	if s.family == unix.AF_NETLINK {
		return s.netlinkSend(p)
	}
	if o.Rights != nil && s.family != unix.AF_UNIX {
		return 0, unix.EINVAL
	}
	if s.connOriented() {
		s.mu.Lock()
		tx, state, shut := s.tx, s.state, s.shutWr
		s.mu.Unlock()
		if shut {
			return 0, unix.EPIPE
		}
		if state != stateConnected {
			if s.family == unix.AF_UNIX && o.To != nil {
				return 0, unix.EOPNOTSUPP
			}
			return 0, unix.ENOTCONN
		}
		if o.To != nil && s.family == unix.AF_UNIX {
			return 0, unix.EISCONN
		}
		m := message{rights: o.Rights, creds: o.Creds}
		if s.stype == unix.SOCK_SEQPACKET {
			if len(p) > maxBuf {
				return 0, unix.EMSGSIZE
			}
			return tx.writeMessage(p, m, s, false)
		}
		if len(p) == 0 && o.Rights == nil {
			return 0, nil
		}
		return tx.writeStream(p, m, o.Direct)
	}
	return s.sendDgram(p, o)
}

func (s *Socket) sendDgram(p []byte, o SendOpts) (int, error) {
	s.mu.Lock()
	connected, remote, peer, shut := s.connected, s.remote, s.peer, s.shutWr
	s.mu.Unlock()
	if shut {
		return 0, unix.EPIPE
	}
	if s.isInet() {
		if len(p) > maxDatagram {
			return 0, unix.EMSGSIZE
		}
		var dst netip.AddrPort
		switch {
		case o.To != nil:
			ap, err := s.checkInetAddr(*o.To)
			if err != nil {
				return 0, err
			}
			dst = ap
		case connected:
			dst = remote.IP
		default:
			return 0, unix.EDESTADDRREQ
		}
		if !reachable(dst.Addr()) {
			return 0, unix.ENETUNREACH
		}
		if err := s.autobind(dst.Addr()); err != nil {
			return 0, err
		}
		ip := dst.Addr().Unmap()
		if ip.IsUnspecified() {
			ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
		r := s.stack.lookupInet(false, netip.AddrPortFrom(ip, dst.Port()))
		if r == nil {
			return len(p), nil // nobody listens: UDP drops it
		}
		s.mu.Lock()
		from := s.local
		s.mu.Unlock()
		if from.IP.Addr().Unmap().IsUnspecified() {
			from.IP = netip.AddrPortFrom(ip, from.IP.Port())
		}
		return r.rx.writeMessage(p, message{from: from}, s, true)
	}
	// AF_UNIX datagram.
	var r *Socket
	switch {
	case o.To != nil:
		r = s.stack.lookupUnix(o.To.Name)
		if r == nil {
			if o.To.Name != "" && o.To.Name[0] != 0 {
				return 0, unix.ENOENT
			}
			return 0, unix.ECONNREFUSED
		}
	case connected:
		r = peer
	default:
		return 0, unix.ENOTCONN
	}
	if r.stype != unix.SOCK_DGRAM {
		return 0, unix.EPROTOTYPE
	}
	if len(p) > maxUnixDgram {
		return 0, unix.EMSGSIZE
	}
	s.mu.Lock()
	from := s.local
	s.mu.Unlock()
	n, err := r.rx.writeMessage(p, message{from: from, rights: o.Rights, creds: o.Creds}, s, false)
	if err == unix.EPIPE {
		err = unix.ECONNREFUSED
	}
	return n, err
}

// RecvResult is what one receive took.
type RecvResult struct {
	N      int
	Full   int   // a datagram's length before truncation
	From   *Addr // the sender, for datagrams
	Rights []*vfs.File
	Creds  *Creds
}

// Recv flags the socket itself acts on.
const (
	MsgPeek = unix.MSG_PEEK
)

// Recv reads without blocking: EAGAIN when nothing is there yet; a
// zero-length result with nil error is end of file.
func (s *Socket) Recv(p []byte, flags int) (RecvResult, error) {
	if s.family == unix.AF_NETLINK {
		return s.netlinkRecv(p, flags)
	}
	peek := flags&unix.MSG_PEEK != 0
	s.mu.Lock()
	state, shutRd, passCred := s.state, s.shutRd, s.opts.passCred
	remote := s.remote
	s.mu.Unlock()
	var r readResult
	var err error
	switch {
	case s.connOriented():
		if state != stateConnected {
			if s.isInet() {
				return RecvResult{}, unix.ENOTCONN
			}
			return RecvResult{}, unix.EINVAL
		}
		if s.stype == unix.SOCK_SEQPACKET {
			r, err = s.rx.readMessage(p, peek)
		} else {
			r, err = s.rx.readStream(p, peek)
		}
		if err == unix.EAGAIN && shutRd {
			return RecvResult{}, nil
		}
	default:
		r, err = s.rx.readMessage(p, peek)
		if err == unix.EAGAIN && shutRd {
			return RecvResult{}, nil
		}
	}
	if err != nil {
		return RecvResult{}, err
	}
	res := RecvResult{N: r.n, Full: max(r.full, r.n), Rights: r.rights}
	if passCred && s.family == unix.AF_UNIX {
		c := r.creds
		if c == nil {
			// No credentials were sent: Linux reports the overflow ids.
			c = &Creds{UID: 65534, GID: 65534}
		}
		res.Creds = c
	}
	if !s.connOriented() {
		from := r.from
		if s.isInet() {
			from = inFamily(s.family, from.IP)
		}
		res.From = &from
	} else if s.family == unix.AF_UNIX {
		res.From = &Addr{Family: unix.AF_UNIX}
	} else {
		res.From = &remote
	}
	return res, nil
}

// Shutdown closes one or both directions (SHUT_RD, SHUT_WR, SHUT_RDWR).
func (s *Socket) Shutdown(how int) error {
	if how < unix.SHUT_RD || how > unix.SHUT_RDWR {
		return unix.EINVAL
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
}

// Close releases the socket: a stream peer sees end of file, or a reset
// if this side left data unread (or lingers with timeout 0).
func (s *Socket) Close() {
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
			s.stack.unbindInet(s, s.stype != unix.SOCK_DGRAM, local.IP.Port())
		} else if s.family == unix.AF_UNIX {
			s.stack.unbindUnix(s, local.Name)
		}
	}
	had := s.rx.closeRead()
	if tx != nil {
		if (had || lingerReset) && s.stype == unix.SOCK_STREAM && s.isInet() {
			tx.setReset()
		} else if had && s.family == unix.AF_UNIX && s.stype == unix.SOCK_STREAM {
			tx.setReset()
		} else {
			tx.closeWrite()
		}
	}
	s.q.Release()
}

// Readiness implements epoll.Waitable.
func (s *Socket) Readiness(mask epoll.EventMask) epoll.EventMask {
	s.mu.Lock()
	state, tx, soErr, shutRd, shutWr := s.state, s.tx, s.soError, s.shutRd, s.shutWr
	nacc := len(s.acceptq)
	connected, peer := s.connected, s.peer
	s.mu.Unlock()
	var r epoll.EventMask
	if soErr != 0 {
		r |= epoll.EventErr
	}
	if s.family == unix.AF_NETLINK {
		if s.nl.pending() {
			r |= epoll.EventIn | epoll.EventRdNorm
		}
		return (r | epoll.EventOut | epoll.EventWrNorm) & (mask | epoll.EventErr | epoll.EventHup)
	}
	avail, wclosed, _, reset, _ := s.rx.state()
	if s.connOriented() {
		switch state {
		case stateListening:
			if nacc > 0 {
				r |= epoll.EventIn | epoll.EventRdNorm
			}
		case stateConnected:
			if avail > 0 || wclosed || shutRd {
				r |= epoll.EventIn | epoll.EventRdNorm
			}
			if wclosed || shutRd {
				r |= epoll.EventRdHup
			}
			if reset {
				r |= epoll.EventErr
			}
			_, _, peerGone, _, full := tx.state()
			if !shutWr && !full && !peerGone {
				r |= epoll.EventOut | epoll.EventWrNorm
			}
			if peerGone && !shutWr {
				r |= epoll.EventOut | epoll.EventWrNorm
			}
			if (wclosed || shutRd) && (shutWr || peerGone) {
				r |= epoll.EventHup
			}
		case stateConnecting:
		default:
			r |= epoll.EventOut | epoll.EventWrNorm | epoll.EventHup
		}
	} else {
		if avail > 0 || shutRd {
			r |= epoll.EventIn | epoll.EventRdNorm
		}
		r |= epoll.EventOut | epoll.EventWrNorm
		if connected && peer != nil && s.family == unix.AF_UNIX {
			_, _, gone, _, full := peer.rx.state()
			if full && !gone {
				r &^= epoll.EventOut | epoll.EventWrNorm
			}
		}
	}
	return r & (mask | epoll.EventErr | epoll.EventHup)
}

// EventRegister implements epoll.Waitable.
func (s *Socket) EventRegister(e *epoll.Entry) { s.q.Register(e) }

// EventUnregister implements epoll.Waitable.
func (s *Socket) EventUnregister(e *epoll.Entry) { s.q.Unregister(e) }

// LocalAddr is getsockname's answer.
func (s *Socket) LocalAddr() Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.local
}

// RemoteAddr is getpeername's answer; ENOTCONN when unconnected.
func (s *Socket) RemoteAddr() (Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateConnected || s.connected {
		return s.remote, nil
	}
	return Addr{}, unix.ENOTCONN
}

// Buffered is how many bytes wait to be read (FIONREAD).
func (s *Socket) Buffered() int {
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	if s.connOriented() && state != stateConnected {
		return 0
	}
	s.rx.mu.Lock()
	defer s.rx.mu.Unlock()
	if !s.connOriented() && len(s.rx.msgs) > 0 {
		return len(s.rx.msgs[0].data)
	}
	return s.rx.bytes
}

// Readable is FIONREAD's answer (vfs.File.Readable).
func (s *Socket) Readable(int64) int64 { return int64(s.Buffered()) }

// Timeouts implements the kernel's SO_RCVTIMEO/SO_SNDTIMEO lookup.
func (s *Socket) Timeouts() (recv, send time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.rcvTimeo, s.opts.sndTimeo
}

// ReadAt implements vfs.FileImpl: read(2) on a socket.
func (s *Socket) ReadAt(p []byte, _ int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r, err := s.Recv(p, 0)
	releaseRights(r.Rights)
	return r.N, err
}

// WriteAt implements vfs.FileImpl: write(2) on a socket.
func (s *Socket) WriteAt(p []byte, _ int64) (int, error) {
	if s.connOriented() && s.stype == unix.SOCK_STREAM && len(p) == 0 {
		return 0, nil
	}
	return s.Send(p, SendOpts{})
}

// Stat implements vfs.FileImpl.
func (s *Socket) Stat() (vfs.Stat, error) {
	return vfs.Stat{Dev: 0x8, Ino: s.ino, Nlink: 1, Mode: unix.S_IFSOCK | 0o777, UID: uint32(s.creds.UID), GID: uint32(s.creds.GID), Blksize: 4096}, nil
}

// Truncate implements vfs.FileImpl.
func (s *Socket) Truncate(int64) error { return unix.EINVAL }

// Sync implements vfs.FileImpl.
func (s *Socket) Sync() error { return unix.EINVAL }

// Seekable implements vfs.FileImpl.
func (s *Socket) Seekable() bool { return false }

// Release implements vfs.FileImpl: the last close.
func (s *Socket) Release() { s.Close() }
