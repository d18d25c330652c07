package epoll

import (
	"sync"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// FIFO is a named pipe (mkfifo): the pipe its opened ends share while any
// of them is open; when the last closes, the data goes and the next open
// starts a new pipe, as on Linux. pkg/vfs keeps one per FIFO inode and
// asks it for an end at each open (vfs.FIFO).
//
// Each end has a Queue of its own, fed from the pipe's queues, because
// several opens of one FIFO share the pipe and closing one must drop only
// its own epoll registrations.
type FIFO struct {
	ino  uint64
	acct vfs.MemoryCharger // each pipe's ring is charged to it (pipe_charge.go); nil: not

	mu sync.Mutex
	p  *pipe // nil while no end is open
	// rOpens and wOpens count opens for reading and writing (Linux's
	// r_counter and w_counter): a blocked open waits for the other's
	// count to move, so a partner that came and went still releases it.
	rOpens, wOpens uint64
	changed        chan struct{} // closed and replaced at each open
}

// NewFIFO returns the FIFO of inode ino.
func NewFIFO(ino uint64) *FIFO { return &FIFO{ino: ino, changed: make(chan struct{})} }

// Open opens an end with open(2)'s flags: O_RDONLY reads, O_WRONLY writes
// (ENXIO with O_NONBLOCK and no reader), O_RDWR does both. It never
// blocks; an end that must wait for its partner (a blocking O_RDONLY
// without writers, O_WRONLY without readers) says so through OpenReady,
// for the kernel to wait interruptibly. stat gives the inode's attributes
// for fstat.
func (f *FIFO) Open(flags int, stat func() (vfs.Stat, error)) (vfs.FileImpl, error) {
	acc := flags & unix.O_ACCMODE
	read := acc == unix.O_RDONLY || acc == unix.O_RDWR
	write := acc == unix.O_WRONLY || acc == unix.O_RDWR
	nonblock := flags&unix.O_NONBLOCK != 0
	if !read && !write {
		return nil, unix.EINVAL
	}
	f.mu.Lock()
	if f.p == nil {
		f.p = &pipe{ino: f.ino, size: DefaultPipeSize, acct: f.acct}
	}
	p := f.p
	p.mu.Lock()
	if write && !read && nonblock && p.readers == 0 {
		if p.writers == 0 {
			f.p = nil
		}
		p.mu.Unlock()
		f.mu.Unlock()
		return nil, unix.ENXIO
	}
	e := &FIFOEnd{f: f, p: p, read: read, write: write, stat: stat}
	if read {
		p.readers++
		f.rOpens++
	}
	if write {
		p.writers++
		f.wOpens++
	}
	switch {
	case nonblock || acc == unix.O_RDWR:
	case acc == unix.O_RDONLY && p.writers == 0:
		e.need, e.seen = 'w', f.wOpens
	case acc == unix.O_WRONLY && p.readers == 0:
		e.need, e.seen = 'r', f.rOpens
	}
	p.mu.Unlock()
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()

	forward := func(ev EventMask) { e.q.Notify(ev &^ eventRelease) }
	if read {
		e.fr = NewEntry(AllEvents, forward)
		p.rq.Register(e.fr)
		// A reader makes a writer without one writable again.
		p.wq.Notify(EventOut | EventWrNorm)
	}
	if write {
		e.fw = NewEntry(AllEvents, forward)
		p.wq.Register(e.fw)
	}
	return e, nil
}

// FIFOEnd is one open of a FIFO: a vfs.FileImpl and a Waitable.
type FIFOEnd struct {
	f           *FIFO
	p           *pipe
	read, write bool
	stat        func() (vfs.Stat, error)
	q           Queue
	fr, fw      *Entry // this end's forwarders on the pipe's queues
	need        byte   // 'r' or 'w': the partner a blocking open waits for
	seen        uint64 // the partner's open count when this end opened
}

// OpenReady reports whether the open may return; if not, the channel is
// closed when it should look again (vfs.OpenWaiter).
func (e *FIFOEnd) OpenReady() (<-chan struct{}, bool) {
	f := e.f
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case e.need == 'w' && f.wOpens == e.seen, e.need == 'r' && f.rOpens == e.seen:
		return f.changed, false
	}
	return nil, true
}

func (e *FIFOEnd) reader() *PipeEnd { return &PipeEnd{p: e.p} }
func (e *FIFOEnd) writer() *PipeEnd { return &PipeEnd{p: e.p, write: true} }

// ReadAt reads as a pipe's read end does.
func (e *FIFOEnd) ReadAt(b []byte, off int64) (int, error) {
	if !e.read {
		return 0, unix.EBADF
	}
	return e.reader().ReadAt(b, off)
}

// WriteAt writes as a pipe's write end does.
func (e *FIFOEnd) WriteAt(b []byte, off int64) (int, error) {
	if !e.write {
		return 0, unix.EBADF
	}
	return e.writer().WriteAt(b, off)
}

// Readable is FIONREAD's answer.
func (e *FIFOEnd) Readable(int64) int64 { return int64(e.reader().Buffered()) }

// Readiness implements Waitable.
func (e *FIFOEnd) Readiness(mask EventMask) EventMask {
	var r EventMask
	if e.read {
		r |= e.reader().Readiness(mask)
	}
	if e.write {
		r |= e.writer().Readiness(mask)
	}
	return r
}

// EventRegister implements Waitable.
func (e *FIFOEnd) EventRegister(en *Entry) { e.q.Register(en) }

// EventUnregister implements Waitable.
func (e *FIFOEnd) EventUnregister(en *Entry) { e.q.Unregister(en) }

// Stat implements vfs.FileImpl: the FIFO inode's attributes.
func (e *FIFOEnd) Stat() (vfs.Stat, error) { return e.stat() }

// Truncate implements vfs.FileImpl.
func (e *FIFOEnd) Truncate(int64) error { return unix.EINVAL }

// Sync implements vfs.FileImpl.
func (e *FIFOEnd) Sync() error { return unix.EINVAL }

// Seekable implements vfs.FileImpl.
func (e *FIFOEnd) Seekable() bool { return false }

// Release closes this open: the pipe's counts drop, this end's watchers
// are told it is gone, and the other side sees end of file or EPIPE when
// the last of this side goes.
func (e *FIFOEnd) Release() {
	f, p := e.f, e.p
	f.mu.Lock()
	p.mu.Lock()
	if e.read {
		p.readers--
	}
	if e.write {
		p.writers--
	}
	if p.readers == 0 && p.writers == 0 && f.p == p {
		f.p = nil
	}
	p.freeRingIfClosedLocked()
	p.mu.Unlock()
	f.mu.Unlock()
	if e.fr != nil {
		p.rq.Unregister(e.fr)
	}
	if e.fw != nil {
		p.wq.Unregister(e.fw)
	}
	e.q.Release()
	if e.write {
		p.rq.Notify(EventHup | EventIn)
	}
	if e.read {
		p.wq.Notify(EventErr | EventOut)
	}
}

// Capacity is F_GETPIPE_SZ on an open FIFO: its pipe's size.
func (e *FIFOEnd) Capacity() int { return e.p.capacity() }

// SetCapacity is F_SETPIPE_SZ on an open FIFO (see PipeEnd.SetCapacity).
func (e *FIFOEnd) SetCapacity(n int) (int, error) { return e.p.setCapacity(n) }

// PipeSizer is what F_GETPIPE_SZ and F_SETPIPE_SZ need: pipes and FIFOs.
type PipeSizer interface {
	Capacity() int
	SetCapacity(n int) (int, error)
}
