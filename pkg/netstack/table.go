package netstack

import (
	"sort"

	"golang.org/x/sys/unix"
)

// The socket table: what /proc/net/{tcp,tcp6,udp,udp6,unix} list.

// Linux's TCP states (include/net/tcp_states.h), which /proc/net shows
// for every kind of socket.
const (
	TCPEstablished = 1
	TCPSynSent     = 2
	TCPFinWait2    = 5
	TCPClose       = 7
	TCPCloseWait   = 8
	TCPListen      = 10
)

// SocketInfo is one socket as /proc/net shows it.
type SocketInfo struct {
	Family, Type int
	Proto        int // IPPROTO_UDP or IPPROTO_UDPLITE for inet datagrams
	// State is a TCP state (TCPEstablished...), as Linux keeps in
	// sk_state for every family.
	State         int
	Local, Remote Addr
	// Ino is the inode number of the socket's file, 0 for the accepted
	// end of a connection still in its listener's queue (Linux has no
	// file for it yet).
	Ino uint64
	UID uint32
	// RxQueue is unread bytes, or a listener's queued connections. There
	// is no transmit queue: a loopback write lands in the peer's receive
	// buffer at once, so it is always acknowledged (tx_queue 0).
	RxQueue int
	// TxQueue is unacknowledged bytes: always 0 on the loopback; a
	// bridged socket's host queue (procnet_host.go).
	TxQueue int
	// HasFile is false for a queued connection not yet accepted.
	HasFile bool
}

// Sockets lists the sockets Linux would show in /proc/net: inet sockets
// that are in a hash table (bound datagram sockets; listening, connecting
// or connected streams) and every AF_UNIX socket, in creation order.
func (st *Stack) Sockets() []SocketInfo {
	st.regMu.Lock()
	all := make([]*Socket, 0, len(st.live))
	for s := range st.live {
		all = append(all, s)
	}
	st.regMu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].ino < all[j].ino })

	queued := map[*Socket]bool{}
	for _, s := range all {
		s.mu.Lock()
		for _, c := range s.acceptq {
			queued[c] = true
		}
		s.mu.Unlock()
	}
	var out []SocketInfo
	for _, s := range all {
		if info, ok := s.info(!queued[s]); ok {
			out = append(out, info)
		}
	}
	return out
}

// info describes s, or reports that Linux would not list it.
func (s *Socket) info(hasFile bool) (SocketInfo, bool) {
	if s.family != unix.AF_INET && s.family != unix.AF_INET6 && s.family != unix.AF_UNIX {
		return SocketInfo{}, false
	}
	if h := s.hostSock(); h != nil && s.isInet() && !s.listening() {
		// Bridged: the host socket is the one Linux would list
		// (procnet_host.go).
		return s.hostInfo(h, hasFile)
	}
	s.mu.Lock()
	i := SocketInfo{Family: s.family, Type: s.stype, Proto: s.proto, Local: s.local, Remote: s.remote,
		UID: uint32(s.creds.UID), HasFile: hasFile}
	state, bound, connected, shutWr := s.state, s.bound, s.connected, s.shutWr
	nq, peer := len(s.acceptq), s.peer
	s.mu.Unlock()
	if hasFile {
		i.Ino = s.ino
	}
	if state == stateClosed {
		return SocketInfo{}, false
	}
	avail, wclosed, _, _, _ := s.rx.state()
	switch {
	case state == stateListening:
		i.State, i.RxQueue = TCPListen, nq
	case state == stateConnecting:
		i.State = TCPSynSent
	case state == stateConnected:
		i.State, i.RxQueue = TCPEstablished, avail
		switch {
		case shutWr && s.isInet():
			i.State = TCPFinWait2
		case wclosed && s.isInet():
			i.State = TCPCloseWait
		}
	case s.stype == unix.SOCK_DGRAM && (connected || peer != nil):
		i.State, i.RxQueue = TCPEstablished, avail
	default:
		i.State, i.RxQueue = TCPClose, avail
		if s.isInet() && (!bound || s.stype != unix.SOCK_DGRAM) {
			// An unbound inet socket, or a bound stream that neither
			// listens nor connects, is in no table Linux walks.
			return SocketInfo{}, false
		}
	}
	return i, true
}
