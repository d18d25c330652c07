package kernel

import (
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/vm"
)

// Priority-inheritance futexes, after Linux's kernel/futex/pi.c and
// requeue.c. The word is the lock: 0 when free, else the owner's TID,
// with FUTEX_WAITERS set while the kernel holds waiters (the owner must
// then unlock through the kernel) and FUTEX_OWNER_DIED once an owner died
// holding it. The kernel hands the lock from owner to waiter itself,
// writing the new owner's TID into the word, so a woken waiter owns the
// lock on return and never races for it. The sentry has no real-time
// scheduling, so waiters are served first come, first served and no
// priority is boosted; the word protocol and every errno are Linux's.

// futexPI is a PI lock's kernel state (Linux's pi_state): it exists while
// the lock has waiters, each of which points at it. Guarded by the
// futex's bucket of the futexTable.
type futexPI struct {
	owner *Task
	// tid is the owner's TID as the word names it.
	tid int
	// mm is the address space the word lives in, for a dying owner's
	// handover.
	mm *vm.MM
}

// piSnapshot is a PI word and the task its TID named when it was read
// (nil: none), taken before the futex's bucket because the TID table's
// lock comes first.
type piSnapshot struct {
	val   uint32
	owner *Task
}

func (t *Task) piSnapshot(addr uint64) (piSnapshot, error) {
	v, err := t.tg.mm.LoadU32(addr)
	if err != nil {
		return piSnapshot{}, err
	}
	s := piSnapshot{val: v}
	switch tid := int(v & futexTIDMask); tid {
	case 0:
	case t.tid:
		s.owner = t
	default:
		s.owner = t.k.taskByTID(tid)
	}
	return s, nil
}

// topWaiter is the first waiter of key, whose PI state, if any, is the
// lock's.
func (ft *futexTable) topWaiter(key futexKey) *futexWaiter {
	if q := ft.queue(key.id); len(q) > 0 {
		return q[0]
	}
	return nil
}

// lockPIAtomic tries to take the PI lock at key for task (tid) with
// key's bucket held (Linux's futex_lock_pi_atomic). It reports whether the lock was
// taken; if not, it returns the state to wait on, having made sure the
// word has FUTEX_WAITERS. setWaiters takes a free lock with FUTEX_WAITERS
// set and a state owned by task, for waiters about to be requeued to it.
// errFutexRetry: the word is no longer snap's.
func (ft *futexTable) lockPIAtomic(mm *vm.MM, key futexKey, snap piSnapshot, task *Task, tid int, setWaiters bool) (bool, *futexPI, error) {
	cur, err := mm.LoadU32(key.addr)
	if err != nil {
		return false, nil, err
	}
	if cur != snap.val {
		return false, nil, errFutexRetry
	}
	if int(cur&futexTIDMask) == tid {
		return false, nil, unix.EDEADLK
	}
	if top := ft.topWaiter(key); top != nil {
		pi, err := attachPIState(cur, top.pi)
		return false, pi, err
	}
	if cur&futexTIDMask == 0 {
		// Free (the kernel got here for the WAITERS or OWNER_DIED bit):
		// take it, keeping OWNER_DIED for the new owner to see.
		nv := cur&futexOwnerDied | uint32(tid)
		if setWaiters {
			nv |= futexWaiters
		}
		if prev, err := mm.CompareAndSwapU32(key.addr, cur, nv); err != nil || prev != cur {
			return false, nil, casErr(err)
		}
		var pi *futexPI
		if setWaiters {
			pi = &futexPI{owner: task, tid: tid, mm: mm}
		}
		return true, pi, nil
	}
	// The first waiter: FUTEX_WAITERS sends the owner's unlock into the
	// kernel, where it waits for the bucket. Linux leaves the bit set even
	// when the owner then turns out not to exist.
	nv := cur | futexWaiters
	if prev, err := mm.CompareAndSwapU32(key.addr, cur, nv); err != nil || prev != cur {
		return false, nil, casErr(err)
	}
	if o := snap.owner; o == nil || o.futexExited {
		// An owner that exited without its robust list releasing the
		// word (or a made-up TID), unless the word changed since.
		if v, err := mm.LoadU32(key.addr); err != nil || v != nv {
			return false, nil, casErr(err)
		}
		return false, nil, unix.ESRCH
	}
	return false, &futexPI{owner: snap.owner, tid: int(cur & futexTIDMask), mm: mm}, nil
}

