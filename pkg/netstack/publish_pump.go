package netstack

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// The pump carries the host -> guest direction of every connection of
// every published port of a stack, in the order the bytes arrived on the
// host, as Linux's loopback does: there a byte written on one connection is in the
// receiver's queue before write returns, so a server never sees a later
// write on another connection first (Redis's tests of blocked clients
// depend on it). One copier goroutine per connection cannot promise
// that: which of two woken goroutines runs first is the Go scheduler's
// choice.
//
// So one goroutine per stack owns a host epoll instance with every
// published port's listener and all their connections (non-blocking),
// which Linux reports in the order they became ready. One per stack, not
// one per port: two pumps are two goroutines again, and with a client's
// connections split between two published ports the server saw its
// messages out of order in 613 of 625 rounds
// (TestConnectionsThroughTwoPublishedPortsKeepTheOrderClientsWrote). The
// pump starts with the first published port and ends when no port and
// no connection is left; Stack.publishPump starts a new one after that. For each event, in that order, it accepts and
// dials the guest, or reads what the host socket holds and writes it
// into the guest stream, whose write completes into the
// receiver's queue and wakes its readers before the pump moves on.
// Connections are edge-triggered: Linux leaves a level-triggered fd that
// was ready at the last epoll_wait on the ready list, at its old place,
// so bytes arriving there later would be reported ahead of bytes that
// came earlier on another connection (measured: 1 round in 625 of
// TestPublishedConnectionsKeepTheOrderClientsWrote beside CPU hogs). A
// read shorter than the buffer took everything queued, and the next byte
// is a new edge, so the pump does not read again to meet EAGAIN: that
// read locks the host socket, and a byte arriving for a locked socket is
// queued, and reported, only when the lock is let go, behind bytes that
// arrived later on other connections (measured: 1-2 rounds in 625 in 4
// runs of 8 of that test beside CPU hogs).
//
// Back-pressure: when the guest stream does not take everything, the
// rest waits in the connection's pending bytes and its host fd leaves
// the epoll until the guest side is writable again (a guest queue entry
// hands the connection back to the pump); the other connections go on.
// Their order relative to the stalled one does not matter then: on Linux
// its writer would be blocked too.
//
// The guest -> host direction stays one goroutine per connection
// (publish.go, publish_direct.go). A host fd is closed only after the
// pump has let go of it (pconn.done), so the pump never reads a number
// the host has reused.
//
// Lock order: pump.mu is a leaf, taken also from guest queue callbacks
// (under the guest Queue's lock).

// pump is the host -> guest mover of the Publishers of one stack.
type pump struct {
	epfd   int
	wakefd int                  // eventfd: requests below are waiting
	lns    map[int32]*Publisher // listening, by host fd (pump goroutine only)
	buf    []byte               // owned by the pump goroutine
	conns  map[int32]*pconn
	more   []*pconn // not emptied in one turn: read again after the batch

	mu       sync.Mutex
	listen   []*Publisher  // new ports, already in the epoll
	resume   []*pconn      // guest side writable again
	adopt    []*pconn      // dialled off the pump (the guest backlog was full)
	stops    []*pconn      // the other direction asks the pump to let go
	closing  []*Publisher  // Publisher.Close asked
	exited   bool          // the pump is gone: wakefd and epfd are closed
	inflight int           // dials running off the pump
	gone     chan struct{} // closed when run returns
}

// pconn is one published connection as the pump sees it.
type pconn struct {
	p       *Publisher
	hc      *net.TCPConn
	fd      int
	gc      *Conn
	sink    *hostSink
	pending []byte // read from the host, not yet taken by the guest
	wait    *epoll.Entry
	queued  bool // on pump.resume (under pump.mu)
	ended   bool // the pump let go (pump goroutine only)
	reset   bool // the host reset it; written before done is closed
	done    chan struct{}
}

