package strace

import (
	"encoding/binary"
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
	{0, "AF_UNSPEC"}, {1, "AF_UNIX"}, {2, "AF_INET"}, {10, "AF_INET6"}, {16, "AF_NETLINK"},
	{17, "AF_PACKET"}, {38, "AF_ALG"}, {40, "AF_VSOCK"},
}

var sockTypeTab = []xl{
	{1, "SOCK_STREAM"}, {2, "SOCK_DGRAM"}, {3, "SOCK_RAW"}, {4, "SOCK_RDM"},
	{5, "SOCK_SEQPACKET"}, {6, "SOCK_DCCP"}, {10, "SOCK_PACKET"},
}

var sockFlagTab = []xl{{0o2000000, "SOCK_CLOEXEC"}, {0o4000, "SOCK_NONBLOCK"}}

func sockType(v uint64) string {
	s := xval(sockTypeTab, v&0xf, "SOCK_???")
	if rest := v &^ 0xf; rest != 0 {
		s += "|" + flags(sockFlagTab, rest)
	}
	return s
}

var ipprotoTab = []xl{
	{0, "IPPROTO_IP"}, {1, "IPPROTO_ICMP"}, {6, "IPPROTO_TCP"}, {17, "IPPROTO_UDP"},
	{41, "IPPROTO_IPV6"}, {58, "IPPROTO_ICMPV6"}, {132, "IPPROTO_SCTP"}, {255, "IPPROTO_RAW"},
}

