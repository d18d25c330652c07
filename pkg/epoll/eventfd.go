package epoll

import (
	"encoding/binary"
	"sync"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

const eventfdMax = ^uint64(0) - 1

// EventFD is an eventfd counter: a vfs.FileImpl and a Waitable.
type EventFD struct {
	semaphore bool
	q         Queue

	mu    sync.Mutex
	count uint64
}

// NewEventFD returns an eventfd starting at initval; semaphore makes each
// read take 1 instead of the whole count (EFD_SEMAPHORE).
func NewEventFD(initval uint64, semaphore bool) *EventFD {
	return &EventFD{count: initval, semaphore: semaphore}
}

// ReadAt takes the count (or 1 in semaphore mode) as 8 native-endian
// bytes; EAGAIN while the count is 0.
func (e *EventFD) ReadAt(b []byte, _ int64) (int, error) {
	if len(b) < 8 {
		return 0, unix.EINVAL
	}
	e.mu.Lock()
	if e.count == 0 {
		e.mu.Unlock()
		return 0, unix.EAGAIN
	}
	v := e.count
	if e.semaphore {
		v = 1
	}
	e.count -= v
	e.mu.Unlock()
	binary.NativeEndian.PutUint64(b, v)
	e.q.Notify(EventOut | EventWrNorm)
	return 8, nil
}

// WriteAt adds an 8-byte value; EAGAIN when the sum would pass the
// maximum, EINVAL for the value 2^64-1.
func (e *EventFD) WriteAt(b []byte, _ int64) (int, error) {
	if len(b) < 8 {
		return 0, unix.EINVAL
	}
	v := binary.NativeEndian.Uint64(b)
	if v == ^uint64(0) {
		return 0, unix.EINVAL
	}
	e.mu.Lock()
	if eventfdMax-e.count < v {
		e.mu.Unlock()
		return 0, unix.EAGAIN
	}
	e.count += v
	e.mu.Unlock()
	if v > 0 {
		e.q.Notify(EventIn | EventRdNorm)
	}
	return 8, nil
}

// Readiness implements Waitable.
func (e *EventFD) Readiness(mask EventMask) EventMask {
	e.mu.Lock()
	defer e.mu.Unlock()
	var r EventMask
	if e.count > 0 {
		r |= EventIn | EventRdNorm
	}
	if e.count < eventfdMax {
		r |= EventOut | EventWrNorm
	}
	return r & mask
}

// EventRegister implements Waitable.
func (e *EventFD) EventRegister(en *Entry) { e.q.Register(en) }

// EventUnregister implements Waitable.
func (e *EventFD) EventUnregister(en *Entry) { e.q.Unregister(en) }

// Stat implements vfs.FileImpl.
func (e *EventFD) Stat() (vfs.Stat, error) { return anonStat(0o600), nil }

// Truncate implements vfs.FileImpl.
func (e *EventFD) Truncate(int64) error { return unix.EINVAL }

// Sync implements vfs.FileImpl.
func (e *EventFD) Sync() error { return unix.EINVAL }

// Seekable implements vfs.FileImpl.
func (e *EventFD) Seekable() bool { return false }

// Release implements vfs.FileImpl.
func (e *EventFD) Release() { e.q.Release() }
