package netstack

import (
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