// publishPump hands p's listener to the stack's pump (p.pump), starting
// one if none runs (or the last one is ending).
func (st *Stack) publishPump(p *Publisher) error {
	st.pumpMu.Lock()
	defer st.pumpMu.Unlock()
	if pu := st.pump; pu != nil {
		pu.mu.Lock()
		if !pu.exited { // so epfd is still open
			p.pump = pu // before the pump can see p
			err := pu.ctl(unix.EPOLL_CTL_ADD, p.lnfd, unix.EPOLLIN)
			if err == nil {
				pu.listen = append(pu.listen, p)
				pu.wake()
			}
			pu.mu.Unlock()
			return err
		}
		pu.mu.Unlock()
	}
	pu, err := newPump()
	if err != nil {
		return err
	}
	if err := pu.ctl(unix.EPOLL_CTL_ADD, p.lnfd, unix.EPOLLIN); err != nil {
		unix.Close(pu.epfd)
		unix.Close(pu.wakefd)
		return err
	}
	p.pump = pu
	pu.listen = []*Publisher{p}
	st.pump = pu
	go pu.run()
	return nil
}

func newPump() (*pump, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("publish: epoll_create1: %w", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("publish: eventfd: %w", err)
	}
	pu := &pump{epfd: epfd, wakefd: wakefd, lns: map[int32]*Publisher{}, buf: make([]byte, 64<<10),
		conns: map[int32]*pconn{}, gone: make(chan struct{})}
	if err := pu.ctl(unix.EPOLL_CTL_ADD, wakefd, unix.EPOLLIN); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return nil, err
	}
	return pu, nil
}

// rawFD is the host fd behind a Go socket; it stays valid until the
// socket is closed.
func rawFD(c interface {
	SyscallConn() (syscall.RawConn, error)
}) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("publish: %w", err)
	}
	fd := -1
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return -1, fmt.Errorf("publish: %w", err)
	}
	return fd, nil
}

func (pu *pump) ctl(op, fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	if err := unix.EpollCtl(pu.epfd, op, fd, &ev); err != nil {
		return fmt.Errorf("publish: epoll_ctl(%d, fd %d): %w", op, fd, err)
	}
	return nil
}

// wake makes the pump look at its requests. Called with pu.mu held, so
// that the pump cannot close wakefd meanwhile.
func (pu *pump) wake() {
	if pu.exited {
		return
	}
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	unix.Write(pu.wakefd, one[:]) // EAGAIN: a wake-up is pending anyway
}

// run is the pump goroutine. It ends when every listener is let go and
// no connection is left.
func (pu *pump) run() {
	defer func() {
		unix.Close(pu.epfd)
		unix.Close(pu.wakefd)
		close(pu.gone)
	}()
	events := make([]unix.EpollEvent, 128)
	for {
		pu.requests()
		if len(pu.lns) == 0 && len(pu.conns) == 0 {
			pu.mu.Lock()
			idle := pu.inflight == 0 && len(pu.adopt) == 0 && len(pu.listen) == 0
			if idle {
				pu.exited = true
			}
			pu.mu.Unlock()
			if idle {
				return
			}
		}
		timeout := -1
		if len(pu.more) > 0 {
			timeout = 0
		}
		n, err := unix.EpollWait(pu.epfd, events, timeout)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			// epoll_wait fails only on a bad epfd or buffer: nothing
			// the pump can go on with; let every connection go.
			fmt.Fprintf(os.Stderr, "sentry: publish: epoll_wait: %v\n", err)
			for _, pc := range pu.conns {
				pc.gc.Abort()
				pu.end(pc)
			}
			for _, p := range pu.lns {
				pu.letGoListener(p)
			}
			pu.mu.Lock()
			pu.exited = true
			pu.mu.Unlock()
			return
		}
		for _, ev := range events[:n] {
			switch fd := int(ev.Fd); {
			case fd == pu.wakefd:
				var b [8]byte
				unix.Read(pu.wakefd, b[:])
			case pu.lns[ev.Fd] != nil:
				pu.accept(pu.lns[ev.Fd])
			default:
				if pc := pu.conns[ev.Fd]; pc != nil && pc.pending == nil {
					pu.fromHost(pc, ev.Events)
				}
			}
		}
		more := pu.more
		pu.more = nil
		for _, pc := range more {
			if !pc.ended && pc.pending == nil {
				pu.fromHost(pc, 0)
			}
		}
	}
}

