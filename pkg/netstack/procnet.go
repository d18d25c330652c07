package netstack

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// The tables of /proc/net: the sandbox's one network namespace, so every
// process's /proc/PID/net shows the same. Formats are Linux's
// (tcp4_seq_show, tcp6_seq_show, udp4_seq_show, udp6_seq_show,
// unix_seq_show); fields the stack has no notion of (timers, retransmits,
// congestion state) are what Linux prints for an idle loopback socket,
// and kernel pointers are zeros, as %pK prints them to an unprivileged
// reader. They live here, beside the sockets they list, so that procfs
// shows them without importing the stack.

// procNetTables renders each file of /proc/net the stack answers for.
var procNetTables = map[string]func([]SocketInfo) string{
	"tcp":      func(s []SocketInfo) string { return tcpTable(s, unix.AF_INET) },
	"tcp6":     func(s []SocketInfo) string { return tcpTable(s, unix.AF_INET6) },
	"udp":      func(s []SocketInfo) string { return udpTable(s, unix.AF_INET, unix.IPPROTO_UDP) },
	"udp6":     func(s []SocketInfo) string { return udpTable(s, unix.AF_INET6, unix.IPPROTO_UDP) },
	"udplite":  func(s []SocketInfo) string { return udpTable(s, unix.AF_INET, unix.IPPROTO_UDPLITE) },
	"udplite6": func(s []SocketInfo) string { return udpTable(s, unix.AF_INET6, unix.IPPROTO_UDPLITE) },
	"unix":     unixTable,
}

// ProcNetFiles names the files of /proc/net the stack answers for: the
// socket tables, and in host mode the namespace's interface files that
// the host has (procnet_host.go).
func (st *Stack) ProcNetFiles() []string {
	names := make([]string, 0, len(procNetTables)+len(hostProcNetFiles))
	for name := range procNetTables {
		names = append(names, name)
	}
	if st.mode.Host() {
		for _, name := range hostProcNetFiles {
			if _, ok := hostProcNet(name); ok {
				names = append(names, name)
			}
		}
	}
	return names
}

// ProcNet is the content of /proc/net/NAME now; false for a name not in
// ProcNetFiles.
func (st *Stack) ProcNet(name string) (string, bool) {
	if st.mode.Host() && slices.Contains(hostProcNetFiles, name) {
		return hostProcNet(name)
	}
	render, ok := procNetTables[name]
	if !ok {
		return "", false
	}
	return render(st.Sockets()), true
}

// Widths Linux pads IPv4 lines to (seq_setwidth; tcp's TMPSZ - 1).
const (
	tcp4Width = 149
	udp4Width = 127
)

func padLine(b *strings.Builder, line string, width int) {
	fmt.Fprintf(b, "%-*s\n", width, line)
}

// hexAddr prints an address as Linux does: each 32-bit word of the
// network-order address printed as a host (little-endian) integer.
func hexAddr(ap netip.AddrPort, family int) string {
	var b strings.Builder
	ip := ap.Addr()
	if family == unix.AF_INET {
		var a [4]byte
		if ip.IsValid() {
			a = ip.Unmap().As4()
		}
		fmt.Fprintf(&b, "%08X", binary.LittleEndian.Uint32(a[:]))
	} else {
		var a [16]byte
		if ip.IsValid() {
			a = ip.As16()
		}
		for i := 0; i < 16; i += 4 {
			fmt.Fprintf(&b, "%08X", binary.LittleEndian.Uint32(a[i:]))
		}
	}
	fmt.Fprintf(&b, ":%04X", ap.Port())
	return b.String()
}

func inet(socks []SocketInfo, family, stype int) []SocketInfo {
	var out []SocketInfo
	for _, s := range socks {
		if s.Family == family && s.Type == stype {
			out = append(out, s)
		}
	}
	return out
}

func tcpTable(socks []SocketInfo, family int) string {
	var b strings.Builder
	if family == unix.AF_INET {
		padLine(&b, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode", tcp4Width)
	} else {
		b.WriteString("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
	}
	// Linux walks the listening hash before the established one.
	var listening, others []SocketInfo
	for _, s := range inet(socks, family, unix.SOCK_STREAM) {
		if s.State == TCPListen {
			listening = append(listening, s)
		} else {
			others = append(others, s)
		}
	}
	for i, s := range append(listening, others...) {
		// rto, ato, quick/pingpong, cwnd, ssthresh (listeners: fastopen
		// queue length) of an idle loopback connection.
		tail := "20 0 0 10 -1"
		switch s.State {
		case TCPListen:
			tail = "100 0 0 10 0"
		case TCPSynSent:
			tail = "100 0 0 10 -1"
		}
		line := fmt.Sprintf("%4d: %s %s %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %016x %s",
			i, hexAddr(s.Local.IP, family), hexAddr(s.Remote.IP, family), s.State,
			s.TxQueue, s.RxQueue, 0, 0, 0, s.UID, 0, s.Ino, 1, 0, tail)
		if family == unix.AF_INET {
			padLine(&b, line, tcp4Width)
		} else {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// udpTable is /proc/net/udp{,6} or, for IPPROTO_UDPLITE, udplite{,6}.
func udpTable(socks []SocketInfo, family, proto int) string {
	var b strings.Builder
	if family == unix.AF_INET {
		padLine(&b, "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops", udp4Width)
	} else {
		b.WriteString("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n")
	}
	for _, s := range inet(socks, family, unix.SOCK_DGRAM) {
		if s.Proto != proto && (s.Proto != 0 || proto != unix.IPPROTO_UDP) {
			continue
		}
		// sl is the hash bucket, which on Linux is the port plus a
		// per-namespace random mix, masked by the table size; the
		// sandbox's table has a bucket per port and no mix.
		line := fmt.Sprintf("%5d: %s %s %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %016x %d",
			s.Local.IP.Port(), hexAddr(s.Local.IP, family), hexAddr(s.Remote.IP, family), s.State,
			s.TxQueue, s.RxQueue, 0, 0, 0, s.UID, 0, s.Ino, 2, 0, 0)
		if family == unix.AF_INET {
			padLine(&b, line, udp4Width)
		} else {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// soAcceptCon is __SO_ACCEPTCON, the Flags of a listening socket.
const soAcceptCon = 1 << 16

// Socket states of struct socket (SS_*), which /proc/net/unix's St shows.
const (
	ssUnconnected   = 1
	ssConnecting    = 2
	ssConnected     = 3
	ssDisconnecting = 4
)

func unixTable(socks []SocketInfo) string {
	var b strings.Builder
	b.WriteString("Num       RefCount Protocol Flags    Type St Inode Path\n")
	for _, s := range socks {
		if s.Family != unix.AF_UNIX {
			continue
		}
		flags, refs := 0, 2
		if s.State == TCPListen {
			flags = soAcceptCon
		}
		st := ssUnconnected
		established := s.State == TCPEstablished
		switch {
		case s.HasFile && established:
			st, refs = ssConnected, 3
		case !s.HasFile && established:
			st = ssConnecting
		case !s.HasFile:
			st = ssDisconnecting
		}
		fmt.Fprintf(&b, "%016x: %08X %08X %08X %04X %02X %5d", 0, refs, 0, flags, s.Type, st, s.Ino)
		if name := s.Local.Name; name != "" {
			b.WriteByte(' ')
			if name[0] == 0 {
				name = "@" + strings.ReplaceAll(name[1:], "\x00", "@")
			}
			b.WriteString(name)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
