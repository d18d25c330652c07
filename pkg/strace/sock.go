package strace

import (
	"encoding/binary"
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
	"net/netip"
	"strings"

	"sentry/pkg/arch"
)

const (
	afUnix  = 1
	afInet  = 2
	afInet6 = 10
)

var afTab = []xl{
	{linux.AF_UNSPEC, "AF_UNSPEC"}, {linux.AF_UNIX, "AF_UNIX"}, {linux.AF_INET, "AF_INET"}, {linux.AF_INET6, "AF_INET6"}, {linux.AF_NETLINK, "AF_NETLINK"},
	{linux.AF_PACKET, "AF_PACKET"}, {linux.AF_ALG, "AF_ALG"}, {linux.AF_VSOCK, "AF_VSOCK"},
}

var sockTypeTab = []xl{
	{uint64(linux.SOCK_STREAM), "SOCK_STREAM"}, {uint64(linux.SOCK_DGRAM), "SOCK_DGRAM"}, {uint64(linux.SOCK_RAW), "SOCK_RAW"}, {uint64(linux.SOCK_RDM), "SOCK_RDM"},
	{uint64(linux.SOCK_SEQPACKET), "SOCK_SEQPACKET"}, {uint64(linux.SOCK_DCCP), "SOCK_DCCP"}, {uint64(linux.SOCK_PACKET), "SOCK_PACKET"},
}

var sockFlagTab = []xl{{linux.SOCK_CLOEXEC, "SOCK_CLOEXEC"}, {linux.SOCK_NONBLOCK, "SOCK_NONBLOCK"}}

func sockType(v uint64) string {
	s := xval(sockTypeTab, v&0xf, "SOCK_???")
	if rest := v &^ 0xf; rest != 0 {
		s += "|" + flags(sockFlagTab, rest)
	}
	return s
}

var ipprotoTab = []xl{
	{linux.IPPROTO_IP, "IPPROTO_IP"}, {linux.IPPROTO_ICMP, "IPPROTO_ICMP"}, {linux.IPPROTO_TCP, "IPPROTO_TCP"}, {linux.IPPROTO_UDP, "IPPROTO_UDP"},
	{linux.IPPROTO_IPV6, "IPPROTO_IPV6"}, {linux.IPPROTO_ICMPV6, "IPPROTO_ICMPV6"}, {linux.IPPROTO_SCTP, "IPPROTO_SCTP"}, {linux.IPPROTO_RAW, "IPPROTO_RAW"},
}

var netlinkTab = []xl{
	{linux.NETLINK_ROUTE, "NETLINK_ROUTE"}, {linux.NETLINK_SOCK_DIAG, "NETLINK_SOCK_DIAG"}, {linux.NETLINK_AUDIT, "NETLINK_AUDIT"},
	{linux.NETLINK_KOBJECT_UEVENT, "NETLINK_KOBJECT_UEVENT"},
}

func sockProto(domain, v uint64) string {
	switch domain {
	case afInet, afInet6:
		return xval(ipprotoTab, v, "IPPROTO_???")
	case 16:
		return xval(netlinkTab, v, "NETLINK_???")
	}
	return dec(v)
}

func (c *call) sockaddr(addr, n uint64) string {
	if addr == 0 {
		return "NULL"
	}
	if n < 2 || n > 128 {
		return pointer(addr)
	}
	b, ok := c.read(addr, int(n))
	if !ok {
		return pointer(addr)
	}
	fam := uint64(binary.LittleEndian.Uint16(b))
	s := "{sa_family=" + xval(afTab, fam, "AF_???")
	port := func() string { return "htons(" + udec(uint64(binary.BigEndian.Uint16(b[2:]))) + ")" }
	switch {
	case fam == afInet && n >= 8:
		ip := netip.AddrFrom4([4]byte(b[4:8]))
		s += ", sin_port=" + port() + ", sin_addr=inet_addr(\"" + ip.String() + "\")"
	case fam == afInet6 && n >= 24:
		ip := netip.AddrFrom16([16]byte(b[8:24]))
		s += ", sin6_port=" + port() + ", sin6_flowinfo=htonl(" + udec(uint64(binary.BigEndian.Uint32(b[4:]))) + ")" +
			", inet_pton(AF_INET6, \"" + ip.String() + "\", &sin6_addr)"
		if n >= 28 {
			s += ", sin6_scope_id=" + udec(uint64(le32(b[24:])))
		}
	case fam == afUnix:
		p := b[2:]
		if len(p) > 0 {
			abstract := p[0] == 0
			if abstract {
				p = p[1:]
			} else if i := strings.IndexByte(string(p), 0); i >= 0 {
				p = p[:i]
			}
			s += ", sun_path="
			if abstract {
				s += "@"
			}
			s += quote(p, false, false)
		}
	default:
		s += ", sa_data=" + quote(b[2:], false, false)
	}
	return s + "}"
}

