package netstack

import (
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkStreamTransfer is the stack's own cost of moving 64 KiB from
// one end of a connection to the other (no syscall or copy-in around it).
func BenchmarkStreamTransfer(b *testing.B) {
	st := NewStack()
	l := newSock(&testing.T{}, st, unix.AF_INET, unix.SOCK_STREAM)
	l.Bind(v4("127.0.0.1", 0))
	l.Listen(1)
	c := newSock(&testing.T{}, st, unix.AF_INET, unix.SOCK_STREAM)
	c.Connect(v4("127.0.0.1", l.LocalAddr().IP.Port()), false)
	s, _ := l.Accept()
	buf := make([]byte, 64<<10)
	out := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	for i := 0; i < b.N; i++ {
		if _, err := c.Send(buf, SendOpts{}); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < len(buf); {
			r, err := s.Recv(out, 0)
			if err != nil {
				b.Fatal(err)
			}
			got += r.N
		}
	}
}

// BenchmarkPingPong is one 1-byte message each way.
func BenchmarkPingPong(b *testing.B) {
	st := NewStack()
	l := newSock(&testing.T{}, st, unix.AF_INET, unix.SOCK_STREAM)
	l.Bind(v4("127.0.0.1", 0))
	l.Listen(1)
	c := newSock(&testing.T{}, st, unix.AF_INET, unix.SOCK_STREAM)
	c.Connect(v4("127.0.0.1", l.LocalAddr().IP.Port()), false)
	s, _ := l.Accept()
	one := []byte{1}
	in := make([]byte, 16)
	for i := 0; i < b.N; i++ {
		c.Send(one, SendOpts{})
		s.Recv(in, 0)
		s.Send(one, SendOpts{})
		c.Recv(in, 0)
	}
}
