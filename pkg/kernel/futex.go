package kernel

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// futexTable queues waiters by (address space, address), in buckets
// chosen by a hash of the address: an operation holds the bucket of each
// futex it touches (two for requeue and wake-op, taken in index order)
// while it checks words and moves waiters, so a WAIT that saw the
// expected value cannot miss the WAKE that follows the application's
// change of it, and operations on futexes in different buckets do not
// wait for each other.
//
// Shared and private futexes are keyed alike: without shared memory
// between address spaces the distinction changes nothing.
//
// PI futexes (futex_pi.go) keep their kernel state in the waiters: a
// waiter blocked on a PI lock points at the lock's futexPI, which lives
// exactly as long as some waiter does, as Linux's pi_state does. A
// bucket's mu guards its waiters and the futexPI of its futexes;
// Task.futexExited is written holding every bucket (exitPIState, which
// looks at all the waiters) and read holding any. A PI operation must
// learn which task the word's TID names, and Kernel.mu (the TID table)
// comes before the buckets in the lock order: it looks the TID up first,
// takes the bucket, and starts over if the word changed meanwhile.
type futexTable struct {
	buckets [futexBuckets]futexBucket
}

// futexBuckets is a power of two.
const futexBuckets = 64

type futexBucket struct {
	mu      sync.Mutex
	waiters map[futexID][]*futexWaiter
	_       [48]byte // a cache line each
}

// bucketOf is the index of id's bucket: a hash of the address (the word's
// place in its address space or in the memory file), which is what
// differs between the futexes of one program.
func bucketOf(id futexID) int32 {
	return int32((id.at >> 2) * 0x9e3779b97f4a7c15 >> (64 - 6))
}

// lock takes the buckets of ids in index order and returns the unlock.
func (ft *futexTable) lock(ids ...futexID) func() {
	var idx [2]int32
	n := 0
	for _, id := range ids {
		b := bucketOf(id)
		if n == 1 && idx[0] == b {
			continue
		}
		idx[n] = b
		n++
	}
	if n == 2 && idx[0] > idx[1] {
		idx[0], idx[1] = idx[1], idx[0]
	}
	for i := 0; i < n; i++ {
		ft.buckets[idx[i]].mu.Lock()
	}
	return func() {
		for i := n - 1; i >= 0; i-- {
			ft.buckets[idx[i]].mu.Unlock()
		}
	}
}

// lockAll takes every bucket, for exitPIState.
func (ft *futexTable) lockAll() func() {
	for i := range ft.buckets {
		ft.buckets[i].mu.Lock()
	}
	return func() {
		for i := len(ft.buckets) - 1; i >= 0; i-- {
			ft.buckets[i].mu.Unlock()
		}
	}
}

// queue is id's waiters; its bucket is held.
func (ft *futexTable) queue(id futexID) []*futexWaiter {
	return ft.buckets[bucketOf(id)].waiters[id]
}

// futexKey is a futex as one task names it: what identifies it, and
// where the word is in the task's address space.
type futexKey struct {
	id   futexID
	addr uint64
}

// futexID identifies a futex. A private futex (FUTEX_PRIVATE_FLAG, or a
// word in private memory) is a word of one address space: {mm, address}.
// A word in MAP_SHARED memory, which other address spaces may map at
// other addresses, is its page's place in the kernel's memory file:
// {memory file, offset}, the same for every mapper, as Linux keys shared
// futexes by inode (or shmem object) and offset.
type futexID struct {
	space any
	at    uint64
}

type futexWaiter struct {
	key futexKey // the queue it is on; requeue changes it (under both buckets)
	// bucket is key's bucket, readable without one: remove takes the
	// bucket it names and checks it did not change meanwhile.
	bucket atomic.Int32
	bitset uint32
	// woken is closed when the wait is over: a plain waiter was woken, a
	// PI waiter was handed the lock.
	woken chan struct{}

	// The rest serves PI waiters (guarded by the bucket). task and tid are the
	// waiting task and its TID, which a lock handed over is written with.
	task *Task
	tid  int
	// pi is the lock's state while the waiter is blocked on a PI futex
	// (LOCK_PI, or WAIT_REQUEUE_PI once requeued).
	pi *futexPI
	// requeuePI: the waiter is in WAIT_REQUEUE_PI and still on its first
	// futex; target is the PI futex it may only be requeued to.
	requeuePI bool
	target    futexKey
}

