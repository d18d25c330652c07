package kernel

import (
	"time"

	"golang.org/x/sys/unix"
	"sync"
)

// futexTable queues waiters by (address space, address). Every futex
// operation on one table holds mu while it checks words and moves waiters,
// so a WAIT that saw the expected value cannot miss the WAKE that follows
// the application's change of it.
//
// Shared and private futexes are keyed alike: without shared memory
// between address spaces the distinction changes nothing. PI futexes are
// not implemented (ENOSYS).
type futexTable struct {
	mu      sync.Mutex
	waiters map[futexKey][]*futexWaiter
}

type futexKey struct {
	mm   any
	addr uint64
}

type futexWaiter struct {
	key    futexKey // the queue it is on; requeue changes it (under mu)
	bitset uint32
	woken  chan struct{}
}

// futex operations (linux/futex.h).
const (
	futexWait         = 0
	futexWake         = 1
	futexRequeue      = 3
	futexCmpRequeue   = 4
	futexWakeOp       = 5
	futexWaitBitset   = 9
	futexWakeBitset   = 10
	futexPrivateFlag  = 128
	futexClockRealtme = 256
	futexCmdMask      = 0x7f
	futexBitsetAny    = ^uint32(0)
)

func sysFutex(t *Task, a [6]uint64) (uint64, error) {
	addr, op, val := a[0], int(a[1]), uint32(a[2])
	if addr%4 != 0 {
		return 0, unix.EINVAL
	}
	cmd := op & futexCmdMask
	if op&futexClockRealtme != 0 && cmd != futexWait && cmd != futexWaitBitset {
		return 0, unix.ENOSYS
	}
	key := futexKey{t.tg.mm, addr}
	switch cmd {
	case futexWait, futexWaitBitset:
		bitset := futexBitsetAny
		if cmd == futexWaitBitset {
			bitset = uint32(a[5])
			if bitset == 0 {
				return 0, unix.EINVAL
			}
		}
		var deadline time.Time
		if a[3] != 0 {
			ts, err := t.readTimespec(a[3])
			if err != nil {
				return 0, err
			}
			d := time.Duration(ts.Sec)*time.Second + time.Duration(ts.Nsec)
			if cmd == futexWaitBitset {
				// An absolute time on CLOCK_MONOTONIC, or REALTIME
				// with the flag.
				clk := int32(clockMonotonic)
				if op&futexClockRealtme != 0 {
					clk = clockRealtime
				}
				var now unix.Timespec
				_ = unix.ClockGettime(clk, &now)
				d -= time.Duration(now.Sec)*time.Second + time.Duration(now.Nsec)
			}
			deadline = time.Now().Add(d)
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
		return uint64(t.k.futexes.wake(key, int(val), bitset)), nil
	case futexRequeue, futexCmpRequeue:
		if int32(val) < 0 || int32(a[3]) < 0 || a[4]%4 != 0 {
			return 0, unix.EINVAL
		}
		key2 := futexKey{t.tg.mm, a[4]}
		var cmp *uint32
		if cmd == futexCmpRequeue {
			v := uint32(a[5])
			cmp = &v
		}
		n, err := t.futexRequeue(key, key2, int(val), int(a[3]), cmp)
		return uint64(n), err
	case futexWakeOp:
		if a[4]%4 != 0 {
			return 0, unix.EINVAL
		}
		n, err := t.futexWakeOp(key, futexKey{t.tg.mm, a[4]}, int(val), int(uint32(a[3])), uint32(a[5]))
		return uint64(n), err
	}
	return 0, unix.ENOSYS
}

// futexWait queues the task on key if the word there still holds val and
// waits for a wake, the deadline (ETIMEDOUT) or a signal. An interrupted
// wait without a deadline is restarted per SA_RESTART; with one it is
// restarted by restart_syscall keeping the same absolute deadline, as
// Linux does.
func (t *Task) futexWait(key futexKey, val, bitset uint32, deadline time.Time) error {
	ft := &t.k.futexes
	w := &futexWaiter{key: key, bitset: bitset, woken: make(chan struct{})}
	ft.mu.Lock()
	cur, err := t.tg.mm.LoadU32(key.addr)
	if err != nil {
		ft.mu.Unlock()
		return err
	}
	if cur != val {
		ft.mu.Unlock()
		return unix.EAGAIN
	}
	ft.enqueue(w)
	ft.mu.Unlock()
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

func (ft *futexTable) enqueue(w *futexWaiter) {
	if ft.waiters == nil {
		ft.waiters = map[futexKey][]*futexWaiter{}
	}
	ft.waiters[w.key] = append(ft.waiters[w.key], w)
}

// remove takes w off its queue and reports whether it was still there
// (false: a waker got to it first).
func (ft *futexTable) remove(w *futexWaiter) bool {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	q := ft.waiters[w.key]
	for i, x := range q {
		if x == w {
			ft.waiters[w.key] = append(q[:i:i], q[i+1:]...)
			if len(ft.waiters[w.key]) == 0 {
				delete(ft.waiters, w.key)
			}
			return true
		}
	}
	return false
}

func (ft *futexTable) wake(key futexKey, n int, bitset uint32) int {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.wakeLocked(key, n, bitset)
}

// wakeLocked wakes up to n waiters of key whose bitset meets bitset.
func (ft *futexTable) wakeLocked(key futexKey, n int, bitset uint32) int {
	q := ft.waiters[key]
	woken := 0
	rest := q[:0]
	for _, w := range q {
		if woken < n && w.bitset&bitset != 0 {
			close(w.woken)
			woken++
			continue
		}
		rest = append(rest, w)
	}
	clear(q[len(rest):])
	if len(rest) == 0 {
		delete(ft.waiters, key)
	} else {
		ft.waiters[key] = rest
	}
	return woken
}

// futexRequeue wakes up to nWake waiters of key and moves up to nRequeue of
// the rest to key2. With cmp, the word at key must hold *cmp (EAGAIN). It
// returns the number woken plus the number requeued.
func (t *Task) futexRequeue(key, key2 futexKey, nWake, nRequeue int, cmp *uint32) (int, error) {
	ft := &t.k.futexes
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if cmp != nil {
		cur, err := t.tg.mm.LoadU32(key.addr)
		if err != nil {
			return 0, err
		}
		if cur != *cmp {
			return 0, unix.EAGAIN
		}
	}
	woken := ft.wakeLocked(key, nWake, futexBitsetAny)
	if key == key2 {
		return woken, nil
	}
	q := ft.waiters[key]
	moved := min(nRequeue, len(q))
	for _, w := range q[:moved] {
		w.key = key2
		ft.waiters[key2] = append(ft.waiters[key2], w)
	}
	if moved == len(q) {
		delete(ft.waiters, key)
	} else {
		ft.waiters[key] = append(q[:0:0], q[moved:]...)
	}
	// Linux counts the requeued waiters too, for both operations (the
	// man page says otherwise for REQUEUE).
	return woken + moved, nil
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
	ft.mu.Lock()
	defer ft.mu.Unlock()
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
	woken := ft.wakeLocked(key, nWake, futexBitsetAny)
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
		woken += ft.wakeLocked(key2, nWake2, futexBitsetAny)
	}
	return woken, nil
}

func signExtend12(v uint32) int32 { return int32(v<<20) >> 20 }
