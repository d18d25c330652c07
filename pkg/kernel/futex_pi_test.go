package kernel

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// attachPIState must refuse a word that disagrees with the lock's kernel
// state, as Linux's attach_to_pi_state does.
func TestAttachPIStateChecksTheWord(t *testing.T) {
	owner := &Task{}
	held := &futexPI{owner: owner, tid: 42}
	orphan := &futexPI{tid: 42} // its owner died, the handover not done
	for _, c := range []struct {
		name string
		word uint32
		pi   *futexPI
		err  error
	}{
		{"plain waiter on a PI word", 42 | futexWaiters, nil, unix.EINVAL},
		{"word names the owner", 42 | futexWaiters, held, nil},
		{"word names someone else", 43 | futexWaiters, held, unix.EINVAL},
		{"word free without OWNER_DIED", futexWaiters, held, unix.EINVAL},
		{"owner died, robust list ran", futexOwnerDied | futexWaiters, held, nil},
		{"owner died, word names the owner", futexOwnerDied | 42, held, nil},
		{"owner died, word names another", futexOwnerDied | 43, held, unix.EINVAL},
		{"no owner, word free", futexOwnerDied, orphan, nil},
		{"no owner, word names one", futexOwnerDied | 42, orphan, unix.EINVAL},
		{"no owner, no OWNER_DIED", 42, orphan, unix.EINVAL},
	} {
		got, err := attachPIState(c.word, c.pi)
		if err != c.err {
			t.Errorf("%s: err %v, want %v", c.name, err, c.err)
		}
		if err == nil && got != c.pi {
			t.Errorf("%s: attached to another state", c.name)
		}
	}
}

// Only an unlock or a requeue may end a PI waiter's wait: FUTEX_WAKE
// meeting one is EINVAL, and the plain waiters before it stay woken.
func TestWakeStopsAtAPIWaiter(t *testing.T) {
	key := futexKey{addr: 8}
	plain := &futexWaiter{key: key, bitset: futexBitsetAny, woken: make(chan struct{})}
	for _, c := range []struct {
		name string
		w    *futexWaiter
	}{
		{"blocked on the lock", &futexWaiter{key: key, woken: make(chan struct{}), pi: &futexPI{}}},
		{"in WAIT_REQUEUE_PI", &futexWaiter{key: key, woken: make(chan struct{}), requeuePI: true}},
	} {
		plain.woken = make(chan struct{})
		var ft futexTable
		ft.enqueue(plain)
		ft.enqueue(c.w)
		n, err := ft.wake(key, 10, futexBitsetAny)
		if n != 1 || err != unix.EINVAL {
			t.Errorf("%s: wake = %d, %v; want 1, EINVAL", c.name, n, err)
		}
		if q := ft.queue(key.id); len(q) != 1 || q[0] != c.w {
			t.Errorf("%s: queue %v, want just the PI waiter", c.name, q)
		}
		select {
		case <-c.w.woken:
			t.Errorf("%s: the PI waiter was woken", c.name)
		default:
		}
	}
}

// TestFutexBucketsAreIndependentAndRequeueMovesBuckets: a futex whose
// bucket another operation holds does not hold up one in another bucket;
// a waiter requeued to a futex in another bucket is found there by the
// waiter's own removal, as a timed-out or interrupted wait removes itself.
func TestFutexBucketsAreIndependentAndRequeueMovesBuckets(t *testing.T) {
	var ft futexTable
	a := futexKey{id: futexID{space: "mm", at: 0x1000}, addr: 0x1000}
	b := a
	for b.addr = a.addr + 4; bucketOf(b.id) == bucketOf(a.id); b.addr += 4 {
		b.id.at = b.addr
	}
	b.id.at = b.addr
	unlockA := ft.lock(a.id)
	done := make(chan struct{})
	go func() {
		ft.wake(b, 1, futexBitsetAny)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a hang limit
		t.Fatal("a wake in another bucket waited for the held one")
	}
	unlockA()

	w := &futexWaiter{key: a, bitset: futexBitsetAny, woken: make(chan struct{})}
	unlock := ft.lock(a.id)
	ft.enqueue(w)
	unlock()
	unlock = ft.lock(a.id, b.id)
	ft.setQueue(a, ft.queue(a.id), nil)
	w.key = b
	w.bucket.Store(bucketOf(b.id))
	ft.buckets[bucketOf(b.id)].waiters = map[futexID][]*futexWaiter{b.id: {w}}
	unlock()
	if !ft.remove(w) {
		t.Fatal("the requeued waiter was not found in its new bucket")
	}
	if q := ft.queue(a.id); len(q) != 0 {
		t.Fatalf("the old queue still holds %d waiters", len(q))
	}
}
