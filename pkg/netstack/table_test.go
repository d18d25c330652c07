package netstack

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestSocketsTableFollowsTheLifecycle checks the states /proc/net shows
// as connections are made, queued, half-closed and closed.
func TestSocketsTableFollowsTheLifecycle(t *testing.T) {
	st := NewStack()
	state := func(s *Socket) (SocketInfo, bool) {
		for _, i := range st.Sockets() {
			if i.Ino == s.Ino() && i.Family == s.family {
				return i, true
			}
		}
		return SocketInfo{}, false
	}
	unbound := newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
	l, c, s := connected(t, st, 5)
	c2 := newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
	if err := c2.Connect(v4("127.0.0.1", l.LocalAddr().IP.Port()), false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send([]byte("hello"), SendOpts{}); err != nil {
		t.Fatal(err)
	}
	u := newSock(t, st, unix.AF_INET, unix.SOCK_DGRAM)
	if err := u.Bind(v4("127.0.0.1", 0)); err != nil {
		t.Fatal(err)
	}
	x, y, err := st.Pair(unix.SOCK_STREAM, Creds{})
	if err != nil {
		t.Fatal(err)
	}
	y.Shutdown(unix.SHUT_WR)

	for _, tc := range []struct {
		name   string
		s      *Socket
		listed bool
		state  int
		rxq    int
	}{
		{"unbound stream", unbound, false, 0, 0},
		{"listener with one queued connection", l, true, TCPListen, 1},
		{"client", c, true, TCPEstablished, 0},
		{"accepted end with unread bytes", s, true, TCPEstablished, 5},
		{"bound datagram", u, true, TCPClose, 0},
		{"unix pair end whose peer shut down", x, true, TCPEstablished, 0},
		{"unix pair end that shut down (unix sockets have no FIN states)", y, true, TCPEstablished, 0},
	} {
		i, ok := state(tc.s)
		if ok != tc.listed || ok && (i.State != tc.state || i.RxQueue != tc.rxq) {
			t.Errorf("%s: listed %v %+v, want listed %v state %d rx %d", tc.name, ok, i, tc.listed, tc.state, tc.rxq)
		}
	}
	queued := 0
	for _, i := range st.Sockets() {
		if !i.HasFile {
			queued++
			if i.Ino != 0 || i.State != TCPEstablished {
				t.Errorf("queued connection %+v: want inode 0, established", i)
			}
		}
	}
	if queued != 1 {
		t.Errorf("%d queued connections listed, want 1", queued)
	}
	c.Close()
	l.Close()
	if _, ok := state(c); ok {
		t.Error("a closed socket is still listed")
	}
	for _, i := range st.Sockets() {
		if !i.HasFile {
			t.Errorf("the queue of a closed listener is still listed: %+v", i)
		}
	}
}
