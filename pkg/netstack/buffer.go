package netstack

import (
	"sync"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/vfs"
)

// Creds are the SCM_CREDENTIALS of a message.
type Creds struct {
	PID, UID, GID int32
}

// message is one write (stream) or one datagram, with what rides along.
type message struct {
	data   []byte
	chunk  *[]byte // the pooled chunk data lives in, recycled once read
	from   Addr
	rights []*vfs.File
	creds  *Creds
	inet   inetMeta // an inet datagram's IP header fields (inet_cmsg.go)
}

// Message memory: payloads above smallMsg live in pooled chunks of
// chunkSize bytes (the stack's pool), so bulk transfers do not allocate a
// fresh large buffer per write; small ones are plain allocations.
const (
	chunkSize = 64 << 10
	smallMsg  = 2048
)

func (b *buffer) fill(m *message, p []byte) {
	if len(p) <= smallMsg || len(p) > chunkSize {
		m.data = append([]byte(nil), p...)
		return
	}
	m.chunk = b.reader.stack.getChunk()
	m.data = append((*m.chunk)[:0], p...)
}

func (b *buffer) recycle(m *message) {
	if m.chunk != nil {
		b.reader.stack.putChunk(m.chunk)
		m.chunk, m.data = nil, nil
	}
}

func sameCreds(a, b *Creds) bool { return a == b || (a != nil && b != nil && *a == *b) }

// buffer is one direction of a connection, or a datagram socket's
// receive queue: bounded, so writers meet back-pressure (EAGAIN).
type buffer struct {
	reader *Socket // whose receive buffer this is; notified on writes

	mu       sync.Mutex
	msgs     []message
	bytes    int
	limit    int
	maxMsgs  int  // datagrams queued at most (0: no limit)
	wclosed  bool // the writer is done: reads drain, then see end of file
	rclosed  bool // the reader is gone: writes fail with EPIPE
	reset    bool // the peer reset the connection: the next read fails
	wasReset bool // reset ever: no write to the gone peer succeeds (tcp_rst.go)
	// rstDrawn: a TCP write after the reader left was taken and dropped,
	// drawing the peer's RST; writes fail from now on (tcp_rst.go).
	rstDrawn bool
	writer   *Socket
	blocked  map[*Socket]struct{} // datagram senders that met a full buffer
	sink     *hostSink            // a published connection's host socket (publish_direct.go)

	// rseq and wseq count the stream's bytes read and written (TCP's
	// copied_seq and rcv_nxt), so the urgent mark has a position.
	rseq, wseq int64
	urg        urgent // urgent data (urgent.go)

	charged int // bytes charged to the stack's memory account (charge.go)
}

func newBuffer(reader *Socket, limit int) *buffer {
	return &buffer{reader: reader, limit: limit}
}

// room reports whether a writer may add n bytes now. An empty buffer
// takes any one message so that a message larger than the limit is not
// stuck forever.
func (b *buffer) roomLocked(n int) bool {
	if b.maxMsgs > 0 && len(b.msgs) >= b.maxMsgs {
		return false
	}
	return b.bytes == 0 || b.bytes+n <= b.limit
}

// writeStream appends as much of p as fits. It returns EPIPE when the
// reader is gone and EAGAIN when nothing fits.
func (b *buffer) writeStream(p []byte, m message, direct bool, urg urgentMark) (int, error) {
	b.mu.Lock()
	if b.rclosed || b.wclosed {
		b.mu.Unlock()
		return 0, unix.EPIPE
	}
	free := b.limit - b.bytes
	if free <= 0 {
		b.mu.Unlock()
		return 0, unix.EAGAIN
	}
	sent := 0
	if direct && b.sink != nil && b.bytes == 0 && m.rights == nil && !urg.set {
		if sent = b.sink.tryWrite(p); sent == len(p) {
			b.mu.Unlock()
			return sent, nil
		}
		p = p[sent:]
	}
	n := min(len(p), free)
	if !b.chargeLocked(n) {
		b.mu.Unlock()
		if sent > 0 {
			return sent, nil
		}
		return 0, errNoBufferMemory
	}
	rest := p[:n]
	// Bytes without descriptors join the last message while its chunk
	// has room: a stream has no boundaries to keep.
	if k := len(b.msgs) - 1; k >= 0 && m.rights == nil {
		t := &b.msgs[k]
		if t.chunk != nil && t.rights == nil && sameCreds(t.creds, m.creds) {
			c := min(cap(t.data)-len(t.data), len(rest))
			t.data = append(t.data, rest[:c]...)
			rest = rest[c:]
		}
	}
	for len(rest) > 0 {
		c := min(len(rest), chunkSize)
		nm := message{rights: m.rights, creds: m.creds}
		m.rights = nil
		b.fill(&nm, rest[:c])
		b.msgs = append(b.msgs, nm)
		rest = rest[c:]
	}
	if m.rights != nil { // descriptors with no bytes
		b.msgs = append(b.msgs, m)
	}
	b.bytes += n
	b.wseq += int64(n)
	if urg.set && n > 0 {
		b.markUrgentLocked(b.wseq-1, p[n-1], urg.inline)
	}
	b.mu.Unlock()
	if urg.set && n > 0 {
		b.reader.urgentArrived()
	} else {
		b.reader.q.Notify(epoll.EventIn | epoll.EventRdNorm)
	}
	return sent + n, nil
}