// requests handles what other goroutines asked for.
func (pu *pump) requests() {
	pu.mu.Lock()
	listen, resume, adopt, stops, closing := pu.listen, pu.resume, pu.adopt, pu.stops, pu.closing
	pu.listen, pu.resume, pu.adopt, pu.stops, pu.closing = nil, nil, nil, nil, nil
	for _, pc := range resume {
		pc.queued = false
	}
	pu.mu.Unlock()
	for _, p := range listen {
		pu.lns[int32(p.lnfd)] = p
	}
	for _, pc := range adopt {
		pu.add(pc)
	}
	for _, pc := range resume {
		if !pc.ended && pc.pending != nil {
			pu.toGuest(pc, pc.pending)
		}
	}
	for _, pc := range stops {
		if !pc.ended {
			pu.end(pc)
		}
	}
	for _, p := range closing {
		pu.letGoListener(p)
	}
}

func (pu *pump) letGoListener(p *Publisher) {
	if pu.lns[int32(p.lnfd)] != p {
		return // already let go (epoll_wait failed)
	}
	pu.ctl(unix.EPOLL_CTL_DEL, p.lnfd, 0)
	delete(pu.lns, int32(p.lnfd))
	close(p.released)
}

// accept takes the connections waiting on the listener and joins each to
// a new guest stream, in the pump so that the guest's listener sees them
// in their place among the bytes of other connections.
func (pu *pump) accept(p *Publisher) {
	for i := 0; i < 64; i++ { // the rest at the next epoll_wait (level-triggered)
		nfd, _, err := unix.Accept4(p.lnfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			// EAGAIN: none left. ECONNABORTED and the like concern only
			// that connection; EMFILE leaves it queued for later.
			return
		}
		hc, err := adoptFD(nfd)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sentry: %v\n", err)
			continue
		}
		gc, s, err := p.st.dialNoWait(p.guestPort)
		switch {
		case err == nil:
			pu.add(pu.newConn(p, hc, gc))
		case err == unix.EINPROGRESS:
			// The guest backlog is full: wait for room off the pump.
			pu.mu.Lock()
			pu.inflight++
			pu.mu.Unlock()
			go func() {
				err := s.waitFor(epoll.EventOut, s.ConnectResult)
				pu.mu.Lock()
				pu.inflight--
				dead := pu.exited // only if epoll_wait failed
				if err == nil && !dead {
					pu.adopt = append(pu.adopt, pu.newConn(p, hc, &Conn{s: s}))
				}
				pu.wake()
				pu.mu.Unlock()
				switch {
				case err != nil:
					s.Close()
					refuse(hc)
				case dead:
					s.abort()
					refuse(hc)
				}
			}()
		default:
			refuse(hc)
		}
	}
}

// refuse resets a host connection nobody inside takes.
func refuse(hc *net.TCPConn) {
	hc.SetLinger(0)
	hc.Close()
}

// adoptFD makes an accepted host fd a Go connection (for the direction
// that writes to the host); the Go connection has its own fd.
func adoptFD(nfd int) (*net.TCPConn, error) {
	f := os.NewFile(uintptr(nfd), "published connection")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("publish: accepted connection: %w", err)
	}
	return c.(*net.TCPConn), nil
}

func (pu *pump) newConn(p *Publisher, hc *net.TCPConn, gc *Conn) *pconn {
	return &pconn{p: p, hc: hc, fd: -1, gc: gc, sink: newHostSink(hc), done: make(chan struct{})}
}

// add starts carrying pc both ways.
func (pu *pump) add(pc *pconn) {
	fd, err := rawFD(pc.hc)
	if err == nil {
		pc.fd = fd
		err = pu.ctl(unix.EPOLL_CTL_ADD, fd, connEvents)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "sentry: %v\n", err)
		pc.ended = true
		close(pc.done)
		pc.gc.Abort()
		refuse(pc.hc)
		return
	}
	pu.conns[int32(fd)] = pc
	pc.gc.s.rx.setSink(pc.sink)
	go pc.p.join(pc)
}

// connEvents is what the pump waits for on a connection: edge-triggered
// (see the top of this file), so every event is read until EAGAIN.
const connEvents = unix.EPOLLIN | unix.EPOLLPRI | unix.EPOLLRDHUP | unix.EPOLLET

