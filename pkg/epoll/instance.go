package epoll

import (
	"sync"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// Flags of epoll_event.events beyond the readiness bits.
const (
	FlagExclusive EventMask = 1 << 28
	FlagWakeup    EventMask = 1 << 29
	FlagOneshot   EventMask = 1 << 30
	FlagET        EventMask = 1 << 31
)

// Key identifies one registration: Linux keys an epoll item by the open
// file description and the fd number it was added under.
type Key struct {
	File any
	FD   int32
}

// Event is one result of Wait: the events that hold and the user's data.
type Event struct {
	Events EventMask
	Data   uint64
}

// Instance is one epoll instance (what epoll_create returns). It is a
// vfs.FileImpl so that it sits in the fd table, and a Waitable so that
// it can be polled or nested in another instance.
type Instance struct {
	q Queue

	mu    sync.Mutex
	items map[Key]*item
	ready itemList
}

type item struct {
	ep       *Instance
	key      Key
	w        Waitable
	events   EventMask // as the user gave them, flags included
	data     uint64
	entry    *Entry
	disabled bool // EPOLLONESHOT fired; MOD re-arms
	inReady  bool
	prev     *item
	next     *item
}

type itemList struct{ head, tail *item }

func (l *itemList) push(it *item) {
	it.prev, it.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = it
	} else {
		l.head = it
	}
	l.tail = it
	it.inReady = true
}

func (l *itemList) remove(it *item) {
	if !it.inReady {
		return
	}
	if it.prev != nil {
		it.prev.next = it.next
	} else {
		l.head = it.next
	}
	if it.next != nil {
		it.next.prev = it.prev
	} else {
		l.tail = it.prev
	}
	it.prev, it.next, it.inReady = nil, nil, false
}

// NewInstance returns an empty epoll instance.
func NewInstance() *Instance {
	return &Instance{items: map[Key]*item{}}
}

// Epoll ctl operations.
const (
	CtlAdd = 1
	CtlDel = 2
	CtlMod = 3
)

// Ctl adds, modifies or removes the registration of w under k.
func (ep *Instance) Ctl(op int, k Key, w Waitable, events EventMask, data uint64) error {
	switch op {
	case CtlAdd:
		return ep.add(k, w, events, data)
	case CtlMod:
		return ep.mod(k, events, data)
	case CtlDel:
		return ep.del(k)
	}
	return unix.EINVAL
}

func (ep *Instance) add(k Key, w Waitable, events EventMask, data uint64) error {
	if inner, ok := w.(*Instance); ok {
		if inner == ep || inner.reaches(ep, 0) {
			return unix.ELOOP
		}
		if events&FlagExclusive != 0 {
			return unix.EINVAL
		}
	}
	ep.mu.Lock()
	if _, ok := ep.items[k]; ok {
		ep.mu.Unlock()
		return unix.EEXIST
	}
	it := &item{ep: ep, key: k, w: w, events: events, data: data}
	it.entry = NewEntry(events&AllEvents, it.callback)
	it.entry.exclusive = events&FlagExclusive != 0
	if it.entry.exclusive {
		it.entry.woke = ep.q.hasEntries
	}
	ep.items[k] = it
	ep.mu.Unlock()
	w.EventRegister(it.entry)
	ep.checkReady(it)
	return nil
}

func (ep *Instance) mod(k Key, events EventMask, data uint64) error {
	ep.mu.Lock()
	it, ok := ep.items[k]
	if !ok {
		ep.mu.Unlock()
		return unix.ENOENT
	}
	if events&FlagExclusive != 0 || it.entry.exclusive {
		ep.mu.Unlock()
		return unix.EINVAL
	}
	ep.mu.Unlock()
	it.w.EventUnregister(it.entry)
	ep.mu.Lock()
	it.events, it.data, it.disabled = events, data, false
	it.entry.SetMask(events & AllEvents)
	ep.ready.remove(it)
	ep.mu.Unlock()
	it.w.EventRegister(it.entry)
	ep.checkReady(it)
	return nil
}

func (ep *Instance) del(k Key) error {
	ep.mu.Lock()
	it, ok := ep.items[k]
	if !ok {
		ep.mu.Unlock()
		return unix.ENOENT
	}
	delete(ep.items, k)
	ep.ready.remove(it)
	ep.mu.Unlock()
	it.w.EventUnregister(it.entry)
	return nil
}

