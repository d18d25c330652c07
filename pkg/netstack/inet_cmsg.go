package netstack

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// IP-level control messages of inet datagrams. A datagram carries the
// header fields a receiver may ask about (hop limit or TTL, traffic class
// or TOS): the sender's socket options, or the control messages of its
// sendmsg; the receiver gets them as control messages when it set
// IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS, IP_RECVTTL or IP_RECVTOS. On a
// loopback nothing decrements a hop limit.

// inetMeta are the IP header fields of one datagram.
type inetMeta struct {
	hopLimit int32 // IPv6 hop limit or IPv4 TTL
	tclass   int32 // IPv6 traffic class or IPv4 TOS
	cscov    int32 // UDP-Lite checksum coverage (udplite.go); 0: all
}

// Cmsg is one control message: cmsg_level, cmsg_type and the data.
type Cmsg struct {
	Level, Type int
	Data        []byte
}

// optLocked is a remembered option's value (its default if never set).
func (s *Socket) optLocked(level, name int) int32 {
	k := [2]int{level, name}
	if v, ok := s.opts.other[k]; ok {
		return v
	}
	return remembered[k]
}

// inetMetaLocked are the header fields of a datagram s sends with o.
func (s *Socket) inetMetaLocked(o SendOpts) inetMeta {
	var m inetMeta
	if s.family == unix.AF_INET6 {
		m.hopLimit = s.optLocked(unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS)
		m.tclass = s.optLocked(unix.IPPROTO_IPV6, unix.IPV6_TCLASS)
	} else {
		m.hopLimit = s.optLocked(unix.IPPROTO_IP, unix.IP_TTL)
		m.tclass = s.optLocked(unix.IPPROTO_IP, unix.IP_TOS)
	}
	if m.hopLimit < 0 {
		m.hopLimit = defaultTTL // -1 is "the route's default"
	}
	if m.tclass < 0 {
		m.tclass = 0
	}
	if o.HopLimit != nil && *o.HopLimit >= 0 {
		m.hopLimit = *o.HopLimit
	}
	if o.TClass != nil && *o.TClass >= 0 {
		m.tclass = *o.TClass
	}
	if s.opts.lite.sendCC {
		m.cscov = s.opts.lite.sendCov
	}
	return m
}

// inetControl are the control messages the receiver s asked for, in the
// order Linux emits them.
func (s *Socket) inetControl(m inetMeta) []Cmsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Cmsg
	add := func(level, typ int, data []byte) { out = append(out, Cmsg{level, typ, data}) }
	if s.family == unix.AF_INET6 {
		if s.optLocked(unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT) != 0 {
			add(unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT, intBytes(m.hopLimit))
		}
		if s.optLocked(unix.IPPROTO_IPV6, unix.IPV6_RECVTCLASS) != 0 {
			add(unix.IPPROTO_IPV6, unix.IPV6_TCLASS, intBytes(m.tclass))
		}
		return out
	}
	if s.optLocked(unix.IPPROTO_IP, unix.IP_RECVTTL) != 0 {
		add(unix.IPPROTO_IP, unix.IP_TTL, intBytes(m.hopLimit))
	}
	if s.optLocked(unix.IPPROTO_IP, unix.IP_RECVTOS) != 0 {
		add(unix.IPPROTO_IP, unix.IP_TOS, []byte{byte(m.tclass)})
	}
	return out
}

// SendControl reads one control message of a sendmsg on s into o, as
// Linux's ip6_datagram_send_ctl (IPv6) and ip_cmsg_send (IPv4) do:
// levels the socket's family does not use are ignored; a known type with
// a malformed or out-of-range value, or an unknown type, is EINVAL.
// SOL_SOCKET messages are the caller's.
func (s *Socket) SendControl(level, typ int, data []byte, o *SendOpts) error {
	if !s.isInet() {
		return nil
	}
	intArg := func(lo, hi int32) (*int32, error) {
		if len(data) != 4 {
			return nil, unix.EINVAL
		}
		v := int32(binary.LittleEndian.Uint32(data))
		if v < lo || v > hi {
			return nil, unix.EINVAL
		}
		return &v, nil
	}
	var err error
	switch {
	case s.family == unix.AF_INET6 && level == unix.IPPROTO_IPV6:
		switch typ {
		case unix.IPV6_HOPLIMIT:
			o.HopLimit, err = intArg(-1, 255)
		case unix.IPV6_TCLASS:
			o.TClass, err = intArg(-1, 255)
		case unix.IPV6_PKTINFO:
			// The source address and interface: the loopback's.
			if len(data) < 20 {
				err = unix.EINVAL
			}
		case unix.IPV6_DONTFRAG:
			_, err = intArg(-1, 1)
		default:
			err = unix.EINVAL
		}
	case s.family == unix.AF_INET && level == unix.IPPROTO_IP:
		switch typ {
		case unix.IP_TTL:
			o.HopLimit, err = intArg(1, 255)
		case unix.IP_TOS:
			if len(data) == 1 {
				v := int32(data[0])
				o.TClass = &v
			} else {
				o.TClass, err = intArg(0, 255)
			}
		case unix.IP_PKTINFO:
			if len(data) != 12 {
				err = unix.EINVAL
			}
		default:
			err = unix.EINVAL
		}
	}
	return err
}
