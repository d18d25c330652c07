package vfs

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Advisory locks: fcntl record locks (owned by a process, or by an open
// file description for the OFD variants) and flock locks (owned by an
// open file description). Like Linux, the two families do not see each
// other; POSIX and OFD record locks share one table and conflict.
//
// The tables live in the FS and are keyed by the locked object (an
// in-memory inode, or a host file's dev/ino), so locks taken through
// different opens, links or volumes of one file meet.

// Lock is one byte range lock request or answer. End is inclusive;
// LockEOF means "to the end of the file, however it grows".
type Lock struct {
	Type       int16 // F_RDLCK, F_WRLCK, F_UNLCK
	Start, End uint64
	// Pid is the owning process for POSIX locks, -1 for OFD locks.
	Pid int
}

// LockEOF as Lock.End means the lock reaches any end of file.
const LockEOF = ^uint64(0)

type rlock struct {
	Lock
	owner any // a process id (int) for POSIX locks, *File for OFD locks
}

type objLocks struct {
	records []rlock
	flocks  map[*File]int16
	// changed is closed (and replaced) whenever a lock is released or
	// downgraded, waking every waiter to try again.
	changed chan struct{}
	// waiters are the F_SETLKW requests sleeping on changed, with an
	// edge in their wait-for graph (lockwait.go).
	waiters map[*LockWaiter]struct{}
}

type lockTable struct {
	mu   sync.Mutex
	objs map[any]*objLocks
}

func (lt *lockTable) get(key any) *objLocks {
	if lt.objs == nil {
		lt.objs = map[any]*objLocks{}
	}
	o := lt.objs[key]
	if o == nil {
		o = &objLocks{changed: make(chan struct{})}
		lt.objs[key] = o
	}
	return o
}

// wake wakes every waiter on o. Their edges go with it: each one will
// look again and, still blocked, check the chain for the owner it then
// waits for.
func (o *objLocks) wake() {
	close(o.changed)
	o.changed = make(chan struct{})
	for w := range o.waiters {
		o.unregister(w)
	}
}

func (lt *lockTable) gc(key any, o *objLocks) {
	if len(o.records) == 0 && len(o.flocks) == 0 && len(o.waiters) == 0 {
		delete(lt.objs, key)
	}
}

// hostKey identifies a host file across opens.
type hostKey struct{ dev, ino uint64 }

// lockKey is what identifies f's object in the lock tables.
func (f *File) lockKey() any {
	impl := f.impl
	if s, ok := impl.(synthFile); ok {
		impl = s.FileImpl
	}
	switch i := impl.(type) {
	case *memFile:
		return i.m
	case *hostFile:
		if st, err := i.Stat(); err == nil {
			return hostKey{st.Dev, st.Ino}
		}
	}
	return f
}

func overlaps(a, b Lock) bool { return a.Start <= b.End && b.Start <= a.End }

func conflicts(a, b Lock) bool {
	return overlaps(a, b) && (a.Type == unix.F_WRLCK || b.Type == unix.F_WRLCK)
}

// TestLock is F_GETLK / F_OFD_GETLK: the first lock of another owner that
// would conflict with l, or ok false. owner is the process id for POSIX
// requests, nil for OFD ones (the file itself is then the owner).
func (f *File) TestLock(owner any, l Lock) (Lock, bool) {
	if owner == nil {
		owner = f
	}
	lt := f.locks()
	lt.mu.Lock()
	defer lt.mu.Unlock()
	o := lt.objs[f.lockKey()]
	if o == nil {
		return Lock{}, false
	}
	for _, r := range o.records {
		if r.owner != owner && conflicts(r.Lock, l) {
			return r.Lock, true
		}
	}
	return Lock{}, false
}

// SetLock is F_SETLK / F_OFD_SETLK (F_UNLCK releases). It fails with
// EAGAIN on a conflict and then also returns a channel closed when the
// locks of the object next change, for F_OFD_SETLKW to wait on and retry.
// owner is the process id for POSIX locks, nil for OFD locks.
func (f *File) SetLock(owner any, l Lock) (<-chan struct{}, error) {
	return f.setLock(owner, l, nil)
}

// SetLockWait is one attempt of a POSIX F_SETLKW by w's process: like
// SetLock, except that a conflict which would close a cycle of waiting
// owners fails with EDEADLK, and any other conflict records w as waiting
// (until the returned channel closes, or w.Done). One waiter serves the
// attempts of one call, on one file.
func (f *File) SetLockWait(w *LockWaiter, l Lock) (<-chan struct{}, error) {
	return f.setLock(w.owner, l, w)
}

func (f *File) setLock(owner any, l Lock, w *LockWaiter) (<-chan struct{}, error) {
	if f.impl == nil {
		return nil, unix.EBADF
	}
	switch l.Type {
	case unix.F_RDLCK:
		if !f.readable() {
			return nil, unix.EBADF
		}
	case unix.F_WRLCK:
		if !f.writable() {
			return nil, unix.EBADF
		}
	case unix.F_UNLCK:
	default:
		return nil, unix.EINVAL
	}
	if owner == nil {
		owner = f
		l.Pid = -1
		f.heldLocks.Store(true)
	}
	lt := f.locks()
	lt.mu.Lock()
	defer lt.mu.Unlock()
	key := f.lockKey()
	o := lt.get(key)
	if w != nil {
		o.unregister(w)
	}
	if l.Type != unix.F_UNLCK {
		for _, r := range o.records {
			if r.owner != owner && conflicts(r.Lock, l) {
				if w != nil && w.blockOn(lt, key, o, r.owner) {
					lt.gc(key, o)
					return nil, unix.EDEADLK
				}
				return o.changed, unix.EAGAIN
			}
		}
	}
	// Carve l's range out of the owner's locks, then add l.
	var out []rlock
	released := false
	for _, r := range o.records {
		if r.owner != owner || !overlaps(r.Lock, l) {
			out = append(out, r)
			continue
		}
		if r.Type != l.Type {
			released = true
		}
		if r.Start < l.Start {
			left := r
			left.End = l.Start - 1
			out = append(out, left)
		}
		if r.End > l.End {
			right := r
			right.Start = l.End + 1
			out = append(out, right)
		}
	}
	if l.Type != unix.F_UNLCK {
		// Like Linux, merge with the owner's adjacent locks of the same
		// type, so F_GETLK reports the whole range.
		merged := out[:0]
		for _, r := range out {
			if r.owner == owner && r.Type == l.Type && (r.End != LockEOF && r.End+1 == l.Start || l.End != LockEOF && l.End+1 == r.Start) {
				l.Start, l.End = min(l.Start, r.Start), max(l.End, r.End)
				continue
			}
			merged = append(merged, r)
		}
		out = append(merged, rlock{Lock: l, owner: owner})
	}
	o.records = out
	if released {
		o.wake()
	}
	lt.gc(key, o)
	return nil, nil
}

// ReleaseLocks drops every POSIX lock the process pid holds on f's object:
// Linux does this when the process closes any descriptor of the file.
func (f *File) ReleaseLocks(pid int) {
	if f.impl == nil {
		return
	}
	lt := f.locks()
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if len(lt.objs) == 0 {
		return // the common case, without asking the host for a key
	}
	key := f.lockKey()
	o := lt.objs[key]
	if o == nil {
		return
	}
	out := o.records[:0]
	released := false
	for _, r := range o.records {
		if r.owner == any(pid) {
			released = true
			continue
		}
		out = append(out, r)
	}
	o.records = out
	if released {
		o.wake()
	}
	lt.gc(key, o)
}

// Flock is flock(2) without LOCK_NB's blocking: op is LOCK_SH, LOCK_EX or
// LOCK_UN. A conflict gives EWOULDBLOCK and a channel to wait on, as
// SetLock does. Converting a lock releases the old one first, as Linux
// may.
func (f *File) Flock(op int) (<-chan struct{}, error) {
	if f.impl == nil {
		return nil, unix.EBADF
	}
	var typ int16
	switch op {
	case unix.LOCK_SH:
		typ = unix.F_RDLCK
	case unix.LOCK_EX:
		typ = unix.F_WRLCK
	case unix.LOCK_UN:
		typ = unix.F_UNLCK
	default:
		return nil, unix.EINVAL
	}
	lt := f.locks()
	lt.mu.Lock()
	defer lt.mu.Unlock()
	key := f.lockKey()
	o := lt.get(key)
	if old, ok := o.flocks[f]; ok && old != typ {
		delete(o.flocks, f)
		o.wake()
	}
	if typ == unix.F_UNLCK {
		lt.gc(key, o)
		return nil, nil
	}
	for other, t := range o.flocks {
		if other != f && (t == unix.F_WRLCK || typ == unix.F_WRLCK) {
			lt.gc(key, o)
			return o.changed, unix.EWOULDBLOCK
		}
	}
	if o.flocks == nil {
		o.flocks = map[*File]int16{}
	}
	o.flocks[f] = typ
	f.heldLocks.Store(true)
	return nil, nil
}

// ReleaseAllLocks drops every POSIX lock the process pid holds, when it
// exits.
func (fs *FS) ReleaseAllLocks(pid int) {
	lt := &fs.locks
	lt.mu.Lock()
	defer lt.mu.Unlock()
	for key, o := range lt.objs {
		out := o.records[:0]
		for _, r := range o.records {
			if r.owner != any(pid) {
				out = append(out, r)
			}
		}
		if len(out) != len(o.records) {
			o.records = out
			o.wake()
		}
		lt.gc(key, o)
	}
}

// releaseFileLocks drops the OFD and flock locks of f, on its last
// reference.
func (f *File) releaseFileLocks() {
	lt := f.locks()
	lt.mu.Lock()
	defer lt.mu.Unlock()
	key := f.lockKey()
	o := lt.objs[key]
	if o == nil {
		return
	}
	out := o.records[:0]
	for _, r := range o.records {
		if r.owner != any(f) {
			out = append(out, r)
		}
	}
	o.records = out
	delete(o.flocks, f)
	o.wake()
	lt.gc(key, o)
}

// locks is the lock table f's locks live in: its FS's, or for anonymous
// files (pipes, memfds) one of their own, which is enough because nothing
// else can name the same object.
func (f *File) locks() *lockTable {
	if f.fs != nil {
		return &f.fs.locks
	}
	f.anonLocksOnce.Do(func() { f.anonLocks = &lockTable{} })
	return f.anonLocks
}
