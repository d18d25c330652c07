package epoll

import (
	"sync"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// Pipe sizes, as Linux has them.
const (
	PipeBuf         = 4096    // writes up to this size are atomic
	DefaultPipeSize = 1 << 16 // 16 pages
	MaxPipeSize     = 1 << 20 // /proc/sys/fs/pipe-max-size
)

// pipe is the buffer both ends share. The ends watch it through two
// queues, because readers and writers wait for different events and an
// end's release must only drop that end's epoll registrations.
type pipe struct {
	ino uint64

	mu      sync.Mutex
	buf     []byte // ring; allocated on first write
	head, n int
	size    int
	readers int
	writers int

	rq Queue // watchers of the read end
	wq Queue // watchers of the write end

	acct    vfs.MemoryCharger // the ring is charged to it (pipe_charge.go); nil: not
	charged int               // bytes of ring charged to acct
}

// PipeEnd is one end of a pipe: a vfs.FileImpl and a Waitable.
type PipeEnd struct {
	p     *pipe
	write bool
}

// NewPipe returns the read and write ends of a new pipe; ino is the
// inode number fstat shows for both.
func NewPipe(ino uint64) (r, w *PipeEnd) {
	p := &pipe{ino: ino, size: DefaultPipeSize, readers: 1, writers: 1}
	return &PipeEnd{p: p}, &PipeEnd{p: p, write: true}
}

// ReadAt reads what the pipe holds: EAGAIN when empty with writers left,
// 0 (end of file) when empty without.
func (e *PipeEnd) ReadAt(b []byte, _ int64) (int, error) {
	if e.write {
		return 0, unix.EBADF
	}
	p := e.p
	if len(b) == 0 {
		return 0, nil
	}
	p.mu.Lock()
	if p.n == 0 {
		w := p.writers
		p.mu.Unlock()
		if w == 0 {
			return 0, nil
		}
		return 0, unix.EAGAIN
	}
	n := 0
	for n < len(b) && p.n > 0 {
		chunk := min(p.n, len(p.buf)-p.head, len(b)-n)
		copy(b[n:], p.buf[p.head:p.head+chunk])
		p.head = (p.head + chunk) % len(p.buf)
		p.n -= chunk
		n += chunk
	}
	if p.n == 0 {
		p.head = 0
	}
	p.mu.Unlock()
	p.wq.Notify(EventOut | EventWrNorm)
	return n, nil
}

// WriteAt writes what fits: EPIPE without readers, EAGAIN when full, and
// a write of up to PipeBuf bytes either fits whole or waits.
func (e *PipeEnd) WriteAt(b []byte, _ int64) (int, error) {
	if !e.write {
		return 0, unix.EBADF
	}
	p := e.p
	p.mu.Lock()
	if p.readers == 0 {
		p.mu.Unlock()
		return 0, unix.EPIPE
	}
	if len(b) == 0 {
		p.mu.Unlock()
		return 0, nil
	}
	free := p.size - p.n
	if free == 0 || (len(b) <= PipeBuf && free < len(b)) {
		p.mu.Unlock()
		return 0, unix.EAGAIN
	}
	if p.buf == nil || len(p.buf) != p.size {
		if !p.regrow() {
			p.mu.Unlock()
			return 0, errNoRing
		}
	}
	n := 0
	for n < len(b) && p.n < p.size {
		tail := (p.head + p.n) % len(p.buf)
		chunk := min(len(b)-n, len(p.buf)-tail, p.size-p.n)
		copy(p.buf[tail:], b[n:n+chunk])
		p.n += chunk
		n += chunk
	}
	p.mu.Unlock()
	p.rq.Notify(EventIn | EventRdNorm)
	return n, nil
}

// regrow reallocates the ring at p.size, keeping the contents in order;
// false, changing nothing, when the memory account refuses it.
func (p *pipe) regrow() bool {
	if !p.chargeRing(p.size) {
		return false
	}
	nb := make([]byte, p.size)
	for i := 0; i < p.n; i++ {
		nb[i] = p.buf[(p.head+i)%len(p.buf)]
	}
	p.buf, p.head = nb, 0
	return true
}

// Capacity returns the pipe's size in bytes (F_GETPIPE_SZ).
func (e *PipeEnd) Capacity() int { return e.p.capacity() }

func (p *pipe) capacity() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.size
}

// SetCapacity resizes the pipe (F_SETPIPE_SZ): rounded up to a power of
// two of at least a page; EBUSY if the data would not fit; EPERM above
// the maximum. It returns the new size.
func (e *PipeEnd) SetCapacity(n int) (int, error) { return e.p.setCapacity(n) }

