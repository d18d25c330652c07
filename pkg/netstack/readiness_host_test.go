package netstack

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// TestHostStreamReadinessFollowsTheNews: a bridged stream is readable
// exactly when the host poller has announced bytes, an end of file or an
// error that its receives have not yet taken: unannounced it reports
// nothing (Readiness spares the host poll then), and a peer's close
// after the stream was read dry reaches it as news, readable with
// RDHUP, not as silence.
func TestHostStreamReadinessFollowsTheNews(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	st := NewStackMode(ModeHostLoopback)
	s, err := st.NewSocket(unix.AF_INET, unix.SOCK_STREAM, 0, Creds{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, ch := epoll.NewChanEntry(epoll.EventIn | epoll.EventRdHup)
	s.EventRegister(e)
	defer s.EventUnregister(e)
	to := netip.MustParseAddrPort(ln.Addr().String())
	err = s.Connect(Addr{Family: unix.AF_INET, IP: to}, true)
	for err == unix.EINPROGRESS || err == unix.EAGAIN {
		time.Sleep(time.Millisecond) // the host connects (a socket the task would wait on)
		err = s.ConnectResult()
	}
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()

	const in = epoll.EventIn | epoll.EventRdNorm | epoll.EventRdHup | epoll.EventErr | epoll.EventHup
	// waitFor waits until Readiness(in) holds want, each notice a cue
	// to look again.
	waitFor := func(what string, want epoll.EventMask) epoll.EventMask {
		t.Helper()
		deadline := time.After(hang)
		for {
			if r := s.Readiness(in); r&want == want {
				return r
			}
			select {
			case <-ch:
			case <-deadline:
				t.Fatalf("%s: readiness %#x never held %#x", what, s.Readiness(in), want)
			}
		}
	}
	if r := s.Readiness(in); r != 0 {
		t.Fatalf("connected, nothing sent: readiness %#x, want 0", r)
	}
	for round := 0; round < 3; round++ {
		if _, err := peer.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		waitFor("bytes sent", epoll.EventIn)
		b := make([]byte, 64)
		res, err := s.Recv(b, 0)
		if err != nil || res.N != 5 {
			t.Fatalf("recv: %d bytes, %v; want 5", res.N, err)
		}
		if r := s.Readiness(in); r != 0 {
			t.Fatalf("round %d: read dry, readiness %#x, want 0", round, r)
		}
	}
	// More than one receive's worth: the first read is full and the
	// rest must stay readable.
	big := make([]byte, 3000)
	if _, err := peer.Write(big); err != nil {
		t.Fatal(err)
	}
	for got := 0; got < len(big); {
		waitFor("bytes sent", epoll.EventIn)
		b := make([]byte, 1000)
		res, err := s.Recv(b, 0)
		if err == unix.EAGAIN {
			continue // the rest of the bytes are news still to come
		}
		if err != nil {
			t.Fatalf("recv: %v", err)
		}
		got += res.N
	}
	if r := s.Readiness(in); r != 0 {
		t.Fatalf("read dry after a full read: readiness %#x, want 0", r)
	}
	// Bytes and the end of file together: a short read takes the bytes,
	// and the end of file stays to be read.
	if _, err := peer.Write([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	peer.Close()
	waitFor("bytes sent and closed", epoll.EventIn)
	if res, err := s.Recv(make([]byte, 64), 0); err != nil || res.N != 3 {
		t.Fatalf("recv: %d bytes, %v; want 3", res.N, err)
	}
	r := waitFor("peer closed", epoll.EventIn|epoll.EventRdHup)
	if res, err := s.Recv(make([]byte, 64), 0); err != nil || res.N != 0 {
		t.Fatalf("recv after the peer's close: %d bytes, %v; want end of file", res.N, err)
	}
	if r&epoll.EventIn == 0 {
		t.Fatalf("readiness %#x after the peer's close", r)
	}
}
