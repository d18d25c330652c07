package netstack

import (
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

func recvString(t *testing.T, s *Socket, n, flags int) (string, error) {
	t.Helper()
	p := make([]byte, n)
	r, err := s.Recv(p, flags)
	return string(p[:r.N]), err
}

func TestUrgentDataHoleAndMark(t *testing.T) {
	st := NewStack()
	_, c, s := connected(t, st, 5)
	var urgs atomic.Int32
	s.SetUrgentNotify(func() { urgs.Add(1) })
	if n, err := c.Send([]byte("abc"), SendOpts{OOB: true}); n != 3 || err != nil {
		t.Fatalf("send: %d %v", n, err)
	}
	if urgs.Load() != 1 {
		t.Errorf("urgent notifications: %d, want 1", urgs.Load())
	}
	if r := s.Readiness(epoll.AllEvents); r&epoll.EventPri == 0 || r&epoll.EventIn == 0 {
		t.Errorf("readiness %#x: want IN and PRI", r)
	}
	if s.AtMark() {
		t.Error("at the mark before reading")
	}
	if got, err := recvString(t, s, 16, 0); got != "ab" || err != nil {
		t.Fatalf("read: %q %v; want \"ab\" (stop at the mark)", got, err)
	}
	if !s.AtMark() {
		t.Error("not at the mark after reading up to it")
	}
	// Only the hole is left: not readable.
	if r := s.Readiness(epoll.AllEvents); r&epoll.EventIn != 0 {
		t.Errorf("readiness %#x: readable with only the urgent byte's hole left", r)
	}
	if got, err := recvString(t, s, 1, unix.MSG_OOB|unix.MSG_PEEK); got != "c" || err != nil {
		t.Fatalf("peek OOB: %q %v", got, err)
	}
	if got, err := recvString(t, s, 1, unix.MSG_OOB); got != "c" || err != nil {
		t.Fatalf("OOB: %q %v", got, err)
	}
	if _, err := recvString(t, s, 1, unix.MSG_OOB); err != unix.EINVAL {
		t.Fatalf("second OOB: %v, want EINVAL", err)
	}
	if r := s.Readiness(epoll.AllEvents); r&epoll.EventPri != 0 {
		t.Errorf("readiness %#x: PRI after the byte was taken", r)
	}
	if _, err := recvString(t, s, 16, 0); err != unix.EAGAIN {
		t.Fatalf("read of the hole: %v, want EAGAIN", err)
	}
	// A second mark replaces an unread first one, which stays inline.
	c.Send([]byte("xy"), SendOpts{OOB: true})
	c.Send([]byte("zw"), SendOpts{OOB: true})
	if got, err := recvString(t, s, 16, 0); got != "xyz" || err != nil {
		t.Fatalf("read: %q %v; want \"xyz\"", got, err)
	}
	if got, err := recvString(t, s, 1, unix.MSG_OOB); got != "w" || err != nil {
		t.Fatalf("OOB: %q %v; want w", got, err)
	}
	// Peeking across the hole skips it too, and takes nothing.
	c.Send([]byte("12"), SendOpts{})
	if got, err := recvString(t, s, 16, unix.MSG_PEEK); got != "12" || err != nil {
		t.Fatalf("peek: %q %v", got, err)
	}
	if got, err := recvString(t, s, 16, 0); got != "12" || err != nil {
		t.Fatalf("read: %q %v", got, err)
	}
	if s.AtMark() {
		t.Error("still at a mark that was passed")
	}
}

func TestUrgentDataInline(t *testing.T) {
	st := NewStack()
	_, c, s := connected(t, st, 5)
	s.SetSockopt(unix.SOL_SOCKET, unix.SO_OOBINLINE, []byte{1, 0, 0, 0})
	c.Send([]byte("abc"), SendOpts{OOB: true})
	if _, err := recvString(t, s, 1, unix.MSG_OOB); err != unix.EINVAL {
		t.Fatalf("OOB inline: %v, want EINVAL", err)
	}
	if got, _ := recvString(t, s, 16, 0); got != "ab" {
		t.Fatalf("read: %q; want \"ab\" (stop at the mark)", got)
	}
	if got, _ := recvString(t, s, 16, 0); got != "c" {
		t.Fatalf("read: %q; want the urgent byte inline", got)
	}
}

func TestUrgentDataNotOnDatagrams(t *testing.T) {
	st := NewStack()
	a, _, err := st.Pair(unix.SOCK_DGRAM, Creds{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Send([]byte("x"), SendOpts{OOB: true}); err != unix.EOPNOTSUPP {
		t.Fatalf("dgram MSG_OOB: %v, want EOPNOTSUPP", err)
	}
	u := newSock(t, st, unix.AF_INET, unix.SOCK_DGRAM)
	if _, err := u.Recv(make([]byte, 4), unix.MSG_ERRQUEUE); err != unix.EAGAIN {
		t.Fatalf("MSG_ERRQUEUE: %v, want EAGAIN", err)
	}
}
