package netstack

import (
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// publishedPair publishes a guest listener and returns the host client's
// connection and the guest's accepted socket.
func publishedPair(t *testing.T, port uint16) (net.Conn, *Socket) {
	t.Helper()
	st := NewStack()
	l := newSock(t, st, unix.AF_INET, unix.SOCK_STREAM)
	if err := l.Bind(v4("0.0.0.0", port)); err != nil {
		t.Fatal(err)
	}
	l.Listen(5)
	p, err := Publish(st, "127.0.0.1:0", port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	hc, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hc.Close() })
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if g, err := l.Accept(); err == nil {
			return hc, g
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("no guest connection")
	return nil, nil
}

func pattern(off, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((off+i)*7 + (off+i)>>9)
	}
	return b
}

// The host sees the guest's bytes in order whether they went straight to
// the host socket, through the buffer and the copier, or a write was
// split between the two: small writes on an idle connection, a burst far
// larger than the host's socket buffers while the host does not read,
// then small writes again while the copier is still draining.
func TestPublishedGuestWritesKeepTheirOrder(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int
	}{
		{"small writes", []int{1, 5, 100, 3, 4096}},
		{"burst then small", []int{10, 1 << 20, 1 << 20, 3 << 20, 1, 2, 3, 70000, 5}},
		{"many mid-size", func() []int {
			s := make([]int, 400)
			for i := range s {
				s[i] = 1000 + i*37
			}
			return s
		}()},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hc, g := publishedPair(t, uint16(7100+i))
			total := 0
			for _, n := range tc.sizes {
				total += n
			}
			got := make(chan []byte, 1)
			go func() {
				time.Sleep(50 * time.Millisecond) // let the host socket fill up first
				b, _ := io.ReadAll(hc)
				got <- b
			}()
			e, ch := epoll.NewChanEntry(epoll.EventOut)
			g.EventRegister(e)
			off := 0
			for w, n := range tc.sizes {
				p := pattern(off, n)
				for len(p) > 0 {
					k, err := g.Send(p, SendOpts{Direct: w%3 != 2})
					if err == unix.EAGAIN {
						<-ch
						continue
					}
					if err != nil {
						t.Fatalf("send at %d: %v", off, err)
					}
					p = p[k:]
					off += k
				}
			}
			g.EventUnregister(e)
			g.Shutdown(unix.SHUT_WR)
			var b []byte
			select {
			case b = <-got:
			case <-time.After(20 * time.Second):
				t.Fatal("host did not get end of stream")
			}
			if len(b) != total {
				t.Fatalf("host got %d bytes, want %d", len(b), total)
			}
			want := pattern(0, total)
			for j := range b {
				if b[j] != want[j] {
					t.Fatalf("byte %d differs: got %#x want %#x", j, b[j], want[j])
				}
			}
		})
	}
}

// After the host side is gone, direct writes stop (the fd may be reused)
// and guest writes fail rather than reach another socket.
func TestPublishedHostCloseStopsDirectWrites(t *testing.T) {
	hc, g := publishedPair(t, 7150)
	hc.(*net.TCPConn).SetLinger(0)
	hc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := g.Send([]byte("x"), SendOpts{}); err != nil && err != unix.EAGAIN {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("guest writes kept succeeding after the host reset the connection")
}

// The direct path's rules, on a buffer whose sink is one end of a host
// socketpair: a write goes to the host only while nothing is buffered and
// no copy holds the sink; what the host does not take is buffered.
func TestDirectWriteRules(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	unix.SetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_SNDBUF, 4096)
	b := newBuffer(newSock(t, NewStack(), unix.AF_INET, unix.SOCK_STREAM), 1<<20)
	h := &hostSink{fd: fds[0]}
	b.setSink(h)
	hostRead := func() int {
		n := 0
		buf := make([]byte, 1<<16)
		for {
			k, err := unix.Read(fds[1], buf)
			if k <= 0 || err != nil {
				return n
			}
			n += k
		}
	}

	if n, err := b.writeStream([]byte("hello"), message{}, true, urgentMark{}); n != 5 || err != nil || b.bytes != 0 {
		t.Fatalf("idle write: n=%d err=%v buffered=%d, want all of it sent to the host", n, err, b.bytes)
	}
	if got := hostRead(); got != 5 {
		t.Fatalf("host got %d bytes, want 5", got)
	}
	if n, _ := b.writeStream([]byte("busy"), message{}, false, urgentMark{}); n != 4 || b.bytes != 4 {
		t.Fatalf("write not marked direct: n=%d buffered=%d, want it queued for the copier", n, b.bytes)
	}
	b.readStream(make([]byte, 16), false, false)

	big := make([]byte, 512<<10)
	if n, err := b.writeStream(big, message{}, true, urgentMark{}); n != len(big) || err != nil || b.bytes == 0 || b.bytes == len(big) {
		t.Fatalf("big write: n=%d err=%v buffered=%d: want it split between host and buffer", n, err, b.bytes)
	}
	sent := len(big) - b.bytes
	if got := hostRead(); got != sent {
		t.Fatalf("host got %d bytes, want %d", got, sent)
	}
	// The host has room again, but bytes are still buffered: a new write
	// must queue behind them.
	before := b.bytes
	if n, _ := b.writeStream([]byte("tail"), message{}, true, urgentMark{}); n != 4 || b.bytes != before+4 {
		t.Fatalf("write behind buffered bytes: n=%d buffered %d -> %d, want it queued", n, before, b.bytes)
	}
	if got := hostRead(); got != 0 {
		t.Fatalf("host got %d bytes that overtook buffered ones", got)
	}
	b.readStream(make([]byte, 1<<20), false, false) // what the copier does

	h.mu.Lock() // a copy in flight
	if n, _ := b.writeStream([]byte("x"), message{}, true, urgentMark{}); n != 1 || b.bytes != 1 {
		t.Fatalf("write during a copy: n=%d buffered=%d, want it queued", n, b.bytes)
	}
	h.mu.Unlock()
	b.readStream(make([]byte, 16), false, false)

	h.close()
	if n, _ := b.writeStream([]byte("y"), message{}, true, urgentMark{}); n != 1 || b.bytes != 1 {
		t.Fatalf("write after close: n=%d buffered=%d, want it queued", n, b.bytes)
	}
	if got := hostRead(); got != 0 {
		t.Fatalf("host got %d bytes after the sink closed", got)
	}
}