// casErr is the error of a failed compare-and-swap on a PI word: the
// fault, or a retry when the word just changed.
func casErr(err error) error {
	if err != nil {
		return err
	}
	return errFutexRetry
}

// attachPIState checks the word against the lock's existing state before
// a new waiter joins it (Linux's attach_to_pi_state): a word that
// disagrees with the state was changed by the application, EINVAL.
func attachPIState(cur uint32, pi *futexPI) (*futexPI, error) {
	if pi == nil {
		return nil, unix.EINVAL // a plain waiter on a PI word
	}
	tid := int(cur & futexTIDMask)
	if cur&futexOwnerDied != 0 {
		if pi.owner == nil {
			if tid != 0 {
				return nil, unix.EINVAL
			}
			return pi, nil
		}
		if tid == 0 {
			return pi, nil
		}
	} else if pi.owner == nil {
		return nil, unix.EINVAL
	}
	if tid != pi.tid {
		return nil, unix.EINVAL
	}
	return pi, nil
}

// futexLockPI serves LOCK_PI, LOCK_PI2 and TRYLOCK_PI (try: never wait,
// EAGAIN if the lock is taken). A signal restarts the call: Linux never
// lets LOCK_PI fail with EINTR.
func (t *Task) futexLockPI(key futexKey, deadline time.Time, try bool) error {
	ft := &t.k.futexes
	for {
		snap, err := t.piSnapshot(key.addr)
		if err != nil {
			return err
		}
		unlock := ft.lock(key.id)
		acquired, pi, err := ft.lockPIAtomic(t.tg.mm, key, snap, t, t.tid, false)
		if err == errFutexRetry {
			unlock()
			continue
		}
		if err != nil || acquired {
			unlock()
			return err
		}
		if try {
			unlock()
			return unix.EAGAIN
		}
		w := &futexWaiter{key: key, woken: make(chan struct{}), task: t, tid: t.tid, pi: pi}
		ft.enqueue(w)
		unlock()
		err = t.waitFor(w.woken, deadline)
		if err == nil || !ft.remove(w) {
			return nil // handed the lock (perhaps as the wait ended)
		}
		if err == unix.EINTR {
			return errRestartNoIntr
		}
		return err
	}
}

// futexUnlockPI releases a PI lock the task owns: straight to the first
// waiter if there is one, else to 0.
func (t *Task) futexUnlockPI(key futexKey) error {
	ft := &t.k.futexes
	mm := t.tg.mm
	for {
		cur, err := mm.LoadU32(key.addr)
		if err != nil {
			return err
		}
		if int(cur&futexTIDMask) != t.tid {
			return unix.EPERM
		}
		unlock := ft.lock(key.id)
		err = ft.unlockPILocked(mm, key, cur, t)
		unlock()
		if err != errFutexRetry {
			return err
		}
	}
}

func (ft *futexTable) unlockPILocked(mm *vm.MM, key futexKey, cur uint32, t *Task) error {
	top := ft.topWaiter(key)
	if top == nil {
		// No waiters: free the word, OWNER_DIED and all. If the
		// application changed it meanwhile, it sorts that out.
		prev, err := mm.CompareAndSwapU32(key.addr, cur, 0)
		if err != nil {
			return err
		}
		if prev != cur {
			return unix.EAGAIN
		}
		return nil
	}
	if top.pi == nil || top.pi.owner != t {
		return unix.EINVAL // the word says t owns it, the state does not
	}
	// The word keeps FUTEX_WAITERS while the state may have waiters
	// left; OWNER_DIED goes, the owner having dealt with it.
	nv := futexWaiters | uint32(top.tid)
	prev, err := mm.CompareAndSwapU32(key.addr, cur, nv)
	if err != nil {
		return err
	}
	if prev != cur {
		if prev&futexTIDMask == cur {
			return errFutexRetry // a waiter set FUTEX_WAITERS meanwhile
		}
		return unix.EINVAL
	}
	ft.handOverPI(top)
	return nil
}

