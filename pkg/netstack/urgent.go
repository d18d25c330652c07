package netstack

import (
	"sync/atomic"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// Urgent data (MSG_OOB) of stream sockets, as Linux's TCP does it
// (tcp_check_urg, tcp_urg, tcp_recv_urg and tcp_recvmsg's urgent
// handling in net/ipv4/tcp*.c), which AF_UNIX streams copy since 5.15:
//
//   - send(MSG_OOB) makes the last byte it wrote the urgent byte, the
//     mark. A newer mark replaces an older one; the older byte then stays
//     in the stream as ordinary data (unless the reader stands right at
//     it, where Linux drops it so SIOCATMARK keeps its meaning).
//   - Without SO_OOBINLINE the urgent byte is a hole in the stream: reads
//     skip it, and recv(MSG_OOB) returns it once. With SO_OOBINLINE it is
//     read inline and recv(MSG_OOB) fails with EINVAL.
//   - A read never crosses the mark: it stops before it when it has
//     taken something, so the reader can ask SIOCATMARK.
//   - POLLPRI is up while the byte is there for recv(MSG_OOB) (or, inline,
//     not yet read); the reader's owner (F_SETOWN) gets SIGURG on each
//     new mark, through the hook the kernel installs (SetUrgentNotify).
//
// The mark lives in the receiving buffer, guarded by buffer.mu, in terms
// of the buffer's stream counters rseq and wseq.

// urgent is a buffer's urgent state (Linux's urg_data and urg_seq).
type urgent struct {
	active bool  // a mark is set and the reader has not passed it
	seq    int64 // the urgent byte's position in the stream
	valid  bool  // the byte is there for recv(MSG_OOB) (TCP_URG_VALID)
	b      byte
}

// urgentMark asks writeStream to set the mark on the last byte written.
type urgentMark struct {
	set    bool
	inline bool // the reader has SO_OOBINLINE (read before the write)
}

// markUrgentLocked makes the byte at seq the urgent one.
func (b *buffer) markUrgentLocked(seq int64, c byte, inline bool) {
	if seq < b.rseq || (b.urg.active && seq <= b.urg.seq) {
		return
	}
	if b.urg.active && b.urg.seq == b.rseq && !inline && b.bytes > 0 {
		// The reader stands at the old hole: drop it, as Linux does,
		// rather than let it turn into data under SIOCATMARK.
		b.discardLocked(1)
	}
	b.urg = urgent{active: true, seq: seq, valid: true, b: c}
}

// discardLocked drops n bytes from the head of the stream.
func (b *buffer) discardLocked(n int) {
	for n > 0 && len(b.msgs) > 0 {
		m := &b.msgs[0]
		c := min(n, len(m.data))
		m.data = m.data[c:]
		n -= c
		b.bytes -= c
		b.settleLocked()
		b.rseq += int64(c)
		if len(m.data) > 0 || m.rights != nil {
			break
		}
		b.recycle(m)
		b.msgs = b.msgs[1:]
	}
	b.fixupLocked()
}

// urgentLimitLocked shapes a stream read around the mark. It returns the
// buffer to read into and, when the read starts at the hole of an urgent
// byte (not inline), a function that removes that byte from what was
// read and returns the count the caller sees.
func (b *buffer) urgentLimitLocked(p []byte, peek, inline bool) ([]byte, func(int) int) {
	if !b.urg.active || b.urg.seq < b.rseq {
		return p, nil
	}
	off := b.urg.seq - b.rseq
	if off > 0 {
		// Stop before the mark.
		return p[:min(int64(len(p)), off)], nil
	}
	if inline {
		return p, nil
	}
	tmp := make([]byte, len(p)+1)
	return tmp, func(n int) int {
		if n == 0 {
			return 0
		}
		return copy(p, tmp[1:n])
	}
}

// urgentPassedLocked forgets the mark once the reader is past it.
func (b *buffer) urgentPassedLocked() {
	if b.urg.active && b.rseq > b.urg.seq {
		b.urg = urgent{}
	}
}

// urgentReadiness reports POLLPRI and whether the next byte is the hole
// of an urgent byte (which a read would not return).
func (b *buffer) urgentReadiness(inline bool) (pri, hole bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.urg.active {
		return false, false
	}
	return b.urg.valid, !inline && b.urg.seq == b.rseq && b.bytes > 0
}

// supportsOOB reports whether MSG_OOB means anything for s: TCP and
// AF_UNIX streams.
func (s *Socket) supportsOOB() bool {
	return s.stype == unix.SOCK_STREAM && (s.isInet() || s.family == unix.AF_UNIX)
}

func (s *Socket) oobInline() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.oobInline
}

// recvUrgent is recv(MSG_OOB): the urgent byte, once.
func (s *Socket) recvUrgent(p []byte, peek bool) (RecvResult, error) {
	if !s.supportsOOB() {
		return RecvResult{}, unix.EOPNOTSUPP
	}
	s.mu.Lock()
	state, inline := s.state, s.opts.oobInline
	s.mu.Unlock()
	b := s.rx
	b.mu.Lock()
	defer b.mu.Unlock()
	if inline || !b.urg.active || !b.urg.valid {
		return RecvResult{}, unix.EINVAL // Linux: "Yes this is right !"
	}
	if state != stateConnected {
		return RecvResult{}, unix.ENOTCONN
	}
	r := RecvResult{Flags: unix.MSG_OOB}
	if len(p) > 0 {
		p[0] = b.urg.b
		r.N, r.Full = 1, 1
	} else {
		r.Flags |= unix.MSG_TRUNC
	}
	if !peek {
		b.urg.valid = false
	}
	return r, nil
}

// AtMark is SIOCATMARK: whether the next byte read is at the urgent mark.
func (s *Socket) AtMark() bool {
	if h := s.hostSock(); h != nil && s.connOriented() {
		return s.hostAtMark(h)
	}
	b := s.rx
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.urg.active && b.urg.seq == b.rseq
}

// SetUrgentNotify installs what the socket calls, with no lock held, when
// urgent data arrives: the kernel's SIGURG to the file's owner.
func (s *Socket) SetUrgentNotify(fn func()) { s.urgNotify.Store(&fn) }

// urgentArrived tells the reader's waiters (POLLPRI) and its owner.
func (s *Socket) urgentArrived() {
	s.q.Notify(epoll.EventIn | epoll.EventRdNorm | epoll.EventPri)
	if fn := s.urgNotify.Load(); fn != nil {
		(*fn)()
	}
}

// urgNotifyHook is the type of Socket.urgNotify.
type urgNotifyHook = atomic.Pointer[func()]
