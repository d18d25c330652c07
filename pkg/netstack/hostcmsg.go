package netstack

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// IP-level ancillary data of bridged datagrams (host mode). The options
// that ask for it (IP_PKTINFO, IP_RECVTTL, IP_RECVTOS,
// IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS) are passed to the
// host socket (hostOptions), so a datagram from beyond loopback arrives
// with the host's control messages, the real ones of that namespace (its
// interface index and addresses, the TTL as it arrived); they reach the
// application unchanged, in the host's order. The hop limit and traffic
// class an application's sendmsg sets per datagram go to the host as
// control messages too. Loopback datagrams keep the sandbox's own
// (inet_cmsg.go).

// hostCmsgSpace is the control buffer of one host receive: room for
// every message the options above produce at once (in6_pktinfo is the
// largest, 20 bytes).
const hostCmsgSpace = 256

// hostControl turns the control messages a host recvmsg wrote into the
// application's; nil when there are none.
func hostControl(oob []byte) []Cmsg {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var out []Cmsg
	for _, m := range msgs {
		out = append(out, Cmsg{Level: int(m.Header.Level), Type: int(m.Header.Type),
			Data: append([]byte(nil), m.Data...)})
	}
	return out
}

// hostSendControl spells a sendmsg's per-datagram hop limit and traffic
// class (SendOpts) as control messages for the host socket.
func (s *Socket) hostSendControl(o SendOpts) []byte {
	var b []byte
	add := func(level, typ int, v int32) {
		m := make([]byte, unix.CmsgSpace(4))
		// struct cmsghdr on the 64-bit hosts the sentry runs on.
		binary.NativeEndian.PutUint64(m[0:], uint64(unix.CmsgLen(4)))
		binary.NativeEndian.PutUint32(m[8:], uint32(level))
		binary.NativeEndian.PutUint32(m[12:], uint32(typ))
		binary.NativeEndian.PutUint32(m[unix.CmsgLen(0):], uint32(v))
		b = append(b, m...)
	}
	level, hop, tclass := unix.IPPROTO_IP, unix.IP_TTL, unix.IP_TOS
	if s.family == unix.AF_INET6 {
		level, hop, tclass = unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT, unix.IPV6_TCLASS
	}
	if o.HopLimit != nil {
		add(level, hop, *o.HopLimit)
	}
	if o.TClass != nil {
		add(level, tclass, *o.TClass)
	}
	return b
}
