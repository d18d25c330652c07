package epoll

import "sync"

// EventMask is a set of readiness events, with Linux's EPOLL*/POLL* bit
// values (the two agree for the bits used here).
type EventMask uint32

// Readiness events.
const (
	EventIn     EventMask = 0x1
	EventPri    EventMask = 0x2
	EventOut    EventMask = 0x4
	EventErr    EventMask = 0x8
	EventHup    EventMask = 0x10
	EventRdNorm EventMask = 0x40
	EventRdBand EventMask = 0x80
	EventWrNorm EventMask = 0x100
	EventWrBand EventMask = 0x200
	EventRdHup  EventMask = 0x2000

	// AllEvents is what an object may report.
	AllEvents = EventIn | EventPri | EventOut | EventErr | EventHup | EventRdNorm | EventRdBand | EventWrNorm | EventWrBand | EventRdHup

	// eventRelease is internal: the object is gone, watchers must drop
	// it. It is outside every bit an application may ask for.
	eventRelease EventMask = 1 << 27
)

// Waitable is an object whose readiness can be watched.
type Waitable interface {
	// Readiness returns which of mask's events hold now.
	Readiness(mask EventMask) EventMask
	// EventRegister adds e to the object's queue; EventUnregister
	// removes it.
	EventRegister(e *Entry)
	EventUnregister(e *Entry)
}

// Entry is one watcher on a Queue. Its callback runs with the Queue's
// lock held, so it must be short and must not touch that Queue.
type Entry struct {
	mask      EventMask
	exclusive bool
	// woke, for an exclusive entry, says whether its notification reached
	// someone waiting; if not, the next exclusive entry is told too.
	woke func() bool
	cb   func(EventMask)
	prev *Entry
	next *Entry
	q    *Queue
}

// NewEntry returns an entry calling cb with the events of each
// notification that intersect mask (Err and Hup always do).
func NewEntry(mask EventMask, cb func(EventMask)) *Entry {
	return &Entry{mask: mask | EventErr | EventHup, cb: cb}
}

// NewChanEntry returns an entry that makes its channel readable when a
// notification matches mask. The channel holds at most one token, so a
// waiter that re-checks readiness after each receive misses nothing.
func NewChanEntry(mask EventMask) (*Entry, chan struct{}) {
	ch := make(chan struct{}, 1)
	return NewEntry(mask, func(EventMask) {
		select {
		case ch <- struct{}{}:
		default:
		}
	}), ch
}

// SetMask changes which events the entry receives. Call it only while
// the entry is not registered.
func (e *Entry) SetMask(m EventMask) { e.mask = m | EventErr | EventHup }

// Queue is the set of entries watching one object. The zero value is
// ready to use.
type Queue struct {
	mu   sync.Mutex
	head *Entry
	tail *Entry
}

// Register adds e; an entry is on at most one queue at a time.
func (q *Queue) Register(e *Entry) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e.q != nil {
		return
	}
	e.q = q
	e.prev, e.next = q.tail, nil
	if q.tail != nil {
		q.tail.next = e
	} else {
		q.head = e
	}
	q.tail = e
}

// Unregister removes e if it is registered here.
func (q *Queue) Unregister(e *Entry) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.unlink(e)
}

func (q *Queue) unlink(e *Entry) {
	if e.q != q {
		return
	}
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		q.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		q.tail = e.prev
	}
	e.prev, e.next, e.q = nil, nil, nil
}

// Notify tells every entry whose mask intersects ev. Of the exclusive
// entries (EPOLLEXCLUSIVE) only those up to the first that reaches a
// waiter are told, as on Linux, and that one then moves to the back so
// the next notification wakes another.
func (q *Queue) Notify(ev EventMask) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var woke *Entry
	for e := q.head; e != nil; {
		next := e.next
		if e.mask&ev != 0 || ev&eventRelease != 0 {
			if e.exclusive && ev&eventRelease == 0 {
				if woke == nil {
					e.cb(ev)
					if e.woke == nil || e.woke() {
						woke = e
					}
				}
			} else {
				e.cb(ev)
			}
		}
		e = next
	}
	if woke != nil && woke != q.tail {
		q.unlink(woke)
		woke.q = q
		woke.prev = q.tail
		q.tail.next = woke
		q.tail = woke
	}
}

// hasEntries reports whether anyone watches the queue (an epoll
// instance's: whether some epoll_wait is waiting on it).
func (q *Queue) hasEntries() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.head != nil
}

// Release tells every watcher that the object is gone (epoll instances
// drop it, as Linux does when a file's last reference is closed).
func (q *Queue) Release() { q.Notify(eventRelease) }
