package netstack

import (
	"net/netip"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/vfs"
)

// Moving data: send and receive, streams and datagrams.

// SendOpts are the extras of one send.
type SendOpts struct {
	To     *Addr
	Rights []*vfs.File // the socket takes these references on success
	Creds  *Creds
	// Direct: the writer will wait for the answer next, so latency is
	// what counts; a published connection may send straight to the host
	// (publish_direct.go).
	Direct bool
	// OOB is MSG_OOB: the last byte sent is urgent data (urgent.go).
	OOB bool
	// HopLimit and TClass are IPV6_HOPLIMIT/IP_TTL and IPV6_TCLASS/IP_TOS
	// control messages (inet_cmsg.go); nil: the socket's setting.
	HopLimit, TClass *int32
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
	if o.OOB && !s.supportsOOB() {
		return 0, unix.EOPNOTSUPP
	}
	if h := s.hostSock(); h != nil && s.connOriented() {
		return s.hostSend(h, p, netip.AddrPort{}, o.OOB, nil)
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
			if s.isInet() {
				return 0, unix.EPIPE // as Linux's tcp_sendmsg
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
		if s.stype == unix.SOCK_STREAM && s.isInet() {
			if n, ok, err := s.tcpWriteToGonePeer(tx, len(p)); ok {
				return n, err
			}
		}
		var urg urgentMark
		if o.OOB {
			// The reader's option decides whether the byte is a hole;
			// read it before the buffer lock (two sockets' locks do
			// not nest).
			urg = urgentMark{set: true, inline: tx.reader.oobInline()}
		}
		return tx.writeStream(p, m, o.Direct, urg)
	}
	return s.sendDgram(p, o)
}

func (s *Socket) sendDgram(p []byte, o SendOpts) (int, error) {
	if err := s.takeError(); err != nil {
		return 0, err
	}
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
		if s.goesToHost(dst.Addr()) {
			h, err := s.ensureHost()
			if err != nil {
				return 0, err
			}
			to := dst
			if o.To == nil {
				to = netip.AddrPort{} // the host socket is connected there
			}
			return s.hostSend(h, p, to, false, s.hostSendControl(o))
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
		r := s.stack.lookupInet(s.proto, netip.AddrPortFrom(ip, dst.Port()))
		if r == nil {
			// Nobody listens: the datagram is lost. A connected socket
			// hears of it (Linux's ICMP port unreachable): its next
			// call fails with ECONNREFUSED, so resolvers move on.
			if o.To == nil {
				s.mu.Lock()
				s.soError = unix.ECONNREFUSED
				s.mu.Unlock()
				s.q.Notify(epoll.EventErr)
			}
			return len(p), nil
		}
		s.mu.Lock()
		from := s.local
		meta := s.inetMetaLocked(o)
		s.mu.Unlock()
		if from.IP.Addr().Unmap().IsUnspecified() {
			from.IP = netip.AddrPortFrom(ip, from.IP.Port())
		}
		if s.udpliteDropped(r, meta, len(p)) {
			return len(p), nil
		}
		return r.rx.writeMessage(p, message{from: from, inet: meta}, s, true)
	}
	// AF_UNIX datagram.
	var r *Socket
	switch {
	case o.To != nil:
		r = s.stack.lookupUnix(*o.To, s.stype)
		if r == nil {
			if o.To.Name != "" && o.To.Name[0] != 0 && o.To.Node == ([2]uint64{}) {
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
	Flags  int // msg_flags to report (MSG_OOB, MSG_TRUNC of urgent data)
	// Control are an inet datagram's control messages the receiver
	// asked for (IPV6_RECVHOPLIMIT...), in Linux's order.
	Control []Cmsg
}

// Recv reads without blocking: EAGAIN when nothing is there yet; a
// zero-length result with nil error is end of file.
func (s *Socket) Recv(p []byte, flags int) (RecvResult, error) {
	if s.family == unix.AF_NETLINK {
		return s.netlinkRecv(p, flags)
	}
	if h := s.hostSock(); h != nil {
		if s.connOriented() {
			return s.hostRecv(h, p, flags)
		}
		// Loopback datagrams first, then the host's.
		if r, err := s.recvSandbox(p, flags); err != unix.EAGAIN {
			return r, err
		}
		return s.hostRecv(h, p, flags)
	}
	return s.recvSandbox(p, flags)
}

// recvSandbox is Recv from the sandbox's own buffers.
func (s *Socket) recvSandbox(p []byte, flags int) (RecvResult, error) {
	peek := flags&unix.MSG_PEEK != 0
	if flags&unix.MSG_ERRQUEUE != 0 && s.isInet() {
		// Nothing here queues errors (no timestamping, no zerocopy,
		// no ICMP): Linux's ip_recv_error finds the queue empty.
		return RecvResult{}, unix.EAGAIN
	}
	if flags&unix.MSG_OOB != 0 {
		return s.recvUrgent(p, peek)
	}
	s.mu.Lock()
	state, shutRd, passCred, inline := s.state, s.shutRd, s.opts.passCred, s.opts.oobInline
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
			r, err = s.rx.readStream(p, peek, inline)
		}
		if err == unix.EAGAIN && shutRd {
			return RecvResult{}, nil
		}
	default:
		if err := s.takeError(); err != nil {
			return RecvResult{}, err
		}
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
			res.Control = s.inetControl(r.inet)
		}
		res.From = &from
	} else if s.family == unix.AF_UNIX {
		res.From = &Addr{Family: unix.AF_UNIX}
	} else {
		res.From = &remote
	}
	return res, nil
}

// takeError returns and clears a datagram socket's pending error.
func (s *Socket) takeError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.soError; e != 0 {
		s.soError = 0
		return e
	}
	return nil
}