// handOverPI makes w, whose word already names it, the lock's owner and
// ends its wait.
func (ft *futexTable) handOverPI(w *futexWaiter) {
	ft.removeLocked(w)
	w.pi.owner, w.pi.tid = w.task, w.tid
	close(w.woken)
}

// futexWaitRequeuePI waits on the plain futex key (while its word holds
// val) to be requeued by CMP_REQUEUE_PI to the PI futex key2 and then
// handed that lock; it returns owning it. Interrupted before the requeue
// the call restarts; after it, it fails with EAGAIN, as Linux's does.
func (t *Task) futexWaitRequeuePI(key, key2 futexKey, val uint32, deadline time.Time) error {
	ft := &t.k.futexes
	w := &futexWaiter{key: key, bitset: futexBitsetAny, woken: make(chan struct{}),
		task: t, tid: t.tid, requeuePI: true, target: key2}
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
	if err == nil {
		return nil
	}
	unlock = ft.lockWaiter(w)
	queued := ft.removeLocked(w)
	requeued := w.pi != nil
	unlock()
	switch {
	case !queued:
		return nil // handed the lock as the wait ended
	case err != unix.EINTR:
		return err
	case requeued:
		return unix.EAGAIN
	}
	return errRestartNoIntr
}

// proxyTrylockPI tries to take the PI lock at key2 for the first waiter
// of key, which must be in WAIT_REQUEUE_PI for key2, and wakes it if it
// got it (Linux's futex_proxy_trylock_atomic). It returns the state the
// rest are to wait on (nil when there are none to requeue).
func (ft *futexTable) proxyTrylockPI(t *Task, key, key2 futexKey, snap piSnapshot, setWaiters bool) (bool, *futexPI, error) {
	top := ft.topWaiter(key)
	if top == nil {
		return false, nil, nil
	}
	if !top.requeuePI || top.pi != nil || top.target.id != key2.id {
		return false, nil, unix.EINVAL
	}
	acquired, pi, err := ft.lockPIAtomic(t.tg.mm, key2, snap, top.task, top.tid, setWaiters)
	if err != nil {
		return false, nil, err
	}
	if acquired {
		ft.removeLocked(top)
		top.requeuePI = false
		close(top.woken)
	}
	return acquired, pi, nil
}

// exitPIState hands every PI lock t owns that has waiters to its first
// waiter with FUTEX_OWNER_DIED set (Linux's exit_pi_state_list and the
// new owner's fixup_pi_state_owner). exiting marks t gone for good (not
// so for execve): a later locker then finds its TID dead.
func (t *Task) exitPIState(exiting bool) {
	ft := &t.k.futexes
	unlock := ft.lockAll()
	defer unlock()
	if exiting {
		t.futexExited = true
	}
	var owned []*futexWaiter // the first waiter of each lock t owns
	seen := map[*futexPI]bool{}
	for i := range ft.buckets {
		for _, q := range ft.buckets[i].waiters {
			for _, w := range q {
				if w.pi != nil && w.pi.owner == t && !seen[w.pi] {
					seen[w.pi] = true
					owned = append(owned, w)
				}
			}
		}
	}
	for _, w := range owned {
		// The word as the waiter names it: in shared memory another
		// process's address space may map it elsewhere.
		mm, addr := w.pi.mm, w.key.addr
		if w.task != nil {
			mm = w.task.tg.mm
		}
		w.pi.owner = nil
		for {
			cur, err := mm.LoadU32(addr)
			if err != nil {
				break // the waiter still gets the lock, as in Linux
			}
			// OWNER_DIED whether or not a robust list set it: the
			// new owner learns the old one died holding the lock.
			nv := futexOwnerDied | futexWaiters | uint32(w.tid)
			if prev, err := mm.CompareAndSwapU32(addr, cur, nv); err != nil || prev == cur {
				break
			}
		}
		ft.handOverPI(w)
	}
}
