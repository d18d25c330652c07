package netstack

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

func v4(s string, port uint16) Addr {
	return Addr{Family: unix.AF_INET, IP: netip.AddrPortFrom(netip.MustParseAddr(s), port)}
}

func v6(s string, port uint16) Addr {
	return Addr{Family: unix.AF_INET6, IP: netip.AddrPortFrom(netip.MustParseAddr(s), port)}
}

func TestAddrRoundTrip(t *testing.T) {
	for _, a := range []Addr{
		v4("127.0.0.1", 6379),
		v4("0.0.0.0", 0),
		v6("::1", 80),
		v6("::ffff:127.0.0.1", 443),
		{Family: unix.AF_UNIX, Name: "/tmp/x.sock"},
		{Family: unix.AF_UNIX, Name: "\x00abstract"},
		{Family: unix.AF_NETLINK, NLPid: 7},
	} {
		got, err := ParseAddr(a.Marshal())
		if err != nil || got != a {
			t.Errorf("%+v -> %+v, %v", a, got, err)
		}
	}
	if _, err := ParseAddr([]byte{2, 0, 1}); !errors.Is(err, unix.EINVAL) {
		t.Errorf("short sockaddr_in: %v", err)
	}
	if _, err := ParseAddr([]byte{99, 0, 0, 0}); !errors.Is(err, unix.EAFNOSUPPORT) {
		t.Errorf("unknown family: %v", err)
	}
}

func TestParsePublish(t *testing.T) {
	for _, tc := range []struct {
		spec string
		host string
		port uint16
		bad  bool
	}{
		{"8080:80", "127.0.0.1:8080", 80, false},
		{"0.0.0.0:8080:80", "0.0.0.0:8080", 80, false},
		{"[::1]:8080:6379", "[::1]:8080", 6379, false},
		{"80", "", 0, true},
		{"x:80", "", 0, true},
		{"8080:0", "", 0, true},
		{"nothost:1:2", "", 0, true},
	} {
		h, p, err := ParsePublish(tc.spec)
		if (err != nil) != tc.bad || h != tc.host || p != tc.port {
			t.Errorf("%q: %q %d %v", tc.spec, h, p, err)
		}
	}
}