func (p *pipe) setCapacity(n int) (int, error) {
	if n < 0 || n > MaxPipeSize {
		return 0, unix.EPERM
	}
	size := 4096
	for size < n {
		size <<= 1
	}
	p.mu.Lock()
	if p.n > size {
		p.mu.Unlock()
		return 0, unix.EBUSY
	}
	old := p.size
	p.size = size
	if p.buf != nil && !p.regrow() {
		p.size = old
		p.mu.Unlock()
		return 0, errNoRing
	}
	p.mu.Unlock()
	p.wq.Notify(EventOut | EventWrNorm)
	return size, nil
}

// Buffered returns how many bytes wait to be read (FIONREAD).
func (e *PipeEnd) Buffered() int {
	e.p.mu.Lock()
	defer e.p.mu.Unlock()
	return e.p.n
}

// Room reports the free bytes of the pipe and whether it has readers
// (splice sizes its read from the input by this).
func (e *PipeEnd) Room() (free int, readers bool) {
	e.p.mu.Lock()
	defer e.p.mu.Unlock()
	return e.p.size - e.p.n, e.p.readers > 0
}

// SamePipe reports whether e and o are ends of one pipe.
func (e *PipeEnd) SamePipe(o *PipeEnd) bool { return e.p == o.p }

// Peek copies what the pipe holds without taking it (tee): EAGAIN when
// empty with writers left, 0 when empty without.
func (e *PipeEnd) Peek(b []byte) (int, error) {
	p := e.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == 0 {
		if p.writers == 0 {
			return 0, nil
		}
		return 0, unix.EAGAIN
	}
	n := 0
	for n < len(b) && n < p.n {
		i := (p.head + n) % len(p.buf)
		c := min(p.n-n, len(p.buf)-i, len(b)-n)
		copy(b[n:], p.buf[i:i+c])
		n += c
	}
	return n, nil
}

// Readable is FIONREAD's answer (vfs.File.Readable).
func (e *PipeEnd) Readable(int64) int64 { return int64(e.Buffered()) }

// Readiness implements Waitable.
func (e *PipeEnd) Readiness(mask EventMask) EventMask {
	p := e.p
	p.mu.Lock()
	defer p.mu.Unlock()
	var r EventMask
	if e.write {
		if p.readers == 0 {
			r |= EventErr | EventOut | EventWrNorm // a write fails at once
		} else if p.n < p.size && p.size-p.n >= min(PipeBuf, p.size) {
			r |= EventOut | EventWrNorm
		}
	} else {
		if p.n > 0 {
			r |= EventIn | EventRdNorm
		}
		if p.writers == 0 {
			r |= EventHup
		}
	}
	return r & (mask | EventErr | EventHup)
}

// EventRegister implements Waitable.
func (e *PipeEnd) EventRegister(en *Entry) {
	if e.write {
		e.p.wq.Register(en)
	} else {
		e.p.rq.Register(en)
	}
}

// EventUnregister implements Waitable.
func (e *PipeEnd) EventUnregister(en *Entry) {
	if e.write {
		e.p.wq.Unregister(en)
	} else {
		e.p.rq.Unregister(en)
	}
}

// Stat implements vfs.FileImpl: a FIFO.
func (e *PipeEnd) Stat() (vfs.Stat, error) {
	return vfs.Stat{Dev: 0xc, Ino: e.p.ino, Nlink: 1, Mode: unix.S_IFIFO | 0o600, UID: uint32(unix.Getuid()), GID: uint32(unix.Getgid()), Blksize: 4096}, nil
}

// Truncate implements vfs.FileImpl.
func (e *PipeEnd) Truncate(int64) error { return unix.EINVAL }

// Sync implements vfs.FileImpl.
func (e *PipeEnd) Sync() error { return unix.EINVAL }

// Seekable implements vfs.FileImpl.
func (e *PipeEnd) Seekable() bool { return false }

// Release closes this end: readers of a pipe without writers see end of
// file, writers of a pipe without readers get EPIPE.
func (e *PipeEnd) Release() {
	p := e.p
	p.mu.Lock()
	if e.write {
		p.writers--
	} else {
		p.readers--
	}
	p.freeRingIfClosedLocked()
	p.mu.Unlock()
	if e.write {
		p.wq.Release()
		p.rq.Notify(EventHup | EventIn)
	} else {
		p.rq.Release()
		p.wq.Notify(EventErr | EventOut)
	}
}
