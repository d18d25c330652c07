package netstack

import (
	"sync"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/marshal/primitive"

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
	nlmsgHdrLen  = linux.NetlinkMessageHeaderSize
	loIndex      = 1
	loFlags      = unix.IFF_UP | unix.IFF_LOOPBACK | unix.IFF_RUNNING | unix.IFF_LOWER_UP
	loMTU        = 65536
	rtScopeHost  = unix.RT_SCOPE_HOST
	ifaFPermanet = unix.IFA_F_PERMANENT
)

func nlAlign(n int) int { return (n + linux.NLMSG_ALIGNTO - 1) &^ (linux.NLMSG_ALIGNTO - 1) }

// nlMsg builds one netlink message: its header, whose length bytes()
// fills in, and its payload, kept aligned.
type nlMsg struct {
	hdr linux.NetlinkMessageHeader
	b   []byte
}

func newNLMsg(typ, flags uint16, seq, pid uint32, body []byte) *nlMsg {
	m := &nlMsg{
		hdr: linux.NetlinkMessageHeader{Type: typ, Flags: flags, Seq: seq, PortID: pid},
		b:   make([]byte, 0, 256),
	}
	m.b = append(m.b, body...)
	m.pad()
	return m
}

func (m *nlMsg) pad() {
	for len(m.b) != nlAlign(len(m.b)) {
		m.b = append(m.b, 0)
	}
}

func (m *nlMsg) attr(typ uint16, v []byte) {
	m.b = append(m.b, marshal(&linux.RtAttr{Len: uint16(linux.SizeOfRtAttr + len(v)), Type: typ})...)
	m.b = append(m.b, v...)
	m.pad()
}

func (m *nlMsg) bytes() []byte {
	m.hdr.Length = uint32(nlmsgHdrLen + len(m.b))
	return append(marshal(&m.hdr), m.b...)
}

func u32(v uint32) []byte { return marshal((*primitive.Uint32)(&v)) }

func linkMsg(seq, pid uint32) []byte {
	body := marshal(&linux.InterfaceInfoMessage{Type: unix.ARPHRD_LOOPBACK, Index: loIndex, Flags: loFlags})
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
	ifa := linux.InterfaceAddrMessage{Family: uint8(family), Flags: ifaFPermanet, Scope: rtScopeHost, Index: loIndex}
	var addr []byte
	if family == unix.AF_INET {
		ifa.PrefixLen = 8
		addr = []byte{127, 0, 0, 1}
	} else {
		ifa.PrefixLen = 128
		addr = make([]byte, 16)
		addr[15] = 1
	}
	m := newNLMsg(unix.RTM_NEWADDR, unix.NLM_F_MULTI, seq, pid, marshal(&ifa))
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

// errMsg answers req (at least a header long) with a struct nlmsgerr
// quoting req's header.
func errMsg(errno unix.Errno, req []byte, seq, pid uint32) []byte {
	e := linux.NetlinkErrorMessage{Error: -int32(errno)}
	e.Header.UnmarshalBytes(req)
	return newNLMsg(unix.NLMSG_ERROR, 0, seq, pid, marshal(&e)).bytes()
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
		var h linux.NetlinkMessageHeader
		h.UnmarshalBytes(rest)
		l := int(h.Length)
		if l < nlmsgHdrLen || l > len(rest) {
			break
		}
		msg := rest[:l]
		rest = rest[min(nlAlign(l), len(rest)):]
		typ, flags, seq := h.Type, h.Flags, h.Seq
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