// writeMessage appends p whole (datagram, seqpacket), or fails: EMSGSIZE
// if it can never fit, EAGAIN while the buffer is full (sender is told
// when room appears). drop makes a full buffer lose the message
// instead, as UDP does.
func (b *buffer) writeMessage(p []byte, m message, sender *Socket, drop bool) (int, error) {
	b.mu.Lock()
	if b.rclosed || b.wclosed {
		b.mu.Unlock()
		return 0, unix.EPIPE
	}
	if !b.roomLocked(len(p)) {
		if drop {
			b.mu.Unlock()
			releaseRights(m.rights)
			return len(p), nil
		}
		if sender != nil {
			if b.blocked == nil {
				b.blocked = map[*Socket]struct{}{}
			}
			b.blocked[sender] = struct{}{}
		}
		b.mu.Unlock()
		return 0, unix.EAGAIN
	}
	if !b.chargeLocked(len(p)) {
		b.mu.Unlock()
		return 0, errNoBufferMemory
	}
	b.fill(&m, p)
	b.msgs = append(b.msgs, m)
	b.bytes += len(p)
	b.mu.Unlock()
	b.reader.q.Notify(epoll.EventIn | epoll.EventRdNorm)
	return len(p), nil
}

// readResult is what one read took.
type readResult struct {
	n      int
	full   int // a datagram's whole length (MSG_TRUNC)
	from   Addr
	rights []*vfs.File
	creds  *Creds
	inet   inetMeta
	eof    bool
}

// readStream copies bytes out across messages, stopping at one that
// carries file descriptors once some bytes are taken, so descriptors
// arrive with their own bytes. EAGAIN when empty and still open; eof when
// empty and closed; ECONNRESET once after a reset, when the bytes that
// came before it are read.
func (b *buffer) readStream(p []byte, peek, oobInline bool) (readResult, error) {
	b.mu.Lock()
	if b.reset && b.bytes == 0 {
		// What arrived before the reset is still read first, as on Linux.
		b.reset = false
		b.mu.Unlock()
		return readResult{}, unix.ECONNRESET
	}
	if b.bytes == 0 {
		closed := b.wclosed
		b.mu.Unlock()
		if closed {
			return readResult{eof: true}, nil
		}
		return readResult{}, unix.EAGAIN
	}
	p, skip := b.urgentLimitLocked(p, peek, oobInline)
	var r readResult
	off := 0
	i := 0
	for ; i < len(b.msgs) && r.n < len(p); i++ {
		m := &b.msgs[i]
		if i > 0 && (m.rights != nil || r.rights != nil) {
			break
		}
		if i == 0 || r.creds == nil {
			r.creds = m.creds
		}
		if m.rights != nil {
			r.rights = m.rights
			if !peek {
				m.rights = nil
			}
		}
		c := copy(p[r.n:], m.data[off:])
		r.n += c
		off += c
		if off < len(m.data) {
			break
		}
		off = 0
	}
	if !peek {
		for j := 0; j < i; j++ {
			b.recycle(&b.msgs[j])
		}
		b.msgs = b.msgs[i:]
		if len(b.msgs) > 0 && off > 0 {
			// Stopped inside a message: keep its rest.
			b.msgs[0].data = b.msgs[0].data[off:]
		} else if off > 0 {
			b.msgs = b.msgs[:0]
		}
		b.bytes -= r.n
		b.settleLocked()
		b.rseq += int64(r.n)
		b.fixupLocked()
		b.urgentPassedLocked()
	} else if r.rights != nil {
		r.rights = dupRights(r.rights)
	}
	if skip != nil {
		r.n = skip(r.n)
	}
	empty, closed := b.bytes == 0, b.wclosed
	w := b.writer
	b.mu.Unlock()
	if !peek && w != nil {
		w.q.Notify(epoll.EventOut | epoll.EventWrNorm)
	}
	if skip != nil && r.n == 0 && r.rights == nil {
		// Only the urgent byte's hole was there to take.
		if empty && closed {
			return readResult{eof: true}, nil
		}
		return readResult{}, unix.EAGAIN
	}
	return r, nil
}