func newSock(t *testing.T, st *Stack, fam, typ int) *Socket {
	t.Helper()
	s, err := st.NewSocket(fam, typ, 0, Creds{PID: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBindConflicts(t *testing.T) {
	type bind struct {
		fam    int
		addr   Addr
		v6only bool
		reuse  bool
		listen bool
	}
	for _, tc := range []struct {
		name   string
		first  bind
		second bind
		want   error
	}{
		{"same v4 any", bind{fam: unix.AF_INET, addr: v4("0.0.0.0", 9000)}, bind{fam: unix.AF_INET, addr: v4("0.0.0.0", 9000)}, unix.EADDRINUSE},
		{"v4 any vs v6only any", bind{fam: unix.AF_INET, addr: v4("0.0.0.0", 9000)}, bind{fam: unix.AF_INET6, addr: v6("::", 9000), v6only: true}, nil},
		{"v4 any vs dual any", bind{fam: unix.AF_INET, addr: v4("0.0.0.0", 9000)}, bind{fam: unix.AF_INET6, addr: v6("::", 9000)}, unix.EADDRINUSE},
		{"two loopbacks", bind{fam: unix.AF_INET, addr: v4("127.0.0.1", 9000)}, bind{fam: unix.AF_INET, addr: v4("127.0.0.2", 9000)}, nil},
		{"reuseaddr not listening", bind{fam: unix.AF_INET, addr: v4("127.0.0.1", 9000), reuse: true}, bind{fam: unix.AF_INET, addr: v4("127.0.0.1", 9000), reuse: true}, nil},
		{"reuseaddr listening", bind{fam: unix.AF_INET, addr: v4("127.0.0.1", 9000), reuse: true, listen: true}, bind{fam: unix.AF_INET, addr: v4("127.0.0.1", 9000), reuse: true}, unix.EADDRINUSE},
		{"not ours", bind{fam: unix.AF_INET, addr: v4("127.0.0.1", 9001)}, bind{fam: unix.AF_INET, addr: v4("192.168.1.1", 9000)}, unix.EADDRNOTAVAIL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := NewStack()
			var errs [2]error
			for i, b := range []bind{tc.first, tc.second} {
				s := newSock(t, st, b.fam, unix.SOCK_STREAM)
				one := []byte{1, 0, 0, 0}
				if b.v6only {
					s.SetSockopt(unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, one)
				}
				if b.reuse {
					s.SetSockopt(unix.SOL_SOCKET, unix.SO_REUSEADDR, one)
				}
				errs[i] = s.Bind(b.addr)
				if errs[i] == nil && b.listen {
					if err := s.Listen(5); err != nil {
						t.Fatal(err)
					}
				}
			}
			if errs[0] != nil || !errors.Is(errs[1], tc.want) && !(tc.want == nil && errs[1] == nil) {
				t.Fatalf("binds: %v, %v; want nil, %v", errs[0], errs[1], tc.want)
			}
		})
	}
}

// connected returns a connected client and its accepted peer.
func connected(t *testing.T, st *Stack, backlog int) (l, c, s *Socket) {
	t.Helper()
	l = newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
	if err := l.Bind(v4("127.0.0.1", 0)); err != nil {
		t.Fatal(err)
	}
	if err := l.Listen(backlog); err != nil {
		t.Fatal(err)
	}
	c = newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
	if err := c.Connect(v4("127.0.0.1", l.LocalAddr().IP.Port()), false); err != nil {
		t.Fatal(err)
	}
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return l, c, s
}

func TestStreamLifecycle(t *testing.T) {
	st := NewStack()
	_, c, s := connected(t, st, 5)
	if ra, _ := s.RemoteAddr(); ra != c.LocalAddr() {
		t.Fatalf("accepted peer %+v, client local %+v", ra, c.LocalAddr())
	}
	if _, err := c.Send([]byte("hello"), SendOpts{}); err != nil {
		t.Fatal(err)
	}
	if s.Readiness(epoll.EventIn) != epoll.EventIn {
		t.Fatal("not readable after a send")
	}
	buf := make([]byte, 3)
	r, err := s.Recv(buf, unix.MSG_PEEK)
	if err != nil || r.N != 3 || string(buf) != "hel" {
		t.Fatalf("peek %d %q %v", r.N, buf, err)
	}
	big := make([]byte, 100)
	if r, _ := s.Recv(big, 0); r.N != 5 {
		t.Fatalf("read %d", r.N)
	}
	if _, err := s.Recv(big, 0); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("empty: %v", err)
	}
	c.Shutdown(unix.SHUT_WR)
	if r, err := s.Recv(big, 0); err != nil || r.N != 0 {
		t.Fatalf("after half-close: %d %v", r.N, err)
	}
	if s.Readiness(epoll.EventRdHup)&epoll.EventRdHup == 0 {
		t.Fatal("no RDHUP after half-close")
	}
	if _, err := c.Send([]byte("x"), SendOpts{}); !errors.Is(err, unix.EPIPE) {
		t.Fatalf("send after SHUT_WR: %v", err)
	}
	if _, err := s.Send([]byte("still"), SendOpts{}); err != nil {
		t.Fatalf("the other direction stays open: %v", err)
	}
	// Closing with unread data resets the peer.
	c.Close()
	if _, err := s.Recv(big, 0); !errors.Is(err, unix.ECONNRESET) && err != nil {
		t.Fatalf("after peer close: %v", err)
	}
}

func TestBackPressureAndBacklog(t *testing.T) {
	st := NewStack()
	l, c, s := connected(t, st, 0)
	chunk := make([]byte, 64<<10)
	total := 0
	for {
		n, err := c.Send(chunk, SendOpts{})
		total += n
		if errors.Is(err, unix.EAGAIN) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if total != defaultBuf || c.Readiness(epoll.EventOut) != 0 {
		t.Fatalf("buffered %d, writable %v", total, c.Readiness(epoll.EventOut))
	}
	s.Recv(chunk[:10], 0)
	if c.Readiness(epoll.EventOut) == 0 {
		t.Fatal("not writable after the reader made room")
	}
	// Backlog 0 holds one connection; the next waits until accept.
	port := l.LocalAddr().IP.Port()
	a := newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
	if err := a.Connect(v4("127.0.0.1", port), false); err != nil {
		t.Fatal(err)
	}
	b := newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
	if err := b.Connect(v4("127.0.0.1", port), true); !errors.Is(err, unix.EINPROGRESS) {
		t.Fatal(err)
	}
	if err := b.ConnectResult(); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("connect finished past a full backlog: %v", err)
	}
	if _, err := l.Accept(); err != nil {
		t.Fatal(err)
	}
	if err := b.ConnectResult(); err != nil {
		t.Fatalf("connect after room: %v", err)
	}
	l.Close()
	x := newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
	if err := x.Connect(v4("127.0.0.1", port), false); !errors.Is(err, unix.ECONNREFUSED) {
		t.Fatalf("connect to closed listener: %v", err)
	}
	if err := x.Connect(v4("10.0.0.1", port), false); !errors.Is(err, unix.ENETUNREACH) {
		t.Fatalf("connect outside: %v", err)
	}
}

func TestPublishJoinsHostConnections(t *testing.T) {
	st := NewStack()
	l := newSock(t, st, unix.AF_INET6, unix.SOCK_STREAM)
	if err := l.Bind(v6("::", 7000)); err != nil {
		t.Fatal(err)
	}
	l.Listen(5)
	p, err := Publish(st, "127.0.0.1:0", 7000)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := Publish(st, p.Addr().String(), 7000); err == nil {
		t.Fatal("a busy host port was published twice")
	}
	hc, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	var g *Socket
	deadline := time.Now().Add(5 * time.Second)
	for g == nil && time.Now().Before(deadline) {
		g, _ = l.Accept()
		time.Sleep(time.Millisecond)
	}
	if g == nil {
		t.Fatal("no guest connection")
	}
	if ra, _ := g.RemoteAddr(); ra.Family != unix.AF_INET6 || !ra.IP.Addr().Is4In6() {
		t.Fatalf("guest sees peer %+v", ra)
	}
	hc.Write([]byte("ping"))
	gc := &Conn{s: g}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(gc, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("guest read %q %v", buf, err)
	}
	gc.Write([]byte("pong"))
	gc.CloseWrite()
	got, err := io.ReadAll(hc)
	if err != nil || string(got) != "pong" {
		t.Fatalf("host read %q %v", got, err)
	}
	// Nothing listens on 7001: the host client is reset.
	p2, err := Publish(st, "127.0.0.1:0", 7001)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	hc2, err := net.Dial("tcp", p2.Addr().String())
	if err != nil {
		return // the reset can beat connect's own completion check
	}
	hc2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := hc2.Read(buf); err == nil {
		t.Fatal("read from a refused guest port succeeded")
	}
}

func TestUnixRightsAndDatagrams(t *testing.T) {
	st := NewStack()
	a, b, err := st.Pair(unix.SOCK_DGRAM, Creds{PID: 3, UID: 4, GID: 5})
	if err != nil {
		t.Fatal(err)
	}
	b.SetSockopt(unix.SOL_SOCKET, unix.SO_PASSCRED, []byte{1, 0, 0, 0})
	for i := 0; i < 2; i++ {
		if _, err := a.Send([]byte(fmt.Sprint("msg", i)), SendOpts{Creds: &Creds{PID: 3, UID: 4, GID: 5}}); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 2)
	r, err := b.Recv(buf, 0)
	if err != nil || r.N != 2 || r.Full != 4 || r.Creds == nil || r.Creds.PID != 3 {
		t.Fatalf("first datagram %+v %v", r, err)
	}
	if r, _ := b.Recv(make([]byte, 10), 0); r.N != 4 {
		t.Fatalf("second datagram %+v", r)
	}
	n := newSock(t, st, unix.AF_UNIX, unix.SOCK_STREAM)
	if err := n.Connect(Addr{Family: unix.AF_UNIX, Name: "/no/such"}, false); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("connect to a missing path: %v", err)
	}
	if err := n.Connect(Addr{Family: unix.AF_UNIX, Name: "\x00none"}, false); !errors.Is(err, unix.ECONNREFUSED) {
		t.Fatalf("connect to a missing abstract name: %v", err)
	}
}

