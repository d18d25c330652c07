package epoll

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// A pipe's ring lives in the sentry's heap on the application's behalf,
// so it is charged to the sandbox's memory account (Linux charges pipe
// pages to the writer's memory cgroup): when the ring is allocated or
// resized, given back when both ends are closed. A write that needs a ring
// the account refuses stores nothing: ENOMEM, as pipe_write when it cannot
// get a page; F_SETPIPE_SZ likewise. A FIFO's pipe is charged the same
// way (NewChargedFIFO): a named pipe's buffer is a pipe's.

// NewChargedPipe is NewPipe whose ring is charged to acct (nil: not
// charged).
func NewChargedPipe(ino uint64, acct vfs.MemoryCharger) (r, w *PipeEnd) {
	r, w = NewPipe(ino)
	r.p.acct = acct
	return r, w
}

// NewChargedFIFO is NewFIFO whose pipes' rings are charged to acct (nil:
// not charged), as an unnamed pipe's are.
func NewChargedFIFO(ino uint64, acct vfs.MemoryCharger) *FIFO {
	f := NewFIFO(ino)
	f.acct = acct
	return f
}

// chargeRing charges a ring of size bytes in place of the current one,
// or reports false, charging nothing, past the limit. Caller holds p.mu.
func (p *pipe) chargeRing(size int) bool {
	if p.acct == nil {
		return true
	}
	if d := size - p.charged; d > 0 {
		if !p.acct.Charge(int64(d)) {
			return false
		}
	} else if d < 0 {
		p.acct.Uncharge(int64(-d))
	}
	p.charged = size
	return true
}

// freeRingIfClosedLocked drops the ring once no end is open. Caller
// holds p.mu.
func (p *pipe) freeRingIfClosedLocked() {
	if p.readers != 0 || p.writers != 0 {
		return
	}
	p.buf, p.head, p.n = nil, 0, 0
	if p.acct != nil && p.charged > 0 {
		p.acct.Uncharge(int64(p.charged))
	}
	p.charged = 0
}

// errNoRing is what a write or resize gets when the account refuses the
// ring.
const errNoRing = unix.ENOMEM
