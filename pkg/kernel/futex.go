package kernel

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// futexTable queues waiters by (address space, address). This first cut
// serves WAIT, WAKE and their BITSET forms; requeue and WAKE_OP arrive with
// the threads issue and return ENOSYS until then.
type futexTable struct {
	mu      sync.Mutex
	waiters map[futexKey][]*futexWaiter
}

type futexKey struct {
	mm   any
	addr uint64
}

type futexWaiter struct {
	bitset uint32
	woken  chan struct{}
}

const (
	futexWait         = 0
	futexWake         = 1
	futexWaitBitset   = 9
	futexWakeBitset   = 10
	futexPrivateFlag  = 128
	futexClockRealtme = 256
	futexCmdMask      = 0x7f
)

func sysFutex(t *Task, a [6]uint64) (uint64, error) {
	addr, op, val := a[0], int(a[1]), uint32(a[2])
	if addr%4 != 0 {
		return 0, unix.EINVAL
	}
	ft := &t.k.futexes
	key := futexKey{t.tg.mm, addr}
	switch op & futexCmdMask {
	case futexWait, futexWaitBitset:
		bitset := ^uint32(0)
		if op&futexCmdMask == futexWaitBitset {
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
			if op&futexCmdMask == futexWaitBitset {
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
		w := &futexWaiter{bitset: bitset, woken: make(chan struct{})}
		ft.mu.Lock()
		cur, err := t.readU32(addr)
		if err != nil {
			ft.mu.Unlock()
			return 0, err
		}
		if cur != val {
			ft.mu.Unlock()
			return 0, unix.EAGAIN
		}
		if ft.waiters == nil {
			ft.waiters = map[futexKey][]*futexWaiter{}
		}
		ft.waiters[key] = append(ft.waiters[key], w)
		ft.mu.Unlock()
		switch err := t.waitFor(w.woken, deadline); err {
		case nil:
			return 0, nil
		default:
			if !ft.remove(key, w) {
				return 0, nil // a waker got there first
			}
			return 0, err
		}
	case futexWake, futexWakeBitset:
		bitset := ^uint32(0)
		if op&futexCmdMask == futexWakeBitset {
			bitset = uint32(a[5])
			if bitset == 0 {
				return 0, unix.EINVAL
			}
		}
		return uint64(ft.wake(key, int(val), bitset)), nil
	}
	return 0, unix.ENOSYS
}

// remove takes w off its queue and reports whether it was still there
// (false: a waker got to it first).
func (ft *futexTable) remove(key futexKey, w *futexWaiter) bool {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	q := ft.waiters[key]
	for i, x := range q {
		if x == w {
			ft.waiters[key] = append(q[:i:i], q[i+1:]...)
			if len(ft.waiters[key]) == 0 {
				delete(ft.waiters, key)
			}
			return true
		}
	}
	return false
}

func (ft *futexTable) wake(key futexKey, n int, bitset uint32) int {
	ft.mu.Lock()
	defer ft.mu.Unlock()
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
	if len(rest) == 0 {
		delete(ft.waiters, key)
	} else {
		ft.waiters[key] = rest
	}
	return woken
}