// futex operations (linux/futex.h).
const (
	futexWait          = 0
	futexWake          = 1
	futexRequeue       = 3
	futexCmpRequeue    = 4
	futexWakeOp        = 5
	futexLockPI        = 6
	futexUnlockPI      = 7
	futexTrylockPI     = 8
	futexWaitBitset    = 9
	futexWakeBitset    = 10
	futexWaitRequeuePI = 11
	futexCmpRequeuePI  = 12
	futexLockPI2       = 13
	futexPrivateFlag   = 128
	futexClockRealtme  = 256
	futexCmdMask       = 0x7f
	futexBitsetAny     = ^uint32(0)
)

// errFutexRetry: the futex word changed between a PI operation's look at
// it and its update; the operation starts over. Never seen by the app.
var errFutexRetry = errors.New("futex word changed, retry")

func sysFutex(t *Task, a [6]uint64) (uint64, error) {
	addr, op, val := a[0], int(a[1]), uint32(a[2])
	cmd := op & futexCmdMask
	// In Linux's order: the timeout is read first, then the op checked.
	var deadline time.Time
	switch cmd {
	case futexWait, futexWaitBitset, futexWaitRequeuePI, futexLockPI, futexLockPI2:
		if a[3] == 0 {
			break
		}
		// FUTEX_WAIT's timeout is relative; the others' absolute, on
		// CLOCK_REALTIME for LOCK_PI, else on CLOCK_MONOTONIC unless
		// FUTEX_CLOCK_REALTIME says otherwise.
		clk := int32(-1)
		switch {
		case cmd == futexWait:
		case cmd == futexLockPI || op&futexClockRealtme != 0:
			clk = clockRealtime
		default:
			clk = clockMonotonic
		}
		var err error
		if deadline, err = t.futexDeadline(a[3], clk); err != nil {
			return 0, err
		}
	}
	if op&futexClockRealtme != 0 {
		switch cmd {
		case futexWait, futexWaitBitset, futexWaitRequeuePI, futexLockPI2:
		default:
			return 0, unix.ENOSYS
		}
	}
	if addr%4 != 0 {
		return 0, unix.EINVAL
	}
	private := op&futexPrivateFlag != 0
	key, err := t.futexKey(addr, private)
	if err != nil {
		return 0, err
	}
	// The second word's key, for the operations that have one.
	key2 := func() (futexKey, error) { return t.futexKey(a[4], private) }
	switch cmd {
	case futexWait, futexWaitBitset:
		bitset := futexBitsetAny
		if cmd == futexWaitBitset {
			bitset = uint32(a[5])
			if bitset == 0 {
				return 0, unix.EINVAL
			}
		}
		return 0, t.futexWait(key, val, bitset, deadline)
	case futexWake, futexWakeBitset:
		bitset := futexBitsetAny
		if cmd == futexWakeBitset {
			bitset = uint32(a[5])
			if bitset == 0 {
				return 0, unix.EINVAL
			}
		}
		n, err := t.k.futexes.wake(key, int(val), bitset)
		return uint64(n), err
	case futexRequeue, futexCmpRequeue, futexCmpRequeuePI:
		nWake, nRequeue := int(int32(val)), int(int32(a[3]))
		if nWake < 0 || nRequeue < 0 {
			return 0, unix.EINVAL
		}
		pi := cmd == futexCmpRequeuePI
		if pi && (a[4] == addr || nWake != 1) {
			// Linux wakes at most the one waiter that gets the lock.
			return 0, unix.EINVAL
		}
		if a[4]%4 != 0 {
			return 0, unix.EINVAL
		}
		key2, err := key2()
		if err != nil {
			return 0, err
		}
		var cmp *uint32
		if cmd != futexRequeue {
			v := uint32(a[5])
			cmp = &v
		}
		n, err := t.futexRequeue(key, key2, nWake, nRequeue, cmp, pi)
		return uint64(n), err
	case futexWakeOp:
		if a[4]%4 != 0 {
			return 0, unix.EINVAL
		}
		key2, err := key2()
		if err != nil {
			return 0, err
		}
		n, err := t.futexWakeOp(key, key2, int(val), int(uint32(a[3])), uint32(a[5]))
		return uint64(n), err
	case futexLockPI, futexLockPI2:
		return 0, t.futexLockPI(key, deadline, false)
	case futexTrylockPI:
		return 0, t.futexLockPI(key, time.Time{}, true)
	case futexUnlockPI:
		return 0, t.futexUnlockPI(key)
	case futexWaitRequeuePI:
		if a[4] == addr || a[4]%4 != 0 {
			return 0, unix.EINVAL
		}
		key2, err := key2()
		if err != nil {
			return 0, err
		}
		return 0, t.futexWaitRequeuePI(key, key2, val, deadline)
	}
	return 0, unix.ENOSYS
}

