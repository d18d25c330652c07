package vfs

import (
	"fmt"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// lockStep is one request of a deadlock scenario. Every owner (a pid)
// has one F_SETLKW waiter for the whole scenario, so "wait" again is the
// retry of a woken call.
type lockStep struct {
	op    string // "lock" (F_SETLK), "wait" (one F_SETLKW attempt), "unlock", "done" (the call ends: signal, exit)
	owner int
	b     uint64 // the byte
	want  error
}

func runLockSteps(t *testing.T, name string, steps []lockStep) (*File, *LockWaits) {
	t.Helper()
	e := newEnv(t)
	e.write(t, "/tmp/l", unix.O_CREAT|unix.O_WRONLY, "x")
	f := e.open(t, "/tmp/l", unix.O_RDWR)
	t.Cleanup(func() { f.DecRef() })
	g := &LockWaits{}
	waiters := map[int]*LockWaiter{}
	waiter := func(pid int) *LockWaiter {
		if waiters[pid] == nil {
			waiters[pid] = g.Waiter(pid)
		}
		return waiters[pid]
	}
	for i, s := range steps {
		what := fmt.Sprintf("%s: step %d: pid %d %s byte %d", name, i, s.owner, s.op, s.b)
		l := Lock{Type: unix.F_WRLCK, Start: s.b, End: s.b, Pid: s.owner}
		var err error
		switch s.op {
		case "lock":
			_, err = f.SetLock(s.owner, l)
		case "unlock":
			l.Type = unix.F_UNLCK
			_, err = f.SetLock(s.owner, l)
		case "wait":
			_, err = f.SetLockWait(waiter(s.owner), l)
		case "done":
			waiter(s.owner).Done()
		default:
			t.Fatalf("%s: bad op", what)
		}
		wantErr(t, what, err, s.want)
	}
	return f, g
}

// cycle builds n owners, owner i holding byte i, each of 2..n waiting
// for the next one's byte and n for owner 1's, registered so that none
// of them closes the cycle; then owner 1 asks for byte 2.
func cycle(n int, want error) []lockStep {
	var s []lockStep
	for i := 1; i <= n; i++ {
		s = append(s, lockStep{"lock", i, uint64(i), nil})
	}
	s = append(s, lockStep{"wait", n, 1, unix.EAGAIN})
	for i := n - 1; i >= 2; i-- {
		s = append(s, lockStep{"wait", i, uint64(i + 1), unix.EAGAIN})
	}
	return append(s, lockStep{"wait", 1, 2, want})
}

func TestSetLockWaitFindsDeadlocks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []lockStep
	}{
		{"two owners", []lockStep{
			{"lock", 1, 0, nil},
			{"lock", 2, 1, nil},
			{"wait", 2, 0, unix.EAGAIN},
			{"wait", 1, 1, unix.EDEADLK},
		}},
		{"a chain that does not come back waits", []lockStep{
			{"lock", 1, 0, nil},
			{"lock", 2, 1, nil},
			{"lock", 3, 2, nil},
			{"wait", 2, 0, unix.EAGAIN},
			{"wait", 3, 1, unix.EAGAIN},
		}},
		{"three owners", cycle(3, unix.EDEADLK)},
		// Linux follows at most MAX_DEADLK_ITERATIONS+1 = 11 hops: a
		// cycle of 12 owners is found, one of 13 is not.
		{"twelve owners: the longest found", cycle(12, unix.EDEADLK)},
		{"thirteen owners: beyond the limit", cycle(13, unix.EAGAIN)},
		{"a waiter woken by a release leaves the graph", []lockStep{
			{"lock", 1, 0, nil},
			{"lock", 2, 1, nil},
			{"wait", 2, 0, unix.EAGAIN},
			{"unlock", 1, 0, nil},
			{"lock", 1, 0, nil},
			// 2 has not looked again yet: it waits for nothing.
			{"wait", 1, 1, unix.EAGAIN},
		}},
		{"an interrupted waiter leaves the graph", []lockStep{
			{"lock", 1, 0, nil},
			{"lock", 2, 1, nil},
			{"wait", 2, 0, unix.EAGAIN},
			{"done", 2, 0, nil},
			{"wait", 1, 1, unix.EAGAIN},
		}},
		{"a woken waiter checks again for its new blocker", []lockStep{
			{"lock", 1, 0, nil},
			{"lock", 2, 1, nil},
			{"wait", 2, 0, unix.EAGAIN},
			{"unlock", 1, 0, nil},
			{"lock", 3, 0, nil},
			{"wait", 3, 1, unix.EAGAIN},
			// Byte 0 is now 3's, and 3 waits for 2.
			{"wait", 2, 0, unix.EDEADLK},
		}},
		{"an F_SETLKW that gets its lock is no waiter", []lockStep{
			{"lock", 1, 0, nil},
			{"wait", 2, 1, nil},
			{"wait", 1, 1, unix.EAGAIN},
		}},
	} {
		runLockSteps(t, tc.name, tc.steps)
	}
}

