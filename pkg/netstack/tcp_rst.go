package netstack

import "golang.org/x/sys/unix"

// A TCP peer that has closed its socket does not make the next write fail
// at once: on Linux the write succeeds, its segment reaches the closed
// socket, and the RST that comes back makes later writes fail with EPIPE.
// A program that sleeps, writes a reply and only then learns the client
// is gone (CPython's test_socket NetworkConnectionBehaviourTest) depends on
// that first write succeeding. Over loopback the RST is back before the
// write returns, so one write is all the grace there is. A peer that
// closed with unread data reset the connection at once instead: the next
// write reports ECONNRESET (Linux's pending socket error), later ones EPIPE.

// tcpWriteToGonePeer decides a TCP write of n bytes on tx when the peer
// may be gone; handled is false when the write should go on as usual.
func (s *Socket) tcpWriteToGonePeer(tx *buffer, n int) (written int, handled bool, err error) {
	reset, wasReset := s.rx.takeReset()
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if wasReset {
		// A reset already reported (by a read) leaves nothing to draw.
		tx.rstDrawn = true
	}
	if reset {
		tx.rstDrawn = true
		return 0, true, unix.ECONNRESET
	}
	if !tx.rclosed || tx.wclosed || tx.rstDrawn {
		return 0, false, nil
	}
	tx.rstDrawn = true // this segment draws the RST; it is dropped
	return n, true, nil
}

// takeReset consumes a reset the reader has not yet been told of (reads
// then see end of file); wasReset is whether the connection was ever
// reset.
func (b *buffer) takeReset() (reset, wasReset bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	reset, b.reset = b.reset, false
	return reset, b.wasReset
}

// everReset reports whether the connection was ever reset: a reader that
// meets end of file after someone else's write was told of the reset
// knows then it was not an orderly close.
func (b *buffer) everReset() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.wasReset
}