// socklen shows a value-result socklen_t: [in => out] when the kernel
// changed it.
func (c *call) socklen(addr uint64) (piece, bool) {
	if addr == 0 {
		return text("NULL")
	}
	in, ok := c.u32(addr)
	if !ok {
		return text(pointer(addr))
	}
	return piece{exit: func(c *call) string {
		if c.failed {
			return "[" + udec(uint64(in)) + "]"
		}
		o, ok := c.u32(addr)
		if !ok {
			return pointer(addr)
		}
		if o != in {
			return "[" + udec(uint64(in)) + " => " + udec(uint64(o)) + "]"
		}
		return "[" + udec(uint64(o)) + "]"
	}}, true
}

var solTab = []xl{{linux.SOL_IP, "SOL_IP"}, {linux.SOL_SOCKET, "SOL_SOCKET"}, {linux.SOL_TCP, "SOL_TCP"}, {linux.SOL_UDP, "SOL_UDP"}, {linux.SOL_IPV6, "SOL_IPV6"}}

var soTab = []xl{
	{linux.SO_DEBUG, "SO_DEBUG"}, {linux.SO_REUSEADDR, "SO_REUSEADDR"}, {linux.SO_TYPE, "SO_TYPE"}, {linux.SO_ERROR, "SO_ERROR"}, {linux.SO_DONTROUTE, "SO_DONTROUTE"},
	{linux.SO_BROADCAST, "SO_BROADCAST"}, {linux.SO_SNDBUF, "SO_SNDBUF"}, {linux.SO_RCVBUF, "SO_RCVBUF"}, {linux.SO_KEEPALIVE, "SO_KEEPALIVE"},
	{linux.SO_OOBINLINE, "SO_OOBINLINE"}, {linux.SO_NO_CHECK, "SO_NO_CHECK"}, {linux.SO_PRIORITY, "SO_PRIORITY"}, {linux.SO_LINGER, "SO_LINGER"},
	{linux.SO_BSDCOMPAT, "SO_BSDCOMPAT"}, {linux.SO_REUSEPORT, "SO_REUSEPORT"}, {linux.SO_PASSCRED, "SO_PASSCRED"}, {linux.SO_PEERCRED, "SO_PEERCRED"},
	{linux.SO_RCVLOWAT, "SO_RCVLOWAT"}, {linux.SO_SNDLOWAT, "SO_SNDLOWAT"}, {unix.SO_RCVTIMEO_OLD, "SO_RCVTIMEO_OLD"}, {unix.SO_SNDTIMEO_OLD, "SO_SNDTIMEO_OLD"},
	{linux.SO_ACCEPTCONN, "SO_ACCEPTCONN"}, {linux.SO_SNDBUFFORCE, "SO_SNDBUFFORCE"}, {linux.SO_RCVBUFFORCE, "SO_RCVBUFFORCE"}, {linux.SO_PROTOCOL, "SO_PROTOCOL"},
	{linux.SO_DOMAIN, "SO_DOMAIN"},
}