// TestLockWaitGraphEmptiesWhenWaitersEnd: once every call has ended and
// every lock is gone, neither the graph nor the lock table keeps anything.
func TestLockWaitGraphEmptiesWhenWaitersEnd(t *testing.T) {
	f, g := runLockSteps(t, "cycle", append(cycle(4, unix.EDEADLK),
		lockStep{"done", 1, 0, nil},
		lockStep{"done", 2, 0, nil},
		lockStep{"done", 3, 0, nil},
		lockStep{"done", 4, 0, nil},
	))
	if len(g.byOwner) != 0 {
		t.Errorf("graph keeps %v", g.byOwner)
	}
	for pid := 1; pid <= 4; pid++ {
		f.ReleaseLocks(pid)
	}
	if n := len(f.locks().objs); n != 0 {
		t.Errorf("lock table keeps %d objects", n)
	}
}

// TestConcurrentCrossedWaitsEndWithOneDeadlock: two owners that each hold
// one byte and F_SETLKW the other's at the same time never both sleep:
// exactly one gets EDEADLK, gives its byte up, and the other gets it.
func TestConcurrentCrossedWaitsEndWithOneDeadlock(t *testing.T) {
	e := newEnv(t)
	e.write(t, "/tmp/l", unix.O_CREAT|unix.O_WRONLY, "x")
	f := e.open(t, "/tmp/l", unix.O_RDWR)
	defer f.DecRef()
	g := &LockWaits{}
	byteLock := func(pid int, b uint64, typ int16) Lock {
		return Lock{Type: typ, Start: b, End: b, Pid: pid}
	}
	for round := 0; round < 200; round++ {
		var start, wg sync.WaitGroup
		start.Add(1)
		results := make([]error, 3)
		for pid := 1; pid <= 2; pid++ {
			if _, err := f.SetLock(pid, byteLock(pid, uint64(pid), unix.F_WRLCK)); err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				start.Wait()
				w := g.Waiter(pid)
				defer w.Done()
				other := uint64(3 - pid)
				for {
					ch, err := f.SetLockWait(w, byteLock(pid, other, unix.F_WRLCK))
					if err != unix.EAGAIN {
						results[pid] = err
						break
					}
					<-ch
				}
				if results[pid] == unix.EDEADLK {
					f.ReleaseLocks(pid)
				}
			}()
		}
		start.Done()
		wg.Wait()
		if (results[1] == unix.EDEADLK) == (results[2] == unix.EDEADLK) || results[1] != nil && results[2] != nil {
			t.Fatalf("round %d: results %v %v, want one EDEADLK and one lock", round, results[1], results[2])
		}
		f.ReleaseLocks(1)
		f.ReleaseLocks(2)
	}
	if len(g.byOwner) != 0 {
		t.Errorf("graph keeps %v", g.byOwner)
	}
}
