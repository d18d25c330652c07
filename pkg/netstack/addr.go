package netstack

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/hostarch"
	"gvisor.dev/gvisor/pkg/marshal/primitive"
)

// Addr is a socket address: an IP and port for AF_INET/AF_INET6, a name
// for AF_UNIX ("" unnamed, "/path", or "\x00abstract"), a port id for
// AF_NETLINK.
type Addr struct {
	Family int
	IP     netip.AddrPort
	Name   string
	NLPid  uint32
	// Node is the filesystem identity (st_dev, st_ino) of an AF_UNIX path
	// name, which the kernel resolves: path sockets are found by the
	// node, so renames, links and relative paths all reach them.
	Node [2]uint64
}

// unixKey is where an AF_UNIX name lives in the stack's name table: a
// path by its node, an abstract name per socket type (sockets of
// different types may share one, as on Linux).
func (a Addr) unixKey(stype int) string {
	if a.Node != ([2]uint64{}) {
		return fmt.Sprintf("node:%d:%d", a.Node[0], a.Node[1])
	}
	return fmt.Sprintf("%d:%s", stype, a.Name)
}

// sizeofSockaddrUn is sizeof(struct sockaddr_un): a longer address is
// read only that far.
const sizeofSockaddrUn = 2 + linux.UnixPathMax

// sizeofSockaddrIn6Min is SIN6_LEN_RFC2133: Linux takes a sockaddr_in6
// without its trailing sin6_scope_id.
const sizeofSockaddrIn6Min = 24

// ParseAddr decodes a struct sockaddr the application passed.
func ParseAddr(b []byte) (Addr, error) {
	var family primitive.Uint16
	if len(b) < family.SizeBytes() {
		return Addr{}, unix.EINVAL
	}
	family.UnmarshalBytes(b)
	fam := int(family)
	switch fam {
	case unix.AF_INET:
		var sa linux.SockAddrInet
		if len(b) < sa.SizeBytes() {
			return Addr{}, unix.EINVAL
		}
		sa.UnmarshalBytes(b)
		return Addr{Family: fam, IP: netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), netPort(sa.Port))}, nil
	case unix.AF_INET6:
		var sa linux.SockAddrInet6
		if len(b) < sizeofSockaddrIn6Min {
			return Addr{}, unix.EINVAL
		}
		full := make([]byte, sa.SizeBytes())
		copy(full, b)
		sa.UnmarshalBytes(full)
		return Addr{Family: fam, IP: netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), netPort(sa.Port))}, nil
	case unix.AF_UNIX:
		// The name is as long as the caller says (an abstract name may
		// hold NULs), so it is read from the bytes, not the struct.
		p := b[family.SizeBytes():min(len(b), sizeofSockaddrUn)]
		if len(p) > 0 && p[0] == 0 {
			return Addr{Family: fam, Name: string(p)}, nil
		}
		if i := strings.IndexByte(string(p), 0); i >= 0 {
			p = p[:i]
		}
		return Addr{Family: fam, Name: string(p)}, nil
	case unix.AF_NETLINK:
		var sa linux.SockAddrNetlink
		if len(b) < sa.SizeBytes() {
			return Addr{}, unix.EINVAL
		}
		sa.UnmarshalBytes(b)
		return Addr{Family: fam, NLPid: sa.PortID}, nil
	case unix.AF_UNSPEC:
		return Addr{Family: fam}, nil
	}
	return Addr{Family: fam}, unix.EAFNOSUPPORT
}

// Marshal encodes the address as the struct sockaddr Linux returns.
func (a Addr) Marshal() []byte {
	switch a.Family {
	case unix.AF_INET:
		sa := linux.SockAddrInet{Family: unix.AF_INET, Port: netPort(a.IP.Port())}
		if ip := a.IP.Addr().Unmap(); ip.Is4() {
			sa.Addr = ip.As4()
		}
		return marshal(&sa)
	case unix.AF_INET6:
		sa := linux.SockAddrInet6{Family: unix.AF_INET6, Port: netPort(a.IP.Port())}
		if ip := a.IP.Addr(); ip.IsValid() {
			sa.Addr = ip.As16() // an IPv4 address as its mapped form
		}
		return marshal(&sa)
	case unix.AF_UNIX:
		family := primitive.Uint16(unix.AF_UNIX)
		b := make([]byte, family.SizeBytes(), family.SizeBytes()+len(a.Name)+1)
		family.MarshalBytes(b)
		b = append(b, a.Name...)
		if a.Name != "" && a.Name[0] != 0 {
			b = append(b, 0) // a path comes back NUL-terminated
		}
		return b
	case unix.AF_NETLINK:
		return marshal(&linux.SockAddrNetlink{Family: unix.AF_NETLINK, PortID: a.NLPid})
	}
	family := primitive.Uint16(a.Family)
	return marshal(&family)
}

// netPort turns a port between the host's order, in which the abi/linux
// structs marshal their fields, and the network order sin_port holds;
// the swap is its own inverse.
func netPort(p uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], p)
	return hostarch.ByteOrder.Uint16(b[:])
}

// marshal returns m's Linux layout.
func marshal(m interface {
	SizeBytes() int
	MarshalBytes([]byte) []byte
}) []byte {
	b := make([]byte, m.SizeBytes())
	m.MarshalBytes(b)
	return b
}

// isLocal reports whether ip is one of the sandbox's own addresses (or
// the unspecified address, which means all of them).
func isLocal(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsUnspecified() || ip.IsLoopback()
}

// reachable reports whether a connection to ip stays in the sandbox.
func reachable(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsUnspecified()
}
