package netstack

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// Publishing: the sentry listens on a host address on its own behalf and
// joins each host connection to a new guest-side stream to a guest port.
// Close, half-close and reset travel both ways.

// Conn is the host side of a guest-side stream: an ordinary sandbox
// socket that the sentry drives with blocking calls from its own
// goroutines (never from a task).
type Conn struct {
	s *Socket
}

// Dial connects to port on the sandbox's loopback (127.0.0.1, else ::1),
// as a connection arriving at a published port does. ECONNREFUSED when
// nothing listens there.
func (st *Stack) Dial(port uint16) (*Conn, error) {
	c, s, err := st.dialNoWait(port)
	if err == unix.EINPROGRESS {
		if err = s.waitFor(epoll.EventOut, s.ConnectResult); err == nil {
			return &Conn{s: s}, nil
		}
		s.Close()
	}
	return c, err
}

// dialNoWait is Dial without waiting for room in the guest listener's
// backlog: then it returns EINPROGRESS and the socket whose connect
// waits (ConnectResult tells how it ended).
func (st *Stack) dialNoWait(port uint16) (*Conn, *Socket, error) {
	var last error = unix.ECONNREFUSED
	for _, dst := range []Addr{
		{Family: unix.AF_INET, IP: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port)},
		{Family: unix.AF_INET6, IP: netip.AddrPortFrom(netip.IPv6Loopback(), port)},
	} {
		s, err := st.NewSocket(dst.Family, unix.SOCK_STREAM, 0, Creds{})
		if err != nil {
			return nil, nil, err
		}
		err = s.Connect(dst, false)
		if err == unix.EINPROGRESS {
			return nil, s, err
		}
		if err == nil {
			return &Conn{s: s}, nil, nil
		}
		s.Close()
		last = err
	}
	return nil, nil, last
}

// waitFor blocks the calling (sentry-owned) goroutine until op stops
// returning EAGAIN.
func (s *Socket) waitFor(mask epoll.EventMask, op func() error) error {
	e, ch := epoll.NewChanEntry(mask)
	s.q.Register(e)
	defer s.q.Unregister(e)
	for {
		if err := op(); err != unix.EAGAIN {
			return err
		}
		<-ch
	}
}

// Read blocks for data; io.EOF at end of stream, ECONNRESET after a
// reset by the guest.
func (c *Conn) Read(p []byte) (int, error) {
	var n int
	err := c.s.waitFor(epoll.EventIn, func() error {
		r, err := c.s.Recv(p, 0)
		n = r.N
		if err == nil && n == 0 && len(p) > 0 {
			return io.EOF
		}
		return err
	})
	return n, err
}

// Write blocks until all of p is written.
func (c *Conn) Write(p []byte) (int, error) {
	done := 0
	err := c.s.waitFor(epoll.EventOut, func() error {
		for done < len(p) {
			n, err := c.s.Send(p[done:], SendOpts{})
			done += n
			if err != nil {
				return err
			}
		}
		return nil
	})
	return done, err
}

// CloseWrite half-closes: the guest reads end of file.
func (c *Conn) CloseWrite() error { return c.s.Shutdown(unix.SHUT_WR) }

// Close closes the stream (the guest sees end of file).
func (c *Conn) Close() error { c.s.Close(); return nil }

// Abort resets the stream (the guest sees ECONNRESET).
func (c *Conn) Abort() { c.s.abort() }

// Publisher is one published port: a host listener owned by the sentry,
// whose connections' host -> guest bytes the stack's pump carries in
// arrival order, among those of every other published port
// (publish_pump.go).
type Publisher struct {
	ln        *net.TCPListener
	lnfd      int // ln's host fd
	st        *Stack
	guestPort uint16
	pump      *pump
	released  chan struct{} // closed when the pump has let go of lnfd
	closeOnce sync.Once
	closeErr  error
}

// ParsePublish reads -p [HOSTIP:]HOSTPORT:PORT (HOSTIP may be [v6]);
// the host IP defaults to 127.0.0.1.
func ParsePublish(spec string) (hostAddr string, guestPort uint16, err error) {
	bad := fmt.Errorf("bad port mapping %q: want [HOSTIP:]HOSTPORT:PORT", spec)
	i := strings.LastIndexByte(spec, ':')
	if i < 0 {
		return "", 0, bad
	}
	gp, err := strconv.ParseUint(spec[i+1:], 10, 16)
	if err != nil || gp == 0 {
		return "", 0, bad
	}
	rest := spec[:i]
	host, hostPort := "127.0.0.1", rest
	if j := strings.LastIndexByte(rest, ':'); j >= 0 {
		host, hostPort = rest[:j], rest[j+1:]
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if _, err := netip.ParseAddr(host); err != nil {
			return "", 0, bad
		}
	}
	if _, err := strconv.ParseUint(hostPort, 10, 16); err != nil {
		return "", 0, bad
	}
	return net.JoinHostPort(host, hostPort), uint16(gp), nil
}

// Publish listens on hostAddr now (so a busy port fails before the app
// starts) and serves connections in the background until Close.
func Publish(st *Stack, hostAddr string, guestPort uint16) (*Publisher, error) {
	ln, err := net.Listen("tcp", hostAddr)
	if err != nil {
		var se *net.OpError
		if errors.As(err, &se) && errors.Is(se.Err, unix.EADDRINUSE) {
			return nil, fmt.Errorf("publish %s: host port is already in use", hostAddr)
		}
		return nil, fmt.Errorf("publish %s: %w", hostAddr, err)
	}
	p := &Publisher{ln: ln.(*net.TCPListener), st: st, guestPort: guestPort, released: make(chan struct{})}
	if p.lnfd, err = rawFD(p.ln); err == nil {
		err = st.publishPump(p)
	}
	if err != nil {
		ln.Close()
		return nil, err
	}
	return p, nil
}

// Addr is the host address actually listened on.
func (p *Publisher) Addr() net.Addr { return p.ln.Addr() }

// Close stops listening; connections already joined run to their end.
func (p *Publisher) Close() error {
	p.closeOnce.Do(func() {
		p.pump.closeListener(p) // the pump lets go of the fd before it is closed
		p.closeErr = p.ln.Close()
	})
	return p.closeErr
}

// join carries the guest -> host direction of a connection the pump has
// joined (the pump carries the other), half-close and reset included,
// and closes both ends when both directions are over.
func (p *Publisher) join(pc *pconn) {
	hc, gc, sink := pc.hc, pc.gc, pc.sink
	err := gc.copyToHost(sink, hc, make([]byte, 64<<10))
	var hw hostWriteError
	switch {
	case errors.As(err, &hw):
		gc.Abort()
		p.pump.stop(pc)
	case err == io.EOF:
		hc.CloseWrite()
	default: // reset by the guest: reset the host client
		p.pump.stop(pc)
		sink.close()
		hc.SetLinger(0)
		hc.Close()
	}
	<-pc.done
	if !pc.reset {
		gc.Close()
	}
	sink.close()
	hc.Close()
}
