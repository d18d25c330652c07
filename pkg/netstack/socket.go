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
	maxDgramQlen = 512 // net.unix.max_dgram_qlen
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
	inProgress bool // a non-blocking connect returned EINPROGRESS
	opts       options
	nl         *netlink
	urgNotify  urgNotifyHook // SIGURG to the owner (urgent.go)
	// host is the host socket behind this one in host mode, set once
	// (hostsock.go); hostOpts are options to replay on it when made.
	host     *hostSock
	hostOpts []hostOpt
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
			// UDP-Lite (udplite.go) is UDP with its own port space.
			if proto != 0 && proto != unix.IPPROTO_UDP && proto != unix.IPPROTO_UDPLITE {
				return nil, unix.EPROTONOSUPPORT
			}
			if proto == 0 {
				proto = unix.IPPROTO_UDP
			}
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
	s := &Socket{stack: st, family: family, stype: stype, proto: proto, creds: creds}
	st.register(s)
	s.rx = newBuffer(s, defaultBuf)
	if family == unix.AF_UNIX && stype == unix.SOCK_DGRAM {
		s.rx.maxMsgs = maxDgramQlen
	}
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
		if s.hostSock() != nil {
			return unix.EINVAL // bound on the host already
		}
		if !isLocal(ap.Addr()) && !(s.stack.mode.Host() && s.hostBindable(ap.Addr())) {
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
		if err := s.stack.bindInet(s, ap.Addr(), ap.Port()); err != nil {
			return err
		}
		return s.bindHostDgram(ap.Addr())
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
		na, err := s.stack.bindUnix(s, a)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.local, s.bound = na, true
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
	if s.hostSock() != nil && !s.listening() {
		return unix.EINVAL // connected (or connecting) on the host
	}
	if s.isInet() {
		if err := s.autobind(netip.Addr{}); err != nil {
			return err
		}
	}
	s.mu.Lock()
	if !s.bound {
		s.mu.Unlock()
		return unix.EINVAL
	}
	switch s.state {
	case stateInit, stateListening:
	default:
		s.mu.Unlock()
		return unix.EINVAL
	}
	prev := s.state
	s.backlog = min(max(backlog, 0), maxBacklog)
	s.state = stateListening
	onHost := s.listensOnHost(s.local.IP.Addr())
	s.mu.Unlock()
	if onHost {
		if err := s.listenHost(backlog); err != nil {
			s.mu.Lock()
			s.state = prev
			s.mu.Unlock()
			return err
		}
	}
	return nil
}

// LocalAddr is getsockname's answer.
func (s *Socket) LocalAddr() Addr {
	if h := s.hostSock(); h != nil {
		if a, err := s.hostLocal(h); err == nil {
			return a
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.local
}

// RemoteAddr is getpeername's answer; ENOTCONN when unconnected.
func (s *Socket) RemoteAddr() (Addr, error) {
	if h := s.hostSock(); h != nil && s.connOriented() {
		return s.hostPeer(h)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateConnected || s.connected {
		return s.remote, nil
	}
	return Addr{}, unix.ENOTCONN
}

// Buffered is how many bytes wait to be read (FIONREAD).
func (s *Socket) Buffered() int {
	if h := s.hostSock(); h != nil {
		if s.connOriented() || !s.rx.queued() {
			return s.hostBuffered(h)
		}
	}
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
