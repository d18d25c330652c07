package netstack

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// TestConcurrentConnections hammers one listener with connections from
// many goroutines that write, read back and close at once, while the
// server side echoes on its own goroutines; run under -race it checks
// the locking of sockets, buffers, the port table and the backlog.
func TestConcurrentConnections(t *testing.T) {
	st := NewStack()
	l := newSock(t, st, unix.AF_INET6, unix.SOCK_STREAM)
	if err := l.Bind(v6("::", 7300)); err != nil {
		t.Fatal(err)
	}
	l.Listen(4) // small: connectors queue behind a full backlog
	const clients, rounds = 24, 30
	var srv sync.WaitGroup
	srv.Add(1)
	go func() {
		defer srv.Done()
		for i := 0; i < clients; i++ {
			var s *Socket
			l.waitFor(epoll.EventIn, func() error {
				var err error
				s, err = l.Accept()
				return err
			})
			srv.Add(1)
			go func(c *Conn) {
				defer srv.Done()
				defer c.Close()
				io.Copy(c, c)
			}(&Conn{s: s})
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := st.Dial(7300)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for j := 0; j < rounds; j++ {
				msg := bytes.Repeat([]byte(fmt.Sprintf("%d.%d;", i, j)), 1+j*97)
				if _, err := c.Write(msg); err != nil {
					errs <- err
					return
				}
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
					errs <- fmt.Errorf("client %d round %d: %v", i, j, err)
					return
				}
			}
			c.CloseWrite()
			if rest, err := io.ReadAll(c); err != nil || len(rest) != 0 {
				errs <- fmt.Errorf("client %d end: %q %v", i, rest, err)
			}
		}(i)
	}
	wg.Wait()
	srv.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	l.Close()
	if st.PortListening(7300) {
		t.Error("port still listening after close")
	}
}
