package netstack

import (
	"encoding/binary"
	"sync"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// NETLINK_ROUTE, as far as interface discovery (getifaddrs, if_nameindex)
// needs: RTM_GETLINK and RTM_GETADDR dumps that show only lo; in host
// mode the namespace's own answers instead (hostnetlink.go).

type netlink struct {
	mu      sync.Mutex
	replies [][]byte // one datagram each
}

func (n *netlink) pending() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.replies) > 0
}

const (
	nlmsgHdrLen  = 16
	loIndex      = 1
	loFlags      = unix.IFF_UP | unix.IFF_LOOPBACK | unix.IFF_RUNNING | 0x10000 // IFF_LOWER_UP
	loMTU        = 65536
	rtScopeHost  = 254
	ifaFPermanet = 0x80
)

func nlAlign(n int) int { return (n + 3) &^ 3 }

// nlMsg builds one netlink message.
type nlMsg struct{ b []byte }

func newNLMsg(typ, flags uint16, seq, pid uint32, body []byte) *nlMsg {
	m := &nlMsg{b: make([]byte, nlmsgHdrLen, 256)}
	binary.LittleEndian.PutUint16(m.b[4:], typ)
	binary.LittleEndian.PutUint16(m.b[6:], flags)
	binary.LittleEndian.PutUint32(m.b[8:], seq)
	binary.LittleEndian.PutUint32(m.b[12:], pid)
	m.b = append(m.b, body...)
	m.pad()
	return m
}

func (m *nlMsg) pad() {
	for len(m.b)%4 != 0 {
		m.b = append(m.b, 0)
	}
}

func (m *nlMsg) attr(typ uint16, v []byte) {
	var h [4]byte
	binary.LittleEndian.PutUint16(h[:], uint16(4+len(v)))
	binary.LittleEndian.PutUint16(h[2:], typ)
	m.b = append(m.b, h[:]...)
	m.b = append(m.b, v...)
	m.pad()
}

func (m *nlMsg) bytes() []byte {
	binary.LittleEndian.PutUint32(m.b, uint32(len(m.b)))
	return m.b
}

func u32(v uint32) []byte { b := make([]byte, 4); binary.LittleEndian.PutUint32(b, v); return b }

func linkMsg(seq, pid uint32) []byte {
	body := make([]byte, 16) // ifinfomsg
	binary.LittleEndian.PutUint16(body[2:], unix.ARPHRD_LOOPBACK)
	binary.LittleEndian.PutUint32(body[4:], loIndex)
	binary.LittleEndian.PutUint32(body[8:], loFlags)
	m := newNLMsg(unix.RTM_NEWLINK, unix.NLM_F_MULTI, seq, pid, body)
	m.attr(unix.IFLA_IFNAME, []byte("lo\x00"))
	m.attr(unix.IFLA_ADDRESS, make([]byte, 6))
	m.attr(unix.IFLA_BROADCAST, make([]byte, 6))
	m.attr(unix.IFLA_MTU, u32(loMTU))
	m.attr(unix.IFLA_TXQLEN, u32(1000))
	m.attr(unix.IFLA_OPERSTATE, []byte{0})
	m.attr(unix.IFLA_STATS, make([]byte, 96))
	return m.bytes()
}

func addrMsg(family int, seq, pid uint32) []byte {
	body := make([]byte, 8) // ifaddrmsg
	body[0] = byte(family)
	body[2] = ifaFPermanet
	body[3] = rtScopeHost
	binary.LittleEndian.PutUint32(body[4:], loIndex)
	var addr []byte
	if family == unix.AF_INET {
		body[1] = 8
		addr = []byte{127, 0, 0, 1}
	} else {
		body[1] = 128
		addr = make([]byte, 16)
		addr[15] = 1
	}
	m := newNLMsg(unix.RTM_NEWADDR, unix.NLM_F_MULTI, seq, pid, body)
	m.attr(unix.IFA_ADDRESS, addr)
	if family == unix.AF_INET {
		m.attr(unix.IFA_LOCAL, addr)
		m.attr(unix.IFA_LABEL, []byte("lo\x00"))
	}
	m.attr(unix.IFA_FLAGS, u32(ifaFPermanet))
	return m.bytes()
}

