package netstack

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// acceptGuest waits for the next connection on guest listener l.
func acceptGuest(t *testing.T, l *Socket) *Socket {
	t.Helper()
	var g *Socket
	done := make(chan error, 1)
	go func() {
		done <- l.waitFor(epoll.EventIn, func() (err error) { g, err = l.Accept(); return err })
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("guest accept: %v", err)
		}
	case <-time.After(hang):
		t.Fatal("no guest connection")
	}
	return g
}

// readGuest reads exactly n bytes from g, or fails the test after hang.
func readGuest(t *testing.T, g *Socket, n int) []byte {
	t.Helper()
	buf := make([]byte, n)
	done := make(chan error, 1)
	go func() { _, err := io.ReadFull(&Conn{s: g}, buf); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("guest read: %v", err)
		}
	case <-time.After(hang):
		t.Fatal("guest read hangs")
	}
	return buf
}

// A connection whose guest reader does not keep up stops being read on
// the host (its writer blocks, as it would on Linux) while the other
// connections of the port go on, and none of its bytes is lost.
func TestPumpStallsOneConnectionNotTheOthers(t *testing.T) {
	st := NewStack()
	l := newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
	if err := l.Bind(v4("0.0.0.0", 7300)); err != nil {
		t.Fatal(err)
	}
	l.Listen(5)
	p, err := Publish(st, "127.0.0.1:0", 7300)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	a, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ga := acceptGuest(t, l)
	b, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	gb := acceptGuest(t, l)

	total := fillUntilStalled(t, a)
	if _, err := b.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if got := readGuest(t, gb, 5); string(got) != "hello" {
		t.Fatalf("b: guest read %q", got)
	}
	if got := readGuest(t, ga, total); !bytes.Equal(got, pattern(0, total)) {
		t.Fatalf("a: the %d bytes written differ from what the guest read", total)
	}
}

// Connections ended every way (closed by either side, reset by either
// side, refused inside) and then the port's Close leave no host fd and
// no goroutine behind.
func TestPumpLeavesNoHostFdsOrGoroutines(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0") // Go's own poller fds exist before counting
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	fds := func() int {
		es, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	fds0, g0 := fds(), runtime.NumGoroutine()

	st := NewStack()
	l := newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
	if err := l.Bind(v4("0.0.0.0", 7301)); err != nil {
		t.Fatal(err)
	}
	l.Listen(64)
	p, err := Publish(st, "127.0.0.1:0", 7301)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		hc, err := net.Dial("tcp", p.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		hc.SetDeadline(time.Now().Add(hang))
		g := acceptGuest(t, l)
		hc.Write([]byte("x"))
		readGuest(t, g, 1)
		switch i % 5 {
		case 0: // the host closes, then the guest
			hc.Close()
			if n, err := (&Conn{s: g}).Read(make([]byte, 1)); n != 0 || err != io.EOF {
				t.Fatalf("guest after host close: %d, %v", n, err)
			}
			g.Close()
		case 1: // the host resets
			hc.(*net.TCPConn).SetLinger(0)
			hc.Close()
			if _, err := (&Conn{s: g}).Read(make([]byte, 1)); err != unix.ECONNRESET {
				t.Fatalf("guest after host reset: %v", err)
			}
			g.Close()
		case 2: // the guest closes, then the host
			g.Close()
			if n, err := hc.Read(make([]byte, 1)); n != 0 || err != io.EOF {
				t.Fatalf("host after guest close: %d, %v", n, err)
			}
			hc.Close()
		case 3: // the guest resets
			g.abort()
			if _, err := hc.Read(make([]byte, 1)); !errors.Is(err, unix.ECONNRESET) {
				t.Fatalf("host after guest reset: %v", err)
			}
			hc.Close()
		case 4: // the guest resets while the host's bytes wait for room
			fillUntilStalled(t, hc)
			g.abort()
			if _, err := hc.Read(make([]byte, 1)); !errors.Is(err, unix.ECONNRESET) {
				t.Fatalf("host after guest reset: %v", err)
			}
			hc.Close()
		}
	}
	l.Close()
	hc, err := net.Dial("tcp", p.Addr().String()) // refused inside
	if err == nil {
		hc.SetDeadline(time.Now().Add(hang))
		if _, err := hc.Read(make([]byte, 1)); err == nil {
			t.Fatal("read from a refused guest port succeeded")
		}
		hc.Close()
	}
	p.Close()
	select {
	case <-p.pump.gone:
	case <-time.After(hang):
		t.Fatal("the pump outlived its port and connections")
	}
	// The join goroutines end after the pump lets go; wait for them.
	deadline := time.Now().Add(hang)
	for runtime.NumGoroutine() > g0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > g0 {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines left, %d before:\n%s", g, g0, buf[:runtime.Stack(buf, true)])
	}
	if n := fds(); n > fds0 {
		t.Fatalf("%d fds open, %d before", n, fds0)
	}
}

// Host connections that arrive while the guest listener's backlog is
// full wait off the pump for room and are joined when the guest accepts,
// their bytes intact; the pump meanwhile serves the others.
func TestPumpJoinsConnectionsThatWaitedForBacklogRoom(t *testing.T) {
	st := NewStack()
	l := newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
	if err := l.Bind(v4("0.0.0.0", 7302)); err != nil {
		t.Fatal(err)
	}
	l.Listen(1)
	p, err := Publish(st, "127.0.0.1:0", 7302)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const n = 6
	for i := 0; i < n; i++ {
		hc, err := net.Dial("tcp", p.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer hc.Close()
		if _, err := hc.Write([]byte{byte('a' + i)}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[byte]bool{}
	for i := 0; i < n; i++ {
		g := acceptGuest(t, l)
		seen[readGuest(t, g, 1)[0]] = true
		g.Close()
	}
	for i := 0; i < n; i++ {
		if !seen[byte('a'+i)] {
			t.Errorf("connection %d's byte never reached the guest (saw %v)", i, seen)
		}
	}
}

// fillUntilStalled writes on c until the host stops taking bytes: the
// guest buffer and the host's socket buffers are full, so the pump has
// stopped reading c (if the machine is merely slow, a test only proves
// less). It returns how many bytes c took, pattern(0, n).
func fillUntilStalled(t *testing.T, c net.Conn) int {
	t.Helper()
	total := 0
	for {
		c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := c.Write(pattern(total, 64<<10))
		total += n
		if err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal(err)
			}
			c.SetWriteDeadline(time.Now().Add(hang))
			return total
		}
		if total > 64<<20 {
			t.Fatalf("the host took %d bytes the guest never read", total)
		}
	}
}