// futexKey names the futex at addr: private to the address space with
// FUTEX_PRIVATE_FLAG (the memory is not even looked at, as in Linux),
// else keyed by the memory itself when it is shared (EFAULT if addr is
// not mapped).
func (t *Task) futexKey(addr uint64, private bool) (futexKey, error) {
	mm := t.tg.mm
	if !private {
		off, shared, err := mm.SharedKey(addr)
		if err != nil {
			return futexKey{}, err
		}
		if shared {
			return futexKey{futexID{t.k.mf, uint64(off)}, addr}, nil
		}
	}
	return futexKey{futexID{mm, addr}, addr}, nil
}

// futexDeadline reads a futex timeout: relative when clk is -1, else an
// absolute time on clock clk.
func (t *Task) futexDeadline(addr uint64, clk int32) (time.Time, error) {
	ts, err := t.readTimespec(addr)
	if err != nil {
		return time.Time{}, err
	}
	d := time.Duration(ts.Sec)*time.Second + time.Duration(ts.Nsec)
	if clk >= 0 {
		var now unix.Timespec
		_ = unix.ClockGettime(clk, &now)
		d -= time.Duration(now.Sec)*time.Second + time.Duration(now.Nsec)
	}
	return time.Now().Add(d), nil
}

// futexWait queues the task on key if the word there still holds val and
// waits for a wake, the deadline (ETIMEDOUT) or a signal. An interrupted
// wait without a deadline is restarted per SA_RESTART; with one it is
// restarted by restart_syscall keeping the same absolute deadline, as
// Linux does.
func (t *Task) futexWait(key futexKey, val, bitset uint32, deadline time.Time) error {
	ft := &t.k.futexes
	w := &futexWaiter{key: key, bitset: bitset, woken: make(chan struct{})}
	unlock := ft.lock(key.id)
	cur, err := t.tg.mm.LoadU32(key.addr)
	if err != nil {
		unlock()
		return err
	}
	if cur != val {
		unlock()
		return unix.EAGAIN
	}
	ft.enqueue(w)
	unlock()
	err = t.waitFor(w.woken, deadline)
	if err == nil || !ft.remove(w) {
		return nil // woken (perhaps just as the wait ended otherwise)
	}
	if err != unix.EINTR {
		return err
	}
	if deadline.IsZero() {
		return errRestartSys
	}
	return t.restartWith(func(t *Task) (uint64, error) {
		return 0, t.futexWait(key, val, bitset, deadline)
	})
}

// enqueue adds w to the queue of w.key, whose bucket is held.
func (ft *futexTable) enqueue(w *futexWaiter) {
	w.bucket.Store(bucketOf(w.key.id))
	b := &ft.buckets[bucketOf(w.key.id)]
	if b.waiters == nil {
		b.waiters = map[futexID][]*futexWaiter{}
	}
	b.waiters[w.key.id] = append(b.waiters[w.key.id], w)
}

