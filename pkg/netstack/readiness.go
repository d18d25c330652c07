package netstack

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// Readiness: what poll and epoll see of a socket.

// Readiness implements epoll.Waitable.
func (s *Socket) Readiness(mask epoll.EventMask) epoll.EventMask {
	if h := s.hostSock(); h != nil {
		if s.listening() {
			return s.listenerReadiness(h, mask)
		}
		if s.connOriented() && mask&(epoll.EventOut|epoll.EventWrNorm|epoll.EventPri) == 0 {
			// The read side of a stream is what the news says, with
			// no host poll: unannounced, it has nothing to read (its
			// receives wait for news, see hostSock.announced), and an
			// error or a hangup since the receive that emptied it is
			// news on its way too (the poller announces those as
			// readable); announced, it has bytes or an end of file,
			// and the hangups the news told of (hangups stay). Only a
			// pending error, which reading clears, is asked of the
			// host. A level-triggered epoll checks each stream it
			// returns, and again on the next wait after the
			// application read it dry: this spares both polls.
			if !h.announced.Load() {
				return 0
			}
			if news := epoll.EventMask(h.news.Load()); news&epoll.EventErr == 0 {
				return (epoll.EventIn | epoll.EventRdNorm | news&(epoll.EventRdHup|epoll.EventHup)) & (mask | epoll.EventHup)
			}
		}
		r := s.hostReadiness(h, mask)
		if s.connOriented() && !h.announced.Load() {
			r &^= epoll.EventIn | epoll.EventRdNorm // see hostSock.announced
		}
		if !s.connOriented() && s.rx.queued() {
			r |= (epoll.EventIn | epoll.EventRdNorm) & mask // a loopback datagram
		}
		return r
	}
	return s.sandboxReadiness(mask)
}

// sandboxReadiness is the readiness of the sandbox's side of s.
func (s *Socket) sandboxReadiness(mask epoll.EventMask) epoll.EventMask {
	s.mu.Lock()
	state, tx, soErr, shutRd, shutWr := s.state, s.tx, s.soError, s.shutRd, s.shutWr
	nacc := len(s.acceptq)
	connected, peer, inline := s.connected, s.peer, s.opts.oobInline
	s.mu.Unlock()
	var r epoll.EventMask
	if soErr != 0 {
		r |= epoll.EventErr
	}
	if s.family == unix.AF_NETLINK {
		if s.nl.pending() {
			r |= epoll.EventIn | epoll.EventRdNorm
		}
		return (r | epoll.EventOut | epoll.EventWrNorm) & (mask | epoll.EventErr | epoll.EventHup)
	}
	avail, wclosed, _, reset, _ := s.rx.state()
	if s.connOriented() {
		switch state {
		case stateListening:
			if nacc > 0 {
				r |= epoll.EventIn | epoll.EventRdNorm
			}
		case stateConnected:
			if pri, hole := s.rx.urgentReadiness(inline); pri || hole {
				if pri {
					r |= epoll.EventPri
				}
				if hole {
					avail-- // the urgent byte's hole is not readable
				}
			}
			if avail > 0 || wclosed || shutRd {
				r |= epoll.EventIn | epoll.EventRdNorm
			}
			if wclosed || shutRd {
				r |= epoll.EventRdHup
			}
			if reset {
				r |= epoll.EventErr
			}
			// Writable also when a write would fail at once (EPIPE).
			_, _, peerGone, _, full := tx.state()
			if !full || peerGone || shutWr {
				r |= epoll.EventOut | epoll.EventWrNorm
			}
			if (wclosed || shutRd) && (shutWr || peerGone) {
				r |= epoll.EventHup
			}
		case stateConnecting:
		default:
			r |= epoll.EventOut | epoll.EventWrNorm | epoll.EventHup
		}
	} else {
		if avail > 0 || shutRd {
			r |= epoll.EventIn | epoll.EventRdNorm
		}
		r |= epoll.EventOut | epoll.EventWrNorm
		if connected && peer != nil && s.family == unix.AF_UNIX {
			_, _, gone, _, full := peer.rx.state()
			if full && !gone {
				r &^= epoll.EventOut | epoll.EventWrNorm
			}
		}
	}
	return r & (mask | epoll.EventErr | epoll.EventHup)
}

// EventRegister implements epoll.Waitable.
func (s *Socket) EventRegister(e *epoll.Entry) { s.q.Register(e) }

// EventUnregister implements epoll.Waitable.
func (s *Socket) EventUnregister(e *epoll.Entry) { s.q.Unregister(e) }
