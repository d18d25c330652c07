package netstack

import (
	"fmt"
	"sync"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// hostPoller turns the readiness of the host sockets behind host-mode
// sockets (hostsock.go) into notifications on their epoll.Queues, so a
// task waits for a bridged socket exactly as for a loopback one: through
// its interruptible wait, never inside a host call. One host epoll
// instance per stack, edge-triggered: a socket is notified when its host
// socket's state changes and then re-asks its readiness with a
// zero-timeout host poll (Socket.Readiness), so nothing here spins and
// nothing caches readiness.
//
// The goroutine runs only while some host socket is registered; the
// last removal kicks it (an eventfd) and waits until it has closed its
// epoll fd and eventfd, so when the application's last bridged socket
// is closed the sentry holds no host fd for it: the close is complete
// when it returns, as a test counting the sentry's fds sees.
//
// Order across streams: an application epoll must see streams become
// readable in the order their bytes arrived, as on Linux, where the
// wakeup is made as the bytes are queued. Here the news comes later,
// from this goroutine, and could be old: had the application taken the
// bytes an event announces before the event is handled (a blocking recv
// does not wait for news when the bytes are there), and newer bytes come
// meanwhile, the late news would put the stream on the application's
// ready list ahead of streams whose bytes came before those newer ones
// (seen in TestHostNetworkConnectionsKeepTheOrderClientsWrote, 1 run in
// 10: the news of a client's hello, handled after the server had read
// the hello and the first round's bytes had come). So a stream's host
// queue is read only after its bytes were announced (hostSock.announced),
// and a receive that empties it waits for the next news: each news then
// comes in the host's order, before anything it announces is taken.
//
// Lock order: mu is a leaf. Notify is called with no lock held but,
// for a readable socket, its hostSock.rx (see notifyReadable).
type hostPoller struct {
	mu      sync.Mutex
	running bool
	epfd    int
	kick    int
	socks   map[int32]*Socket // by host fd
	// acks are closed when the goroutine has handled the kick of the
	// removal that emptied socks (and retired, unless a socket came
	// meanwhile).
	acks []chan struct{}
}

// hostEvents are what the host epoll watches for each socket.
const hostEvents = unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLPRI | unix.EPOLLRDHUP | unix.EPOLLET

// add watches host fd for s.
func (p *hostPoller) add(fd int, s *Socket) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.running {
		epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			return fmt.Errorf("host poller: epoll_create1: %w", err)
		}
		kick, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
		if err != nil {
			unix.Close(epfd)
			return fmt.Errorf("host poller: eventfd: %w", err)
		}
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(kick)}
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, kick, &ev); err != nil {
			unix.Close(epfd)
			unix.Close(kick)
			return fmt.Errorf("host poller: watch eventfd: %w", err)
		}
		p.epfd, p.kick, p.running = epfd, kick, true
		p.socks = map[int32]*Socket{}
		go p.loop(epfd, kick)
	}
	ev := unix.EpollEvent{Events: hostEvents, Fd: int32(fd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		if ack := p.retireIfIdleLocked(); ack != nil {
			p.mu.Unlock()
			<-ack
			p.mu.Lock()
		}
		return fmt.Errorf("host poller: watch fd %d: %w", fd, err)
	}
	p.socks[int32(fd)] = s
	return nil
}

// remove stops watching host fd; the caller closes it afterwards. The
// last removal returns once the goroutine has retired.
func (p *hostPoller) remove(fd int) {
	p.mu.Lock()
	if !p.running {
		p.mu.Unlock()
		return
	}
	if _, ok := p.socks[int32(fd)]; !ok {
		p.mu.Unlock()
		return
	}
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
	delete(p.socks, int32(fd))
	ack := p.retireIfIdleLocked()
	p.mu.Unlock()
	if ack != nil {
		<-ack
	}
}

// retireIfIdleLocked tells the goroutine to end when nothing is watched;
// the channel it returns (nil if something still is) is closed when
// the goroutine has handled that.
func (p *hostPoller) retireIfIdleLocked() chan struct{} {
	if len(p.socks) != 0 {
		return nil
	}
	one := [8]byte{1}
	_, _ = unix.Write(p.kick, one[:])
	ack := make(chan struct{})
	p.acks = append(p.acks, ack)
	return ack
}

// count is how many host fds are watched (for tests).
func (p *hostPoller) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.socks)
}

type readyEvent struct {
	s  *Socket
	ev epoll.EventMask
}

func (p *hostPoller) loop(epfd, kick int) {
	events := make([]unix.EpollEvent, 128)
	var ready []readyEvent
	var buf [8]byte
	for {
		n, err := unix.EpollWait(epfd, events, -1)
		if err == unix.EINTR {
			continue
		}
		ready = ready[:0]
		p.mu.Lock()
		if err != nil {
			// epoll_wait on a valid instance with a valid buffer fails
			// only with EINTR; should it fail anyway, wake every
			// waiter so it re-checks (and sees the host socket's own
			// state) instead of sleeping forever.
			for _, s := range p.socks {
				ready = append(ready, readyEvent{s, epoll.EventErr | epoll.EventIn | epoll.EventOut})
			}
			n = 0
		}
		for _, e := range events[:n] {
			if e.Fd == int32(kick) {
				_, _ = unix.Read(kick, buf[:])
				acks := p.acks
				p.acks = nil
				if len(p.socks) == 0 {
					unix.Close(epfd)
					unix.Close(kick)
					p.running, p.socks = false, nil
				}
				for _, a := range acks {
					close(a)
				}
				if !p.running {
					p.mu.Unlock()
					return
				}
				continue
			}
			if s := p.socks[e.Fd]; s != nil {
				ready = append(ready, readyEvent{s, fromHostEvents(e.Events)})
			}
		}
		p.mu.Unlock()
		for _, r := range ready {
			if r.ev&epoll.EventPri != 0 {
				if h := r.s.hostSock(); h != nil {
					h.urgent.Store(true)
				}
			}
			if r.ev&epoll.EventIn != 0 {
				notifyReadable(r.s, r.ev)
			} else {
				r.s.q.Notify(r.ev)
			}
		}
	}
}

// notifyReadable tells s's waiters that its host socket became readable
// (or hung up, or failed), and lets its receives take the bytes.
func notifyReadable(s *Socket, ev epoll.EventMask) {
	h := s.hostSock()
	if h == nil { // closed meanwhile: nothing to read
		s.q.Notify(ev)
		return
	}
	h.rx.Lock()
	defer h.rx.Unlock()
	h.news.Store(h.news.Load() | uint32(ev))
	h.announced.Store(true)
	s.q.Notify(ev)
}

// fromHostEvents maps host epoll bits (the same values as
// epoll.EventMask's) to a notification. An error or hangup wakes readers
// and writers too: Linux reports those to every waiter, and a waiter
// whose mask has neither would otherwise sleep on.
func fromHostEvents(e uint32) epoll.EventMask {
	ev := epoll.EventMask(e &^ unix.EPOLLET)
	if ev&(epoll.EventErr|epoll.EventHup|epoll.EventRdHup) != 0 {
		ev |= epoll.EventIn | epoll.EventRdNorm | epoll.EventOut | epoll.EventWrNorm | epoll.EventRdHup
	}
	if ev&epoll.EventIn != 0 {
		ev |= epoll.EventRdNorm
	}
	if ev&epoll.EventOut != 0 {
		ev |= epoll.EventWrNorm
	}
	return ev
}