// lockWaiter takes the bucket of the queue w is on, which a requeue may
// change until it is held.
func (ft *futexTable) lockWaiter(w *futexWaiter) func() {
	for {
		i := w.bucket.Load()
		ft.buckets[i].mu.Lock()
		if w.bucket.Load() == i {
			return ft.buckets[i].mu.Unlock
		}
		ft.buckets[i].mu.Unlock()
	}
}

// remove takes w off its queue and reports whether it was still there
// (false: a waker got to it first).
func (ft *futexTable) remove(w *futexWaiter) bool {
	unlock := ft.lockWaiter(w)
	defer unlock()
	return ft.removeLocked(w)
}

// removeLocked is remove with w's bucket held.
func (ft *futexTable) removeLocked(w *futexWaiter) bool {
	b := &ft.buckets[bucketOf(w.key.id)]
	q := b.waiters[w.key.id]
	for i, x := range q {
		if x == w {
			b.waiters[w.key.id] = append(q[:i:i], q[i+1:]...)
			if len(b.waiters[w.key.id]) == 0 {
				delete(b.waiters, w.key.id)
			}
			return true
		}
	}
	return false
}

func (ft *futexTable) wake(key futexKey, n int, bitset uint32) (int, error) {
	unlock := ft.lock(key.id)
	defer unlock()
	return ft.wakeLocked(key, n, bitset)
}

// wakeLocked wakes up to n waiters of key whose bitset meets bitset. A PI
// waiter met on the way is EINVAL, as in Linux: only an unlock may end
// its wait (those woken before it stay woken).
func (ft *futexTable) wakeLocked(key futexKey, n int, bitset uint32) (int, error) {
	q := ft.queue(key.id)
	woken := 0
	var err error
	rest := q[:0]
	for _, w := range q {
		if err == nil && woken < n {
			if w.pi != nil || w.requeuePI {
				err = unix.EINVAL
			} else if w.bitset&bitset != 0 {
				close(w.woken)
				woken++
				continue
			}
		}
		rest = append(rest, w)
	}
	ft.setQueue(key, q, rest)
	return woken, err
}

// setQueue stores rest, which reuses q's array, as key's queue.
func (ft *futexTable) setQueue(key futexKey, q, rest []*futexWaiter) {
	clear(q[len(rest):])
	b := &ft.buckets[bucketOf(key.id)]
	if len(rest) == 0 {
		delete(b.waiters, key.id)
	} else {
		b.waiters[key.id] = rest
	}
}

// futexRequeue wakes up to nWake waiters of key and moves up to nRequeue
// of the rest to key2. With cmp, the word at key must hold *cmp (EAGAIN).
// It returns the number woken plus the number requeued (Linux counts the
// requeued too, for every variant; the man page says otherwise for
// REQUEUE).
//
// With pi (CMP_REQUEUE_PI; nWake is 1) the waiters must be in
// WAIT_REQUEUE_PI for key2: the first is handed the PI lock at key2 if it
// is free, the others (one more if it was not) become its waiters.
func (t *Task) futexRequeue(key, key2 futexKey, nWake, nRequeue int, cmp *uint32, pi bool) (int, error) {
	ft := &t.k.futexes
	for {
		var snap piSnapshot
		if pi {
			var err error
			if snap, err = t.piSnapshot(key2.addr); err != nil {
				return 0, err
			}
		}
		unlock := ft.lock(key.id, key2.id)
		n, err := t.futexRequeueLocked(key, key2, nWake, nRequeue, cmp, pi, snap)
		unlock()
		if err != errFutexRetry {
			return n, err
		}
	}
}