func doneMsg(seq, pid uint32) []byte {
	return newNLMsg(unix.NLMSG_DONE, unix.NLM_F_MULTI, seq, pid, u32(0)).bytes()
}

func errMsg(errno unix.Errno, req []byte, seq, pid uint32) []byte {
	body := u32(uint32(-int32(errno)))
	body = append(body, req[:nlmsgHdrLen]...)
	return newNLMsg(unix.NLMSG_ERROR, 0, seq, pid, body).bytes()
}

func (s *Socket) nlPid() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.local.NLPid == 0 {
		s.local.NLPid = uint32(max(s.creds.PID, 1))
		s.bound = true
	}
	return s.local.NLPid
}

// netlinkSend takes requests and queues their answers.
func (s *Socket) netlinkSend(p []byte) (int, error) {
	pid := s.nlPid()
	var out []byte
	for rest := p; len(rest) >= nlmsgHdrLen; {
		l := int(binary.LittleEndian.Uint32(rest))
		if l < nlmsgHdrLen || l > len(rest) {
			break
		}
		msg := rest[:l]
		rest = rest[min(nlAlign(l), len(rest)):]
		typ := binary.LittleEndian.Uint16(msg[4:])
		flags := binary.LittleEndian.Uint16(msg[6:])
		seq := binary.LittleEndian.Uint32(msg[8:])
		family := 0
		if l > nlmsgHdrLen {
			family = int(msg[nlmsgHdrLen])
		}
		dump := flags&unix.NLM_F_DUMP == unix.NLM_F_DUMP
		if s.stack.mode.Host() && hostNetlinkQueries[typ] {
			// hostnetlink.go: the namespace's own answer.
			ds, err := hostNetlinkQuery(msg, pid)
			if err != nil {
				out = append(out, errMsg(unix.ENOBUFS, msg, seq, pid)...)
				continue
			}
			if len(out) > 0 {
				s.queueNetlink(out)
				out = nil
			}
			for _, d := range ds {
				s.queueNetlink(d)
			}
			continue
		}
		switch {
		case typ == unix.RTM_GETLINK && dump:
			if family == unix.AF_UNSPEC || family == unix.AF_PACKET {
				out = append(out, linkMsg(seq, pid)...)
			}
			out = append(out, doneMsg(seq, pid)...)
		case typ == unix.RTM_GETADDR && dump:
			if family == unix.AF_UNSPEC || family == unix.AF_INET {
				out = append(out, addrMsg(unix.AF_INET, seq, pid)...)
			}
			if family == unix.AF_UNSPEC || family == unix.AF_INET6 {
				out = append(out, addrMsg(unix.AF_INET6, seq, pid)...)
			}
			out = append(out, doneMsg(seq, pid)...)
		default:
			out = append(out, errMsg(unix.EOPNOTSUPP, msg, seq, pid)...)
		}
	}
	if len(out) > 0 {
		s.queueNetlink(out)
	}
	return len(p), nil
}

// queueNetlink queues one datagram of answers for the application.
func (s *Socket) queueNetlink(d []byte) {
	s.nl.mu.Lock()
	s.nl.replies = append(s.nl.replies, d)
	s.nl.mu.Unlock()
	s.q.Notify(epoll.EventIn | epoll.EventRdNorm)
}

func (s *Socket) netlinkRecv(p []byte, flags int) (RecvResult, error) {
	s.nl.mu.Lock()
	defer s.nl.mu.Unlock()
	if len(s.nl.replies) == 0 {
		return RecvResult{}, unix.EAGAIN
	}
	d := s.nl.replies[0]
	if flags&unix.MSG_PEEK == 0 {
		s.nl.replies = s.nl.replies[1:]
	}
	return RecvResult{N: copy(p, d), Full: len(d), From: &Addr{Family: unix.AF_NETLINK}}, nil
}
