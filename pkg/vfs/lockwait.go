package vfs

import "sync"

// Deadlock detection for blocking POSIX record locks (F_SETLKW), as Linux
// does it in fs/locks.c (posix_locks_deadlock): a request that would
// block on a lock of owner B fails with EDEADLK when B is itself blocked
// waiting for an owner that is blocked ... waiting for the caller. Only
// process-owned locks take part: OFD locks and flock are owned by open
// file descriptions, which Linux does not follow, so neither do we.
//
// The graph spans every file (a cycle may go through several), so it is
// not a lock table's: the kernel keeps one LockWaits and hands each
// F_SETLKW a LockWaiter from it.
//
// An edge exists exactly while its waiter sleeps on a lock state that has
// not changed since it looked: a change of the object's locks wakes every
// waiter on it and removes their edges (Linux removes a waiter from its
// blocked list when it wakes it), and the waiter's retry checks the chain
// again before it adds a new edge, for the owner it now waits for.

// maxDeadlockSteps is Linux's MAX_DEADLK_ITERATIONS. Linux tests the
// counter after the first hop and before comparing, so a chain reaching
// the caller in up to maxDeadlockSteps+1 hops is found: a cycle of up to
// maxDeadlockSteps+2 owners.
const maxDeadlockSteps = 10

// LockWaits is the wait-for graph of blocked POSIX lock requests. Its
// zero value is ready to use.
type LockWaits struct {
	// mu guards byOwner and every registered waiter's blocker. It is
	// taken under lockTable.mu, so that finding a conflict, walking the
	// chain and adding the edge are one step with respect to other
	// requests and to the releases that remove edges.
	mu sync.Mutex
	// byOwner holds the registered (sleeping) waiters of each owner,
	// newest last.
	byOwner map[any][]*LockWaiter
}

// LockWaiter is one F_SETLKW call of a process: create it with Waiter
// before the first attempt and call Done when the call returns, however
// it ends (lock taken, error, signal, the process dying), which removes
// it from the graph.
type LockWaiter struct {
	g     *LockWaits
	owner any
	// blocker is the owner of the lock this waiter sleeps on; nil when
	// it is not registered. Guarded by g.mu.
	blocker any
	// lt and key say which object's waiter set holds it, to leave it
	// in Done. Written only by the waiter's own goroutine, under lt.mu.
	lt  *lockTable
	key any
}

// Waiter starts an F_SETLKW request of process pid.
func (g *LockWaits) Waiter(pid int) *LockWaiter {
	return &LockWaiter{g: g, owner: pid}
}

// Done removes w from the graph if it is still there.
func (w *LockWaiter) Done() {
	lt := w.lt
	if lt == nil {
		return
	}
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if o := lt.objs[w.key]; o != nil {
		o.unregister(w)
		lt.gc(w.key, o)
	}
}

// blockOn is called with lt.mu held when w's request conflicts with a lock
// of blocker on object o (key in lt). It reports a deadlock, or registers
// w as sleeping on blocker.
func (w *LockWaiter) blockOn(lt *lockTable, key any, o *objLocks, blocker any) (deadlock bool) {
	g := w.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.deadlockLocked(w.owner, blocker) {
		return true
	}
	if g.byOwner == nil {
		g.byOwner = map[any][]*LockWaiter{}
	}
	g.byOwner[w.owner] = append(g.byOwner[w.owner], w)
	w.blocker = blocker
	w.lt, w.key = lt, key
	if o.waiters == nil {
		o.waiters = map[*LockWaiter]struct{}{}
	}
	o.waiters[w] = struct{}{}
	return false
}

// deadlockLocked follows "blocker waits for an owner that waits for ..."
// and reports whether it comes back to caller within Linux's limit. Of
// an owner with several sleeping threads it follows the newest, as
// Linux's hash lookup finds the most recently blocked request first.
func (g *LockWaits) deadlockLocked(caller, blocker any) bool {
	for i := 0; ; i++ {
		ws := g.byOwner[blocker]
		if len(ws) == 0 {
			return false
		}
		blocker = ws[len(ws)-1].blocker
		if i > maxDeadlockSteps {
			return false
		}
		if blocker == caller {
			return true
		}
	}
}

// removeLocked drops w from byOwner; g.mu is held.
func (g *LockWaits) removeLocked(w *LockWaiter) {
	if w.blocker == nil {
		return
	}
	ws := g.byOwner[w.owner]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(g.byOwner, w.owner)
	} else {
		g.byOwner[w.owner] = ws
	}
	w.blocker = nil
}

// unregister removes w from o and from the graph; lt.mu is held.
func (o *objLocks) unregister(w *LockWaiter) {
	if _, ok := o.waiters[w]; !ok {
		return
	}
	delete(o.waiters, w)
	w.g.mu.Lock()
	w.g.removeLocked(w)
	w.g.mu.Unlock()
}
