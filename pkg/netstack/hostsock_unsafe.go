package netstack

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Host socket calls that golang.org/x/sys/unix has no byte-slice form
// of. They act on the sentry's own host sockets (hostsock.go).

// hostGetsockopt reads option level/name of host fd into a buffer of
// size bytes and returns what the host wrote.
func hostGetsockopt(fd, level, name, size int) ([]byte, error) {
	b := make([]byte, size)
	l := uint32(size)
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(name),
		uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&l)), 0)
	if e != 0 {
		return nil, e
	}
	return b[:min(int(l), size)], nil
}

// hostSetsockopt sets option level/name of host fd to b.
func hostSetsockopt(fd, level, name int, b []byte) error {
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	_, _, e := unix.Syscall6(unix.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(name),
		uintptr(p), uintptr(len(b)), 0)
	if e != 0 {
		return e
	}
	return nil
}

// hostDisconnect connects host datagram socket fd to AF_UNSPEC, which
// dissolves its association (connect(2)).
func hostDisconnect(fd int) error {
	var sa [16]byte // sa_family = AF_UNSPEC (0)
	_, _, e := unix.Syscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa[0])), uintptr(len(sa)))
	if e != 0 {
		return e
	}
	return nil
}

// hostIoctlBuf is ioctl(fd, req, b) for a request whose argument is a
// structure without pointers (struct ifreq).
func hostIoctlBuf(fd int, req uint, b []byte) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(unsafe.Pointer(&b[0])))
	if e != 0 {
		return e
	}
	return nil
}

// hostIfconf is SIOCGIFCONF on fd with a buffer of n bytes (none when n
// is 0): the records the host wrote, and the length it reports.
func hostIfconf(fd, n int) ([]byte, int, error) {
	var buf []byte
	var ifc struct {
		len int32
		_   int32
		buf uintptr
	}
	ifc.len = int32(n)
	if n > 0 {
		buf = make([]byte, n)
		ifc.buf = uintptr(unsafe.Pointer(&buf[0]))
	}
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCGIFCONF, uintptr(unsafe.Pointer(&ifc)))
	runtime.KeepAlive(buf)
	if e != 0 {
		return nil, 0, e
	}
	l := int(ifc.len)
	if n == 0 {
		return nil, l, nil
	}
	return buf[:min(l, n)], l, nil
}
