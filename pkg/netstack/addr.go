package netstack

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/sys/unix"
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

// Sizes of the sockaddr structures.
const (
	sizeofSockaddrIn  = 16
	sizeofSockaddrIn6 = 28
	sizeofSockaddrUn  = 110
	sizeofSockaddrNL  = 12
)

// ParseAddr decodes a struct sockaddr the application passed.
func ParseAddr(b []byte) (Addr, error) {
	if len(b) < 2 {
		return Addr{}, unix.EINVAL
	}
	fam := int(binary.LittleEndian.Uint16(b))
	switch fam {
	case unix.AF_INET:
		if len(b) < sizeofSockaddrIn {
			return Addr{}, unix.EINVAL
		}
		ip := netip.AddrFrom4([4]byte(b[4:8]))
		return Addr{Family: fam, IP: netip.AddrPortFrom(ip, binary.BigEndian.Uint16(b[2:]))}, nil
	case unix.AF_INET6:
		if len(b) < 24 {
			return Addr{}, unix.EINVAL
		}
		ip := netip.AddrFrom16([16]byte(b[8:24]))
		return Addr{Family: fam, IP: netip.AddrPortFrom(ip, binary.BigEndian.Uint16(b[2:]))}, nil
	case unix.AF_UNIX:
		p := b[2:min(len(b), sizeofSockaddrUn)]
		if len(p) > 0 && p[0] == 0 {
			return Addr{Family: fam, Name: string(p)}, nil
		}
		if i := strings.IndexByte(string(p), 0); i >= 0 {
			p = p[:i]
		}
		return Addr{Family: fam, Name: string(p)}, nil
	case unix.AF_NETLINK:
		if len(b) < sizeofSockaddrNL {
			return Addr{}, unix.EINVAL
		}
		return Addr{Family: fam, NLPid: binary.LittleEndian.Uint32(b[4:])}, nil
	case unix.AF_UNSPEC:
		return Addr{Family: fam}, nil
	}
	return Addr{Family: fam}, unix.EAFNOSUPPORT
}

// Marshal encodes the address as the struct sockaddr Linux returns.
func (a Addr) Marshal() []byte {
	switch a.Family {
	case unix.AF_INET:
		b := make([]byte, sizeofSockaddrIn)
		binary.LittleEndian.PutUint16(b, unix.AF_INET)
		binary.BigEndian.PutUint16(b[2:], a.IP.Port())
		ip := a.IP.Addr().Unmap()
		if ip.Is4() {
			v := ip.As4()
			copy(b[4:], v[:])
		}
		return b
	case unix.AF_INET6:
		b := make([]byte, sizeofSockaddrIn6)
		binary.LittleEndian.PutUint16(b, unix.AF_INET6)
		binary.BigEndian.PutUint16(b[2:], a.IP.Port())
		ip := a.IP.Addr()
		if ip.Is4() {
			ip = netip.AddrFrom16(ip.As16())
		}
		if ip.IsValid() {
			v := ip.As16()
			copy(b[8:], v[:])
		}
		return b
	case unix.AF_UNIX:
		b := make([]byte, 2, 2+len(a.Name)+1)
		binary.LittleEndian.PutUint16(b, unix.AF_UNIX)
		b = append(b, a.Name...)
		if a.Name != "" && a.Name[0] != 0 {
			b = append(b, 0) // a path comes back NUL-terminated
		}
		return b
	case unix.AF_NETLINK:
		b := make([]byte, sizeofSockaddrNL)
		binary.LittleEndian.PutUint16(b, unix.AF_NETLINK)
		binary.LittleEndian.PutUint32(b[4:], a.NLPid)
		return b
	}
	b := make([]byte, 2)
	binary.LittleEndian.PutUint16(b, uint16(a.Family))
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