var netlinkTab = []xl{
	{0, "NETLINK_ROUTE"}, {4, "NETLINK_SOCK_DIAG"}, {9, "NETLINK_AUDIT"},
	{15, "NETLINK_KOBJECT_UEVENT"},
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

var solTab = []xl{{0, "SOL_IP"}, {1, "SOL_SOCKET"}, {6, "SOL_TCP"}, {17, "SOL_UDP"}, {41, "SOL_IPV6"}}

var soTab = []xl{
	{1, "SO_DEBUG"}, {2, "SO_REUSEADDR"}, {3, "SO_TYPE"}, {4, "SO_ERROR"}, {5, "SO_DONTROUTE"},
	{6, "SO_BROADCAST"}, {7, "SO_SNDBUF"}, {8, "SO_RCVBUF"}, {9, "SO_KEEPALIVE"},
	{10, "SO_OOBINLINE"}, {11, "SO_NO_CHECK"}, {12, "SO_PRIORITY"}, {13, "SO_LINGER"},
	{14, "SO_BSDCOMPAT"}, {15, "SO_REUSEPORT"}, {16, "SO_PASSCRED"}, {17, "SO_PEERCRED"},
	{18, "SO_RCVLOWAT"}, {19, "SO_SNDLOWAT"}, {20, "SO_RCVTIMEO_OLD"}, {21, "SO_SNDTIMEO_OLD"},
	{30, "SO_ACCEPTCONN"}, {32, "SO_SNDBUFFORCE"}, {33, "SO_RCVBUFFORCE"}, {38, "SO_PROTOCOL"},
	{39, "SO_DOMAIN"},
}

var tcpOptTab = []xl{
	{1, "TCP_NODELAY"}, {2, "TCP_MAXSEG"}, {3, "TCP_CORK"}, {4, "TCP_KEEPIDLE"},
	{5, "TCP_KEEPINTVL"}, {6, "TCP_KEEPCNT"}, {7, "TCP_SYNCNT"}, {8, "TCP_LINGER2"},
	{9, "TCP_DEFER_ACCEPT"}, {10, "TCP_WINDOW_CLAMP"}, {11, "TCP_INFO"}, {12, "TCP_QUICKACK"},
	{13, "TCP_CONGESTION"}, {18, "TCP_USER_TIMEOUT"}, {23, "TCP_FASTOPEN"},
}

var ipOptTab = []xl{{1, "IP_TOS"}, {2, "IP_TTL"}, {3, "IP_HDRINCL"}, {4, "IP_OPTIONS"}}

var ipv6OptTab = []xl{{26, "IPV6_V6ONLY"}, {16, "IPV6_UNICAST_HOPS"}, {67, "IPV6_TCLASS"}}

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

var shutdownTab = []xl{{0, "SHUT_RD"}, {1, "SHUT_WR"}, {2, "SHUT_RDWR"}}

var msgFlagTab = []xl{
	{1, "MSG_OOB"}, {2, "MSG_PEEK"}, {4, "MSG_DONTROUTE"}, {8, "MSG_CTRUNC"}, {0x10, "MSG_PROBE"},
	{0x20, "MSG_TRUNC"}, {0x40, "MSG_DONTWAIT"}, {0x80, "MSG_EOR"}, {0x100, "MSG_WAITALL"},
	{0x200, "MSG_FIN"}, {0x400, "MSG_SYN"}, {0x800, "MSG_CONFIRM"}, {0x1000, "MSG_RST"},
	{0x2000, "MSG_ERRQUEUE"}, {0x4000, "MSG_NOSIGNAL"}, {0x8000, "MSG_MORE"},
	{0x10000, "MSG_WAITFORONE"}, {0x40000, "MSG_BATCH"}, {0x4000000, "MSG_ZEROCOPY"},
	{0x20000000, "MSG_FASTOPEN"}, {0x40000000, "MSG_CMSG_CLOEXEC"},
}

var epollCtlTab = []xl{{1, "EPOLL_CTL_ADD"}, {2, "EPOLL_CTL_DEL"}, {3, "EPOLL_CTL_MOD"}}

var epollEventTab = []xl{
	{1, "EPOLLIN"}, {2, "EPOLLPRI"}, {4, "EPOLLOUT"}, {8, "EPOLLERR"}, {0x10, "EPOLLHUP"},
	{0x20, "EPOLLNVAL"}, {0x40, "EPOLLRDNORM"}, {0x80, "EPOLLRDBAND"}, {0x100, "EPOLLWRNORM"},
	{0x200, "EPOLLWRBAND"}, {0x400, "EPOLLMSG"}, {0x2000, "EPOLLRDHUP"},
	{1 << 28, "EPOLLEXCLUSIVE"}, {1 << 29, "EPOLLWAKEUP"}, {1 << 30, "EPOLLONESHOT"},
	{1 << 31, "EPOLLET"},
}

var epollFlagTab = []xl{{0o2000000, "EPOLL_CLOEXEC"}}

var eventfdFlagTab = []xl{{1, "EFD_SEMAPHORE"}, {0o2000000, "EFD_CLOEXEC"}, {0o4000, "EFD_NONBLOCK"}}

var pollTab = []xl{
	{1, "POLLIN"}, {2, "POLLPRI"}, {4, "POLLOUT"}, {8, "POLLERR"}, {0x10, "POLLHUP"},
	{0x20, "POLLNVAL"}, {0x40, "POLLRDNORM"}, {0x80, "POLLRDBAND"}, {0x100, "POLLWRNORM"},
	{0x200, "POLLWRBAND"}, {0x400, "POLLMSG"}, {0x2000, "POLLRDHUP"},
}

// epollEvents renders n struct epoll_event: packed (12 bytes) on amd64,
// naturally aligned (16) on riscv64. array says whether to bracket them.
func (c *call) epollEvents(addr uint64, n int64, array bool) string {
	if addr == 0 {
		return "NULL"
	}
	size := 12
	if c.arch == arch.RISCV64 {
		size = 16
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
		e := b[j*size:]
		data := le64(e[size-8:])
		if j > 0 {
			s.WriteString(", ")
		}
		s.WriteString("{events=" + flags(epollEventTab, uint64(le32(e))) +
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
		e := b[j*8:]
		s.WriteString("{fd=" + dec(uint64(le32(e))) + ", events=" +
			flags(pollTab, uint64(binary.LittleEndian.Uint16(e[4:]))) + "}")
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
		e := b[j*8:]
		re := uint64(binary.LittleEndian.Uint16(e[6:]))
		if re == 0 {
			continue
		}
		if !first {
			s.WriteString(", ")
		}
		first = false
		s.WriteString("{fd=" + dec(uint64(le32(e))) + ", revents=" + flags(pollTab, re) + "}")
	}
	s.WriteByte(']')
	return s.String()
}