// fromHost reads what the host socket holds (until a read comes back
// short, the guest stream is full or the connection ends) and hands the
// bytes to the guest. A connection still not empty after a turn of 16
// reads waits in pu.more for the end of the batch, so that one fast
// writer does not hold up the others. With urgent data (EPOLLPRI) a
// short read may stop at the urgent mark, so then it reads until EAGAIN.
func (pu *pump) fromHost(pc *pconn, events uint32) {
	for i := 0; ; i++ {
		if i == 16 {
			pu.more = append(pu.more, pc)
			return
		}
		n, err := unix.Read(pc.fd, pu.buf)
		switch {
		case n > 0:
			pu.toGuest(pc, pu.buf[:n])
			if pc.ended || pc.pending != nil || (n < len(pu.buf) && events&unix.EPOLLPRI == 0) {
				return
			}
		case err == unix.EINTR:
		case err == unix.EAGAIN:
			return
		case err == nil: // end of file: the host client half-closed
			pc.gc.CloseWrite()
			pu.end(pc)
			return
		default: // reset (or another error) by the host
			pc.reset = true
			pc.gc.Abort()
			pu.end(pc)
			return
		}
	}
}

// toGuest writes p into the guest stream; what does not fit waits in
// pc.pending with the host fd out of the epoll until the guest side is
// writable.
func (pu *pump) toGuest(pc *pconn, p []byte) {
	n, err := pc.gc.s.Send(p, SendOpts{})
	if err == unix.EAGAIN {
		err = nil
	}
	if err != nil { // the guest closed or reset its end
		pc.hc.CloseRead()
		pu.end(pc)
		return
	}
	if n == len(p) {
		if pc.pending != nil { // resumed: listen to the host again
			pc.pending = nil
			pc.gc.s.q.Unregister(pc.wait)
			if err := pu.ctl(unix.EPOLL_CTL_ADD, pc.fd, connEvents); err != nil {
				fmt.Fprintf(os.Stderr, "sentry: %v\n", err)
				pc.gc.Abort()
				pu.end(pc)
			}
		}
		return
	}
	if pc.pending == nil { // stall
		pc.pending = append([]byte(nil), p[n:]...)
		pu.ctl(unix.EPOLL_CTL_DEL, pc.fd, 0)
		if pc.wait == nil {
			pc.wait = epoll.NewEntry(epoll.EventOut, func(epoll.EventMask) { pu.resumeLater(pc) })
		}
		pc.gc.s.q.Register(pc.wait)
		// Room may have come before the entry was registered.
		if pc.gc.s.Readiness(epoll.EventOut) != 0 {
			pu.resumeLater(pc)
		}
		return
	}
	pc.pending = pc.pending[n:]
}

// resumeLater hands a stalled connection back to the pump. It runs from
// guest queue callbacks: short, and pump.mu is a leaf.
func (pu *pump) resumeLater(pc *pconn) {
	pu.mu.Lock()
	if pc.queued {
		pu.mu.Unlock()
		return
	}
	pc.queued = true
	pu.resume = append(pu.resume, pc)
	pu.wake()
	pu.mu.Unlock()
}

// end lets go of pc's host fd: the host -> guest direction is over.
func (pu *pump) end(pc *pconn) {
	if pc.ended {
		return
	}
	pc.ended = true
	if pc.pending == nil {
		pu.ctl(unix.EPOLL_CTL_DEL, pc.fd, 0)
	} else {
		pc.gc.s.q.Unregister(pc.wait)
		pc.pending = nil
	}
	delete(pu.conns, int32(pc.fd))
	close(pc.done)
}

// stop asks the pump to let go of pc and waits until it has.
func (pu *pump) stop(pc *pconn) {
	select {
	case <-pc.done: // already let go (and the pump may be gone)
		return
	default:
	}
	pu.mu.Lock()
	pu.stops = append(pu.stops, pc)
	pu.wake()
	pu.mu.Unlock()
	<-pc.done
}

// closeListener makes the pump let go of p's listener and waits for it.
func (pu *pump) closeListener(p *Publisher) {
	pu.mu.Lock()
	pu.closing = append(pu.closing, p)
	pu.wake()
	pu.mu.Unlock()
	<-p.released
}
