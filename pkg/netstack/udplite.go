package netstack

import (
	"golang.org/x/sys/unix"
)

// UDP-Lite (RFC 3828, socket(AF_INET/AF_INET6, SOCK_DGRAM,
// IPPROTO_UDPLITE)): UDP with its own port space and a checksum that may
// cover only the start of a datagram. A loopback corrupts nothing, so the
// coverage matters only as Linux's receiver applies it: a receiver that
// set UDPLITE_RECV_CSCOV drops a datagram whose coverage is partial and
// below its minimum (or any partial one, for a minimum of 0).

const (
	udpliteSendCscov = 10 // UDPLITE_SEND_CSCOV
	udpliteRecvCscov = 11 // UDPLITE_RECV_CSCOV
	udpHeaderLen     = 8
)

// udpliteOpts are a UDP-Lite socket's coverage settings.
type udpliteOpts struct {
	sendCov, recvCov int32
	sendCC, recvCC   bool // set once the option has been set
}

func (s *Socket) isUDPLite() bool { return s.proto == unix.IPPROTO_UDPLITE }

// setUDPLiteLocked is setsockopt of UDPLITE_SEND_CSCOV/RECV_CSCOV (at
// SOL_UDP or SOL_UDPLITE): a coverage below the header's 8 bytes means 8,
// above 65535 means 65535, 0 means the whole datagram.
func (s *Socket) setUDPLiteLocked(name int, v int32) error {
	if !s.isUDPLite() {
		return unix.ENOPROTOOPT
	}
	if v != 0 && v < udpHeaderLen {
		v = udpHeaderLen
	} else if v > 0xffff {
		v = 0xffff
	}
	if name == udpliteSendCscov {
		s.opts.lite.sendCov, s.opts.lite.sendCC = v, true
	} else {
		s.opts.lite.recvCov, s.opts.lite.recvCC = v, true
	}
	return nil
}

// getUDPLiteLocked reads the coverage options; a plain UDP socket reads
// 0, as Linux's udp_lib_getsockopt answers it.
func (s *Socket) getUDPLiteLocked(name int) (int32, error) {
	if name == udpliteSendCscov {
		return s.opts.lite.sendCov, nil
	}
	return s.opts.lite.recvCov, nil
}

// udpliteDropped reports whether receiver r drops a datagram of n bytes
// sent with meta (Linux's udp_queue_rcv_one_skb coverage check).
func (s *Socket) udpliteDropped(r *Socket, meta inetMeta, n int) bool {
	if !r.isUDPLite() || meta.cscov == 0 || int(meta.cscov) >= n+udpHeaderLen {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.opts.lite
	return l.recvCC && (l.recvCov == 0 || meta.cscov < l.recvCov)
}
