package kernel

// What a thread leaves behind in user memory when it ends (Linux's
// exit_robust_list, exit_pi_state_list and mm_release): robust futexes
// it held are marked FUTEX_OWNER_DIED and a waiter is woken, PI locks it
// held are handed to their first waiter; the CLONE_CHILD_CLEARTID word is
// zeroed and woken, which is how pthread_join learns of the exit.

const (
	futexWaiters    = 0x80000000
	futexOwnerDied  = 0x40000000
	futexTIDMask    = 0x3fffffff
	robustListLimit = 2048 // ROBUST_LIST_LIMIT: bounds a looping list
	robustHeadSize  = 24
)

func (t *Task) releaseUserState() {
	t.releaseFutexes(true)
	if addr := t.clearChildTID; addr != 0 {
		t.clearChildTID = 0
		if t.writeU32(addr, 0) == nil {
			// A shared wake, as Linux's mm_release does.
			if key, err := t.futexKey(addr, false); err == nil {
				_, _ = t.k.futexes.wake(key, 1, futexBitsetAny)
			}
		}
	}
}

// releaseFutexes gives up the futexes the task holds, at exit and at
// execve (exiting false), in Linux's order: the robust list first, so
// that a PI lock handed over next carries FUTEX_OWNER_DIED.
func (t *Task) releaseFutexes(exiting bool) {
	t.exitRobustList()
	t.exitPIState(exiting)
}

// exitRobustList walks the robust list: head { next, futex_offset,
// list_op_pending }. Bit 0 of a pointer to an entry flags a PI futex.
// Every error just ends the walk, as in Linux.
func (t *Task) exitRobustList() {
	head := t.robustList
	if head == 0 {
		return
	}
	t.robustList = 0
	next, err := t.readU64(head)
	if err != nil {
		return
	}
	off, err := t.readU64(head + 8)
	if err != nil {
		return
	}
	pending, err := t.readU64(head + 16)
	if err != nil {
		return
	}
	for i := 0; next&^1 != head && i < robustListLimit; i++ {
		entry, pi := next&^1, next&1 != 0
		// The next pointer is read first: releasing the entry may let
		// another thread reuse its memory.
		nn, nerr := t.readU64(entry)
		if entry != pending&^1 {
			t.robustRelease(entry+off, pi, false)
		}
		if nerr != nil {
			return
		}
		next = nn
	}
	if pending != 0 {
		t.robustRelease((pending&^1)+off, pending&1 != 0, true)
	}
}

// robustRelease marks one futex word owned by the dying thread (Linux's
// handle_futex_death). A PI word's waiter is given the lock afterwards
// by exitPIState, not woken here.
func (t *Task) robustRelease(addr uint64, pi, pendingOp bool) {
	if addr%4 != 0 {
		return
	}
	key, err := t.futexKey(addr, false)
	if err != nil {
		return
	}
	for {
		v, err := t.tg.mm.LoadU32(addr)
		if err != nil {
			return
		}
		if pendingOp && !pi && v&futexTIDMask == 0 {
			// Killed between releasing the word and waking its
			// waiters, or a woken waiter killed before taking it:
			// wake one, leaving the consistent free word alone.
			_, _ = t.k.futexes.wake(key, 1, futexBitsetAny)
			return
		}
		if v&futexTIDMask != uint32(t.tid) {
			return
		}
		nv := v&futexWaiters | futexOwnerDied
		prev, err := t.tg.mm.CompareAndSwapU32(addr, v, nv)
		if err != nil {
			return
		}
		if prev == v {
			if !pi && v&futexWaiters != 0 {
				_, _ = t.k.futexes.wake(key, 1, futexBitsetAny)
			}
			return
		}
	}
}

// groupByPID finds a live process by its id.
func (k *Kernel) groupByPID(pid int) *ThreadGroup {
	k.mu.Lock()
	defer k.mu.Unlock()
	if t := k.tasks[pid]; t != nil && t.tg.pid == pid {
		return t.tg
	}
	// The leader may have exited while other threads live on.
	for _, t := range k.tasks {
		if t.tg.pid == pid {
			return t.tg
		}
	}
	return nil
}

// allGroups lists the live processes.
func (k *Kernel) allGroups() []*ThreadGroup {
	k.mu.Lock()
	defer k.mu.Unlock()
	seen := map[*ThreadGroup]bool{}
	var out []*ThreadGroup
	for _, t := range k.tasks {
		if !seen[t.tg] {
			seen[t.tg] = true
			out = append(out, t.tg)
		}
	}
	return out
}

func (k *Kernel) taskByTID(tid int) *Task {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.tasks[tid]
}