var tcpOptTab = []xl{
	{linux.TCP_NODELAY, "TCP_NODELAY"}, {linux.TCP_MAXSEG, "TCP_MAXSEG"}, {linux.TCP_CORK, "TCP_CORK"}, {linux.TCP_KEEPIDLE, "TCP_KEEPIDLE"},
	{linux.TCP_KEEPINTVL, "TCP_KEEPINTVL"}, {linux.TCP_KEEPCNT, "TCP_KEEPCNT"}, {linux.TCP_SYNCNT, "TCP_SYNCNT"}, {linux.TCP_LINGER2, "TCP_LINGER2"},
	{linux.TCP_DEFER_ACCEPT, "TCP_DEFER_ACCEPT"}, {linux.TCP_WINDOW_CLAMP, "TCP_WINDOW_CLAMP"}, {linux.TCP_INFO, "TCP_INFO"}, {linux.TCP_QUICKACK, "TCP_QUICKACK"},
	{linux.TCP_CONGESTION, "TCP_CONGESTION"}, {linux.TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT"}, {linux.TCP_FASTOPEN, "TCP_FASTOPEN"},
}

var ipOptTab = []xl{{linux.IP_TOS, "IP_TOS"}, {linux.IP_TTL, "IP_TTL"}, {linux.IP_HDRINCL, "IP_HDRINCL"}, {linux.IP_OPTIONS, "IP_OPTIONS"}}

var ipv6OptTab = []xl{{linux.IPV6_V6ONLY, "IPV6_V6ONLY"}, {linux.IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS"}, {linux.IPV6_TCLASS, "IPV6_TCLASS"}}

func sockoptName(level, v uint64) string {
	switch level {
	case 1:
		return xval(soTab, v, "SO_???")
	case 6:
		return xval(tcpOptTab, v, "TCP_???")
	case 0:
		return xval(ipOptTab, v, "IP_???")
	case 41:
		return xval(ipv6OptTab, v, "IPV6_???")
	}
	return dec(v)
}

func (c *call) sockoptVal(addr, n uint64) string {
	if addr == 0 {
		return "NULL"
	}
	if n == 4 {
		if v, ok := c.u32(addr); ok {
			return "[" + dec(uint64(v)) + "]"
		}
		return pointer(addr)
	}
	return c.buf(addr, int64(n), false)
}

var shutdownTab = []xl{{linux.SHUT_RD, "SHUT_RD"}, {linux.SHUT_WR, "SHUT_WR"}, {linux.SHUT_RDWR, "SHUT_RDWR"}}

var msgFlagTab = []xl{
	{linux.MSG_OOB, "MSG_OOB"}, {linux.MSG_PEEK, "MSG_PEEK"}, {linux.MSG_DONTROUTE, "MSG_DONTROUTE"}, {linux.MSG_CTRUNC, "MSG_CTRUNC"}, {linux.MSG_PROBE, "MSG_PROBE"},
	{linux.MSG_TRUNC, "MSG_TRUNC"}, {linux.MSG_DONTWAIT, "MSG_DONTWAIT"}, {linux.MSG_EOR, "MSG_EOR"}, {linux.MSG_WAITALL, "MSG_WAITALL"},
	{linux.MSG_FIN, "MSG_FIN"}, {linux.MSG_SYN, "MSG_SYN"}, {linux.MSG_CONFIRM, "MSG_CONFIRM"}, {linux.MSG_RST, "MSG_RST"},
	{linux.MSG_ERRQUEUE, "MSG_ERRQUEUE"}, {linux.MSG_NOSIGNAL, "MSG_NOSIGNAL"}, {linux.MSG_MORE, "MSG_MORE"},
	{linux.MSG_WAITFORONE, "MSG_WAITFORONE"}, {unix.MSG_BATCH, "MSG_BATCH"}, {linux.MSG_ZEROCOPY, "MSG_ZEROCOPY"},
	{linux.MSG_FASTOPEN, "MSG_FASTOPEN"}, {linux.MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC"},
}

var epollCtlTab = []xl{{linux.EPOLL_CTL_ADD, "EPOLL_CTL_ADD"}, {linux.EPOLL_CTL_DEL, "EPOLL_CTL_DEL"}, {linux.EPOLL_CTL_MOD, "EPOLL_CTL_MOD"}}

var epollEventTab = []xl{
	{linux.EPOLLIN, "EPOLLIN"}, {linux.EPOLLPRI, "EPOLLPRI"}, {linux.EPOLLOUT, "EPOLLOUT"}, {linux.EPOLLERR, "EPOLLERR"}, {linux.EPOLLHUP, "EPOLLHUP"},
	{linux.POLLNVAL, "EPOLLNVAL"}, {linux.EPOLLRDNORM, "EPOLLRDNORM"}, {linux.EPOLLRDBAND, "EPOLLRDBAND"}, {linux.EPOLLWRNORM, "EPOLLWRNORM"},
	{linux.EPOLLWRBAND, "EPOLLWRBAND"}, {linux.EPOLLMSG, "EPOLLMSG"}, {linux.EPOLLRDHUP, "EPOLLRDHUP"},
	{unix.EPOLLEXCLUSIVE, "EPOLLEXCLUSIVE"}, {unix.EPOLLWAKEUP, "EPOLLWAKEUP"}, {unix.EPOLLONESHOT, "EPOLLONESHOT"},
	{unix.EPOLLET, "EPOLLET"},
}

var epollFlagTab = []xl{{linux.EPOLL_CLOEXEC, "EPOLL_CLOEXEC"}}

var eventfdFlagTab = []xl{{linux.EFD_SEMAPHORE, "EFD_SEMAPHORE"}, {linux.EFD_CLOEXEC, "EFD_CLOEXEC"}, {linux.EFD_NONBLOCK, "EFD_NONBLOCK"}}

var pollTab = []xl{
	{linux.POLLIN, "POLLIN"}, {linux.POLLPRI, "POLLPRI"}, {linux.POLLOUT, "POLLOUT"}, {linux.POLLERR, "POLLERR"}, {linux.POLLHUP, "POLLHUP"},
	{linux.POLLNVAL, "POLLNVAL"}, {linux.POLLRDNORM, "POLLRDNORM"}, {linux.POLLRDBAND, "POLLRDBAND"}, {linux.POLLWRNORM, "POLLWRNORM"},
	{linux.POLLWRBAND, "POLLWRBAND"}, {linux.POLLMSG, "POLLMSG"}, {linux.POLLRDHUP, "POLLRDHUP"},
}

// epollEvents renders n struct epoll_event: packed (12 bytes) on amd64,
// naturally aligned (16) on riscv64. array says whether to bracket them.
func (c *call) epollEvents(addr uint64, n int64, array bool) string {
	if addr == 0 {
		return "NULL"
	}
	size := binary.Size(arch.EpollEventPacked{})
	if c.arch == arch.RISCV64 {
		size = binary.Size(arch.EpollEventGeneric{})
	}
	shown := n
	if shown > int64(c.limit) {
		shown = int64(c.limit)
	}
	if shown < 0 {
		shown = 0
	}
	b, ok := c.read(addr, int(shown)*size)
	if !ok {
		return pointer(addr)
	}
	var s strings.Builder
	if array {
		s.WriteByte('[')
	}
	for j := 0; j < int(shown); j++ {
		events, data := epollEvent(c.arch, b[j*size:])
		if j > 0 {
			s.WriteString(", ")
		}
		s.WriteString("{events=" + flags(epollEventTab, uint64(events)) +
			", data={u32=" + udec(data&0xffffffff) + ", u64=" + udec(data) + "}}")
	}
	if array {
		if n > shown {
			s.WriteString(", ...")
		}
		s.WriteByte(']')
	}
	return s.String()
}

// epollEvent decodes one struct epoll_event of the given arch (pkg/arch
// declares both layouts).
func epollEvent(a arch.Arch, b []byte) (events uint32, data uint64) {
	if a == arch.RISCV64 {
		var e arch.EpollEventGeneric
		_, _ = binary.Decode(b, binary.LittleEndian, &e) // the caller read a whole one
		return e.Events, e.Data
	}
	var e arch.EpollEventPacked
	_, _ = binary.Decode(b, binary.LittleEndian, &e)
	return e.Events, e.Data
}

func (c *call) pollfds(addr, n uint64) string {
	if addr == 0 {
		return "NULL"
	}
	shown := min(n, uint64(c.limit))
	b, ok := c.read(addr, int(shown)*8)
	if !ok {
		return pointer(addr)
	}
	var s strings.Builder
	s.WriteByte('[')
	for j := 0; j < int(shown); j++ {
		if j > 0 {
			s.WriteString(", ")
		}
		var p linux.PollFD
		p.UnmarshalBytes(b[j*p.SizeBytes():])
		s.WriteString("{fd=" + dec(uint64(uint32(p.FD))) + ", events=" + flags(pollTab, uint64(uint16(p.Events))) + "}")
	}
	if n > shown {
		s.WriteString(", ...")
	}
	s.WriteByte(']')
	return s.String()
}

// revents shows the pollfds that have events after poll returned.
func (c *call) revents(addr, n uint64) string {
	shown := min(n, uint64(c.limit))
	b, ok := c.read(addr, int(shown)*8)
	if !ok {
		return pointer(addr)
	}
	var s strings.Builder
	s.WriteByte('[')
	first := true
	for j := 0; j < int(shown); j++ {
		var p linux.PollFD
		p.UnmarshalBytes(b[j*p.SizeBytes():])
		re := uint64(uint16(p.REvents))
		if re == 0 {
			continue
		}
		if !first {
			s.WriteString(", ")
		}
		first = false
		s.WriteString("{fd=" + dec(uint64(uint32(p.FD))) + ", revents=" + flags(pollTab, re) + "}")
	}
	s.WriteByte(']')
	return s.String()
}