// checkReady queues it if what it watches already holds (a registration
// reports current state, not only later changes).
func (ep *Instance) checkReady(it *item) {
	if it.w.Readiness(it.events&AllEvents|EventErr|EventHup) == 0 {
		return
	}
	ep.mu.Lock()
	queued := false
	if ep.items[it.key] == it && !it.disabled && !it.inReady {
		ep.ready.push(it)
		queued = true
	}
	ep.mu.Unlock()
	if queued {
		ep.q.Notify(EventIn)
	}
}

// callback runs under the watched object's Queue lock.
func (it *item) callback(ev EventMask) {
	ep := it.ep
	ep.mu.Lock()
	if ev&eventRelease != 0 {
		if ep.items[it.key] == it {
			delete(ep.items, it.key)
			ep.ready.remove(it)
		}
		ep.mu.Unlock()
		return
	}
	queued := false
	if ep.items[it.key] == it && !it.disabled && !it.inReady {
		ep.ready.push(it)
		queued = true
	}
	ep.mu.Unlock()
	if queued {
		ep.q.Notify(EventIn)
	}
}

// reaches reports whether target is watched by ep, directly or through
// nested instances (adding it would make a cycle).
func (ep *Instance) reaches(target *Instance, depth int) bool {
	if depth > 5 {
		return true // Linux's EP_MAX_NESTS: too deep is refused too
	}
	ep.mu.Lock()
	var inner []*Instance
	for _, it := range ep.items {
		if in, ok := it.w.(*Instance); ok {
			inner = append(inner, in)
		}
	}
	ep.mu.Unlock()
	for _, in := range inner {
		if in == target || in.reaches(target, depth+1) {
			return true
		}
	}
	return false
}

// Wait collects up to max ready events without blocking. Level-triggered
// items that still hold stay queued (at the back, so every ready fd gets
// its turn); edge-triggered ones leave until their next notification;
// one-shot ones are disabled until re-armed with CtlMod.
func (ep *Instance) Wait(max int) []Event {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	var out []Event
	var keep []*item
	for it := ep.ready.head; it != nil && len(out) < max; {
		next := it.next
		ep.ready.remove(it)
		r := it.w.Readiness(it.events&AllEvents|EventErr|EventHup) & (it.events | EventErr | EventHup)
		if r != 0 {
			out = append(out, Event{Events: r, Data: it.data})
			switch {
			case it.events&FlagOneshot != 0:
				it.disabled = true
			case it.events&FlagET != 0:
			default:
				keep = append(keep, it)
			}
		}
		it = next
	}
	for _, it := range keep {
		ep.ready.push(it)
	}
	return out
}

// Readiness reports EventIn when some registered object is ready.
func (ep *Instance) Readiness(mask EventMask) EventMask {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	for it := ep.ready.head; it != nil; it = it.next {
		if it.w.Readiness(it.events&AllEvents|EventErr|EventHup)&(it.events|EventErr|EventHup) != 0 {
			return mask & EventIn
		}
	}
	return 0
}

// EventRegister implements Waitable.
func (ep *Instance) EventRegister(e *Entry) { ep.q.Register(e) }

// EventUnregister implements Waitable.
func (ep *Instance) EventUnregister(e *Entry) { ep.q.Unregister(e) }

// ReadAt implements vfs.FileImpl: an epoll fd cannot be read.
func (ep *Instance) ReadAt([]byte, int64) (int, error) { return 0, unix.EINVAL }

// WriteAt implements vfs.FileImpl.
func (ep *Instance) WriteAt([]byte, int64) (int, error) { return 0, unix.EINVAL }

// Stat implements vfs.FileImpl: an anonymous inode.
func (ep *Instance) Stat() (vfs.Stat, error) { return anonStat(0o600), nil }

// Truncate implements vfs.FileImpl.
func (ep *Instance) Truncate(int64) error { return unix.EINVAL }

// Sync implements vfs.FileImpl.
func (ep *Instance) Sync() error { return unix.EINVAL }

// Seekable implements vfs.FileImpl.
func (ep *Instance) Seekable() bool { return false }

// Release drops every registration and tells watchers of this instance
// that it is gone.
func (ep *Instance) Release() {
	ep.mu.Lock()
	items := make([]*item, 0, len(ep.items))
	for _, it := range ep.items {
		items = append(items, it)
	}
	ep.items = map[Key]*item{}
	ep.ready = itemList{}
	ep.mu.Unlock()
	for _, it := range items {
		it.w.EventUnregister(it.entry)
	}
	ep.q.Release()
}
