package netstack

import (
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNetTablesRenderLinuxFormats pins the tables' formats to lines
// Linux 6.x prints for the same sockets.
func TestNetTablesRenderLinuxFormats(t *testing.T) {
	ap := func(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
	in := func(fam int, s string) Addr { return Addr{Family: fam, IP: ap(s)} }
	for _, tc := range []struct {
		name string
		got  func() string
		want string
	}{
		{"tcp established", func() string {
			return tcpTable([]SocketInfo{{Family: unix.AF_INET, Type: unix.SOCK_STREAM, State: TCPEstablished,
				Local: in(unix.AF_INET, "127.0.0.1:51406"), Remote: in(unix.AF_INET, "127.0.0.1:33605"), Ino: 1129, UID: 1000, RxQueue: 5, HasFile: true}}, unix.AF_INET)
		}, "   0: 0100007F:C8CE 0100007F:8345 01 00000000:00000005 00:00000000 00000000  1000        0 1129 1 0000000000000000 20 0 0 10 -1"},
		{"tcp6 listener", func() string {
			return tcpTable([]SocketInfo{{Family: unix.AF_INET6, Type: unix.SOCK_STREAM, State: TCPListen,
				Local: in(unix.AF_INET6, "[::1]:57965"), Ino: 1914776, HasFile: true}}, unix.AF_INET6)
		}, "   0: 00000000000000000000000001000000:E26D 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1914776 1 0000000000000000 100 0 0 10 0\n"},
		{"udp6 bound", func() string {
			return udpTable([]SocketInfo{{Family: unix.AF_INET6, Type: unix.SOCK_DGRAM, State: TCPClose,
				Local: in(unix.AF_INET6, "[::1]:36700"), Ino: 1914779, HasFile: true}}, unix.AF_INET6, unix.IPPROTO_UDP)
		}, "36700: 00000000000000000000000001000000:8F5C 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1914779 2 0000000000000000 0\n"},
		{"unix listener with a path", func() string {
			return unixTable([]SocketInfo{{Family: unix.AF_UNIX, Type: unix.SOCK_STREAM, State: TCPListen,
				Local: Addr{Family: unix.AF_UNIX, Name: "/run/s.sock"}, Ino: 77, HasFile: true}})
		}, "0000000000000000: 00000002 00000000 00010000 0001 01    77 /run/s.sock\n"},
		{"unix abstract, queued", func() string {
			return unixTable([]SocketInfo{{Family: unix.AF_UNIX, Type: unix.SOCK_SEQPACKET, State: TCPEstablished,
				Local: Addr{Family: unix.AF_UNIX, Name: "\x00a\x00b"}}})
		}, "0000000000000000: 00000002 00000000 00000000 0005 02     0 @a@b\n"},
	} {
		got := tc.got()
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	lite := []SocketInfo{{Family: unix.AF_INET6, Type: unix.SOCK_DGRAM, Proto: unix.IPPROTO_UDPLITE, State: TCPClose,
		Local: in(unix.AF_INET6, "[::1]:36700"), Ino: 1914779, HasFile: true}}
	if got := udpTable(lite, unix.AF_INET6, unix.IPPROTO_UDP); strings.Contains(got, "1914779") {
		t.Errorf("a UDP-Lite socket is listed in udp6:\n%s", got)
	}
	if got := udpTable(lite, unix.AF_INET6, unix.IPPROTO_UDPLITE); !strings.Contains(got, "1914779") {
		t.Errorf("a UDP-Lite socket is missing from udplite6:\n%s", got)
	}
	for _, fam := range []int{unix.AF_INET} {
		for _, l := range strings.Split(strings.TrimSuffix(tcpTable(nil, fam)+udpTable(nil, fam, unix.IPPROTO_UDP), "\n"), "\n") {
			if len(l) != tcp4Width && len(l) != udp4Width {
				t.Errorf("IPv4 header %q is not padded to Linux's width", l)
			}
		}
	}
}

// TestProcNetListsTheStacksSockets: a listener of the stack is in
// ProcNet("tcp") by its port, and only the names ProcNetFiles gives are
// answered.
func TestProcNetListsTheStacksSockets(t *testing.T) {
	st := NewStack()
	s, err := st.NewSocket(unix.AF_INET, unix.SOCK_STREAM, 0, Creds{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Bind(Addr{Family: unix.AF_INET, IP: netip.MustParseAddrPort("127.0.0.1:6379")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(8); err != nil {
		t.Fatal(err)
	}
	got, ok := st.ProcNet("tcp")
	if !ok || !strings.Contains(got, " 0100007F:18EB 00000000:0000 0A ") {
		t.Errorf("tcp (%v):\n%s", ok, got)
	}
	for _, name := range st.ProcNetFiles() {
		if _, ok := st.ProcNet(name); !ok {
			t.Errorf("%s is listed but not answered", name)
		}
	}
	if _, ok := st.ProcNet("route"); ok {
		t.Errorf("route is answered but not listed")
	}
}