func TestNetlinkShowsOnlyLo(t *testing.T) {
	st := NewStack()
	s := newSock(t, st, unix.AF_NETLINK, unix.SOCK_RAW)
	s.Bind(Addr{Family: unix.AF_NETLINK})
	req := newNLMsg(unix.RTM_GETADDR, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, 9, 0, []byte{0, 0, 0, 0}).bytes()
	if _, err := s.Send(req, SendOpts{}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	r, err := s.Recv(buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:r.N])
	if err != nil {
		t.Fatal(err)
	}
	var types []uint16
	for _, m := range msgs {
		types = append(types, m.Header.Type)
		if m.Header.Seq != 9 || m.Header.Pid != 1 {
			t.Errorf("header %+v", m.Header)
		}
	}
	if fmt.Sprint(types) != fmt.Sprint([]uint16{unix.RTM_NEWADDR, unix.RTM_NEWADDR, unix.NLMSG_DONE}) {
		t.Fatalf("types %v", types)
	}
}

// TestPublishCarriesResets: a guest reset reaches the host client as a
// reset, and a host reset reaches the guest as ECONNRESET.
func TestPublishCarriesResets(t *testing.T) {
	st := NewStack()
	l := newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
	l.Bind(v4("0.0.0.0", 7100))
	l.Listen(5)
	p, err := Publish(st, "127.0.0.1:0", 7100)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	accept := func() *Socket {
		for i := 0; i < 5000; i++ {
			if g, err := l.Accept(); err == nil {
				return g
			}
			time.Sleep(time.Millisecond)
		}
		t.Fatal("no guest connection")
		return nil
	}
	// Guest side resets (SO_LINGER 0).
	hc, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	g := accept()
	g.SetSockopt(unix.SOL_SOCKET, unix.SO_LINGER, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	g.Close()
	hc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := hc.Read(make([]byte, 1)); !errors.Is(err, unix.ECONNRESET) {
		t.Fatalf("host read after guest reset: %v", err)
	}
	hc.Close()
	// Host side resets.
	hc, err = net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	g = accept()
	hc.(*net.TCPConn).SetLinger(0)
	hc.Close()
	gc := &Conn{s: g}
	if _, err := gc.Read(make([]byte, 1)); !errors.Is(err, unix.ECONNRESET) {
		t.Fatalf("guest read after host reset: %v", err)
	}
}

func TestReusePortTakesTurns(t *testing.T) {
	st := NewStack()
	var ls [2]*Socket
	for i := range ls {
		ls[i] = newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
		ls[i].SetSockopt(unix.SOL_SOCKET, unix.SO_REUSEPORT, []byte{1, 0, 0, 0})
		if err := ls[i].Bind(v4("127.0.0.1", 7400)); err != nil {
			t.Fatalf("bind %d: %v", i, err)
		}
		ls[i].Listen(16)
	}
	for i := 0; i < 4; i++ {
		c := newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
		if err := c.Connect(v4("127.0.0.1", 7400), false); err != nil {
			t.Fatal(err)
		}
	}
	for i, l := range ls {
		for j := 0; j < 2; j++ {
			if _, err := l.Accept(); err != nil {
				t.Fatalf("listener %d got fewer than 2 of 4 connections", i)
			}
		}
	}
}
