package netstack

import (
	"os"

	"golang.org/x/sys/unix"
)

// /proc/net in host mode: the sandbox's sockets that are bridged to host
// sockets are listed with what the host socket says (its addresses,
// TCP state and queues), as Linux lists that socket in the namespace,
// under the application's own inode; and the interface files are the
// namespace's, read by the sentry from its own /proc/thread-self/net
// (the sentry runs in that namespace). Their lo counters are the
// namespace's: the sandbox's loopback traffic stays in memory and is
// not counted there.

// hostProcNetFiles are the /proc/net files that, in host mode, are the
// namespace's own.
var hostProcNetFiles = []string{"dev", "if_inet6"}

// hostProcNet reads the namespace's /proc/net/NAME; false when the host
// has no such file (if_inet6 with IPv6 off, as Linux then shows none).
func hostProcNet(name string) (string, bool) {
	data, err := os.ReadFile("/proc/thread-self/net/" + name)
	if err != nil {
		return "", false
	}
	return string(data), true
}

// hostInfo describes a socket backed by a host socket (not a listener,
// whose sandbox side says it all) as Linux lists it: addresses, state
// and queues from the host socket (tx_queue and rx_queue are SIOCOUTQ
// and SIOCINQ, which for TCP are what Linux prints; for UDP Linux prints
// the memory the queues hold), inode from the application's socket.
// Called with no lock held (h.do takes hostSock.mu).
func (s *Socket) hostInfo(h *hostSock, hasFile bool) (SocketInfo, bool) {
	s.mu.Lock()
	i := SocketInfo{Family: s.family, Type: s.stype, Proto: s.proto,
		UID: uint32(s.creds.UID), HasFile: hasFile}
	closed := s.state == stateClosed
	if hasFile {
		i.Ino = s.ino
	}
	s.mu.Unlock()
	if closed {
		return SocketInfo{}, false
	}
	err := h.do(func(fd int) error {
		sa, err := unix.Getsockname(fd)
		if err != nil {
			return err
		}
		i.Local, _ = fromSockaddr(s.family, sa)
		i.Remote = Addr{Family: s.family}
		connected := false
		if sa, err := unix.Getpeername(fd); err == nil {
			i.Remote, connected = fromSockaddr(s.family, sa)
		}
		if s.stype == unix.SOCK_STREAM {
			ti, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
			if err != nil {
				return err
			}
			i.State = int(ti.State)
		} else if connected {
			i.State = TCPEstablished
		} else {
			i.State = TCPClose
		}
		i.RxQueue, _ = unix.IoctlGetInt(fd, unix.SIOCINQ)
		i.TxQueue, _ = unix.IoctlGetInt(fd, unix.SIOCOUTQ)
		return nil
	})
	if err != nil || (i.Local.IP.Port() == 0 && i.State == TCPClose) {
		// Closed under us, or a datagram socket the host has not bound
		// yet: in no table Linux walks.
		return SocketInfo{}, false
	}
	return i, true
}