func (t *Task) futexRequeueLocked(key, key2 futexKey, nWake, nRequeue int, cmp *uint32, pi bool, snap piSnapshot) (int, error) {
	ft := &t.k.futexes
	if cmp != nil {
		cur, err := t.tg.mm.LoadU32(key.addr)
		if err != nil {
			return 0, err
		}
		if cur != *cmp {
			return 0, unix.EAGAIN
		}
	}
	count := 0
	var state *futexPI
	if pi {
		acquired, st, err := ft.proxyTrylockPI(t, key, key2, snap, nRequeue > 0)
		if err != nil {
			return 0, err
		}
		if acquired {
			count++
		}
		state = st
	}
	q := ft.queue(key.id)
	rest := q[:0]
	var moved []*futexWaiter
	var err error
	for _, w := range q {
		if err != nil || count-nWake >= nRequeue {
			rest = append(rest, w)
			continue
		}
		if w.requeuePI != pi || w.pi != nil {
			// REQUEUE_PI pairs only with WAIT_REQUEUE_PI, and a
			// waiter blocked on a PI lock is the unlock's to wake.
			err = unix.EINVAL
			rest = append(rest, w)
			continue
		}
		if !pi {
			count++
			switch {
			case count <= nWake:
				close(w.woken)
			case key.id == key2.id:
				rest = append(rest, w) // requeued onto its own queue
			default:
				w.key = key2
				w.bucket.Store(bucketOf(key2.id))
				moved = append(moved, w)
			}
			continue
		}
		if w.target.id != key2.id {
			err = unix.EINVAL
			rest = append(rest, w)
			continue
		}
		if state.owner == w.task {
			// The deadlock rt_mutex_start_proxy_lock detects: the
			// waiter would wait for itself. It stays where it is.
			err = unix.EDEADLK
			rest = append(rest, w)
			continue
		}
		w.requeuePI = false
		w.pi = state
		w.key = key2
		w.bucket.Store(bucketOf(key2.id))
		moved = append(moved, w)
		count++
	}
	ft.setQueue(key, q, rest)
	if len(moved) > 0 {
		b := &ft.buckets[bucketOf(key2.id)]
		if b.waiters == nil {
			b.waiters = map[futexID][]*futexWaiter{}
		}
		b.waiters[key2.id] = append(b.waiters[key2.id], moved...)
	}
	if err != nil {
		return 0, err
	}
	return count, nil
}

// futexWakeOp applies the encoded operation to the word at key2, wakes up
// to nWake waiters of key and, if the word's old value passes the encoded
// comparison, up to nWake2 waiters of key2.
func (t *Task) futexWakeOp(key, key2 futexKey, nWake, nWake2 int, enc uint32) (int, error) {
	op, cmp := (enc>>28)&0xf, (enc>>24)&0xf
	oparg := signExtend12(enc >> 12)
	cmparg := signExtend12(enc)
	if op&8 != 0 { // FUTEX_OP_OPARG_SHIFT
		if oparg < 0 || oparg > 31 {
			return 0, unix.EINVAL
		}
		oparg = 1 << oparg
		op &^= 8
	}
	if op > 4 || cmp > 5 {
		return 0, unix.ENOSYS
	}
	ft := &t.k.futexes
	unlock := ft.lock(key.id, key2.id)
	defer unlock()
	var old uint32
	for {
		cur, err := t.tg.mm.LoadU32(key2.addr)
		if err != nil {
			return 0, err
		}
		var nv uint32
		switch op {
		case 0:
			nv = uint32(oparg)
		case 1:
			nv = cur + uint32(oparg)
		case 2:
			nv = cur | uint32(oparg)
		case 3:
			nv = cur &^ uint32(oparg)
		case 4:
			nv = cur ^ uint32(oparg)
		}
		prev, err := t.tg.mm.CompareAndSwapU32(key2.addr, cur, nv)
		if err != nil {
			return 0, err
		}
		if prev == cur {
			old = cur
			break
		}
	}
	woken, err := ft.wakeLocked(key, nWake, futexBitsetAny)
	if err != nil {
		return 0, err
	}
	o := int32(old)
	var pass bool
	switch cmp {
	case 0:
		pass = o == cmparg
	case 1:
		pass = o != cmparg
	case 2:
		pass = o < cmparg
	case 3:
		pass = o <= cmparg
	case 4:
		pass = o > cmparg
	case 5:
		pass = o >= cmparg
	}
	if pass {
		n, err := ft.wakeLocked(key2, nWake2, futexBitsetAny)
		if err != nil {
			return 0, err
		}
		woken += n
	}
	return woken, nil
}

func signExtend12(v uint32) int32 { return int32(v<<20) >> 20 }
