package netstack

import (
	"encoding/hex"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestSockaddrBytes pins the struct sockaddr bytes an address marshals
// to, as Linux lays them out (port and address in network order, the
// family in the host's), and what a caller's bytes parse to, including
// the short forms Linux accepts (a sockaddr_in6 without sin6_scope_id)
// and padding it ignores.
func TestSockaddrBytes(t *testing.T) {
	for _, c := range []struct {
		a    Addr
		want string
	}{
		{v4("127.0.0.1", 6379), "020018eb7f0000010000000000000000"},
		{v6("::1", 80), "0a000050000000000000000000000000000000000000000100000000"},
		{v6("::ffff:127.0.0.1", 443), "0a0001bb0000000000000000000000000000ffff7f00000100000000"},
		{Addr{Family: unix.AF_UNIX, Name: "/tmp/x.sock"}, "01002f746d702f782e736f636b00"},
		{Addr{Family: unix.AF_UNIX, Name: "\x00ab"}, "0100006162"},
		{Addr{Family: unix.AF_UNIX}, "0100"},
		{Addr{Family: unix.AF_NETLINK, NLPid: 0x01020304}, "100000000403020100000000"},
		{Addr{Family: unix.AF_UNSPEC}, "0000"},
	} {
		if got := hex.EncodeToString(c.a.Marshal()); got != c.want {
			t.Errorf("%+v marshals to %s, want %s", c.a, got, c.want)
		}
	}
	for _, c := range []struct {
		in   string
		want Addr
	}{
		{"020018eb7f000001ffffffffffffffff", v4("127.0.0.1", 6379)},
		{"0a0001bb0000000000000000000000000000000000000001", v6("::1", 443)},
		{"0a0001bb000000000000000000000000000000000000000102000000", v6("::1", 443)},
		{"01002f746d702f78", Addr{Family: unix.AF_UNIX, Name: "/tmp/x"}},
		{"01002f7800797a", Addr{Family: unix.AF_UNIX, Name: "/x"}},
		{"0100006162", Addr{Family: unix.AF_UNIX, Name: "\x00ab"}},
		{"100000000403020105000000", Addr{Family: unix.AF_NETLINK, NLPid: 0x01020304}},
	} {
		b, _ := hex.DecodeString(c.in)
		if got, err := ParseAddr(b); err != nil || got != c.want {
			t.Errorf("%s parses to %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"0200", "0a0001bb00000000000000000000000000000000000000", "1000000004030201050000"} {
		b, _ := hex.DecodeString(in)
		if _, err := ParseAddr(b); err != unix.EINVAL {
			t.Errorf("%s: %v, want EINVAL", in, err)
		}
	}
}

// TestNetlinkMessageBytes pins the bytes of the answers the loopback
// stack builds (nlmsghdr, ifinfomsg, ifaddrmsg, rtattrs, the error
// message quoting the request's header), as iproute2 and getifaddrs
// parse them.
func TestNetlinkMessageBytes(t *testing.T) {
	req := newNLMsg(unix.RTM_GETROUTE, unix.NLM_F_REQUEST, 5, 6, []byte{1, 2, 3}).bytes()
	const seq, pid = 0x01020304, 0x0a0b0c0d
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"request", req, "140000001a000100050000000600000001020300"},
		{"link", linkMsg(seq, pid), "bc00000010000200040302010d0c0b0a00000403010000004900010000000000070003006c6f00000a00010000000000000000000a0002000000000000000000080004000000010008000d00e8030000050010000000000064000700000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},
		{"addr inet", addrMsg(unix.AF_INET, seq, pid), "3800000014000200040302010d0c0b0a020880fe01000000080001007f000001080002007f000001070003006c6f00000800080080000000"},
		{"addr inet6", addrMsg(unix.AF_INET6, seq, pid), "3400000014000200040302010d0c0b0a0a8080fe0100000014000100000000000000000000000000000000010800080080000000"},
		{"done", doneMsg(seq, pid), "1400000003000200040302010d0c0b0a00000000"},
		{"error", errMsg(unix.EOPNOTSUPP, req, seq, pid), "2400000002000000040302010d0c0b0aa1ffffff140000001a0001000500000006000000"},
	} {
		if got := hex.EncodeToString(c.got); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

// TestSockoptBytes pins the int and struct timeval socket options'
// bytes both ways.
func TestSockoptBytes(t *testing.T) {
	if got := hex.EncodeToString(intBytes(-2)); got != "feffffff" {
		t.Errorf("int -2: %s", got)
	}
	if v, err := intVal([]byte{0xfe, 0xff, 0xff, 0xff, 9}); v != -2 || err != nil {
		t.Errorf("int back: %d, %v", v, err)
	}
	if _, err := intVal([]byte{1, 0, 0}); err != unix.EINVAL {
		t.Errorf("short int: %v", err)
	}
	d := 3*time.Second + 250*time.Millisecond
	if got := hex.EncodeToString(timevalBytes(d)); got != "030000000000000090d0030000000000" {
		t.Errorf("timeval 3.25s: %s", got)
	}
	if v, err := timevalVal(timevalBytes(d)); v != d || err != nil {
		t.Errorf("timeval back: %v, %v", v, err)
	}
	if _, err := timevalVal(make([]byte, 15)); err != unix.EINVAL {
		t.Errorf("short timeval: %v", err)
	}
	b, _ := hex.DecodeString("010000000000000040420f0000000000")
	if _, err := timevalVal(b); err != unix.EDOM {
		t.Errorf("usec 1000000: %v", err)
	}
}