// fixupLocked drops consumed messages after a partial-message read.
func (b *buffer) fixupLocked() {
	for len(b.msgs) > 0 && len(b.msgs[0].data) == 0 && b.msgs[0].rights == nil {
		b.recycle(&b.msgs[0])
		b.msgs = b.msgs[1:]
	}
	if len(b.msgs) == 0 {
		b.msgs = nil
	}
}

// readMessage takes one whole message (datagram, seqpacket); what does
// not fit in p is lost, and full says how long it was.
func (b *buffer) readMessage(p []byte, peek bool) (readResult, error) {
	b.mu.Lock()
	if b.reset {
		b.reset = false
		b.dropLocked()
		b.mu.Unlock()
		return readResult{}, unix.ECONNRESET
	}
	if len(b.msgs) == 0 {
		closed := b.wclosed
		b.mu.Unlock()
		if closed {
			return readResult{eof: true}, nil
		}
		return readResult{}, unix.EAGAIN
	}
	m := b.msgs[0]
	r := readResult{n: copy(p, m.data), full: len(m.data), from: m.from, creds: m.creds, rights: m.rights, inet: m.inet}
	var blocked map[*Socket]struct{}
	if !peek {
		size := len(m.data)
		b.recycle(&m)
		b.msgs[0] = message{}
		b.msgs = b.msgs[1:]
		if len(b.msgs) == 0 {
			b.msgs = nil
		}
		b.bytes -= size
		b.settleLocked()
		blocked, b.blocked = b.blocked, nil
	} else {
		r.rights = dupRights(r.rights)
	}
	w := b.writer
	b.mu.Unlock()
	if !peek {
		if w != nil {
			w.q.Notify(epoll.EventOut | epoll.EventWrNorm)
		}
		for s := range blocked {
			s.q.Notify(epoll.EventOut | epoll.EventWrNorm)
		}
	}
	return r, nil
}

// readable reports whether a read would not return EAGAIN, and whether
// the writer side is closed.
func (b *buffer) state() (avail int, wclosed, rclosed, reset bool, full bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	full = b.bytes >= b.limit || (b.maxMsgs > 0 && len(b.msgs) >= b.maxMsgs)
	return b.bytes, b.wclosed, b.rclosed, b.reset, full
}

func (b *buffer) closeWrite() {
	b.mu.Lock()
	b.wclosed = true
	b.mu.Unlock()
	b.reader.q.Notify(epoll.EventIn | epoll.EventRdHup | epoll.EventHup)
}

// closeRead drops what was never read and makes writes fail; it reports
// whether unread data was dropped (which resets a TCP connection).
func (b *buffer) closeRead() bool {
	b.mu.Lock()
	b.rclosed = true
	had := b.bytes > 0
	b.dropLocked()
	w := b.writer
	blocked := b.blocked
	b.blocked = nil
	b.mu.Unlock()
	if w != nil {
		w.q.Notify(epoll.EventOut | epoll.EventErr | epoll.EventHup)
	}
	for s := range blocked {
		s.q.Notify(epoll.EventOut)
	}
	return had
}

func (b *buffer) setReset() {
	b.mu.Lock()
	b.reset = true
	b.wasReset = true
	b.wclosed = true
	b.mu.Unlock()
	b.reader.q.Notify(epoll.EventIn | epoll.EventErr | epoll.EventHup | epoll.EventRdHup)
}

func (b *buffer) dropLocked() {
	for i := range b.msgs {
		releaseRights(b.msgs[i].rights)
		b.recycle(&b.msgs[i])
	}
	b.msgs = nil
	b.rseq += int64(b.bytes)
	b.bytes = 0
	b.settleLocked()
	b.urg = urgent{}
}

func releaseRights(fs []*vfs.File) {
	for _, f := range fs {
		f.DecRef()
	}
}

func dupRights(fs []*vfs.File) []*vfs.File {
	for _, f := range fs {
		f.IncRef()
	}
	return append([]*vfs.File(nil), fs...)
}
