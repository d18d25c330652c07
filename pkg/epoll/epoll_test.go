package epoll

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func put(t *testing.T, e *EventFD, v uint64) {
	t.Helper()
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], v)
	if _, err := e.WriteAt(b[:], 0); err != nil {
		t.Fatal(err)
	}
}

func take(e *EventFD) (uint64, error) {
	var b [8]byte
	_, err := e.ReadAt(b[:], 0)
	return binary.NativeEndian.Uint64(b[:]), err
}

func TestQueueExclusiveWakesOne(t *testing.T) {
	var q Queue
	var woke [3]int
	for i := range woke {
		e := NewEntry(EventIn, func(EventMask) { woke[i]++ })
		e.exclusive = i > 0
		q.Register(e)
	}
	q.Notify(EventIn)
	q.Notify(EventIn)
	if woke[0] != 2 || woke[1] != 1 || woke[2] != 1 {
		t.Fatalf("woke %v: want the shared entry twice, the exclusive ones in turn", woke)
	}
	q.Notify(EventOut)
	if woke[0] != 2 {
		t.Fatal("a notification outside the mask woke an entry")
	}
}

func TestInstanceModes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags EventMask
		want  []int // events reported by successive Waits after one write
	}{
		{"level", 0, []int{1, 1, 1}},
		{"edge", FlagET, []int{1, 0, 0}},
		{"oneshot", FlagOneshot, []int{1, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ep := NewInstance()
			e := NewEventFD(0, false)
			if err := ep.Ctl(CtlAdd, Key{e, 3}, e, EventIn|tc.flags, 42); err != nil {
				t.Fatal(err)
			}
			if n := len(ep.Wait(8)); n != 0 {
				t.Fatalf("ready before any write: %d", n)
			}
			put(t, e, 1)
			for i, w := range tc.want {
				evs := ep.Wait(8)
				if len(evs) != w {
					t.Fatalf("wait %d: %d events, want %d", i, len(evs), w)
				}
				if w == 1 && (evs[0].Data != 42 || evs[0].Events != EventIn) {
					t.Fatalf("event %+v", evs[0])
				}
			}
		})
	}
}

func TestInstanceErrors(t *testing.T) {
	ep, inner := NewInstance(), NewInstance()
	e := NewEventFD(0, false)
	k := Key{e, 1}
	if err := ep.Ctl(CtlMod, k, e, EventIn, 0); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("MOD of nothing: %v", err)
	}
	if err := ep.Ctl(CtlAdd, k, e, EventIn, 0); err != nil {
		t.Fatal(err)
	}
	if err := ep.Ctl(CtlAdd, k, e, EventIn, 0); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("second ADD: %v", err)
	}
	if err := ep.Ctl(CtlAdd, Key{inner, 2}, inner, EventIn, 0); err != nil {
		t.Fatal(err)
	}
	if err := inner.Ctl(CtlAdd, Key{ep, 3}, ep, EventIn, 0); !errors.Is(err, unix.ELOOP) {
		t.Fatalf("cycle: %v", err)
	}
	if err := ep.Ctl(CtlAdd, Key{ep, 4}, ep, EventIn, 0); !errors.Is(err, unix.ELOOP) {
		t.Fatalf("self: %v", err)
	}
	// The last close of a watched file drops its registration.
	put(t, e, 1)
	e.Release()
	for _, ev := range ep.Wait(8) {
		if ev.Data == 0 {
			t.Fatalf("released file still reported: %+v", ev)
		}
	}
	if err := ep.Ctl(CtlDel, k, e, 0, 0); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("registration survived release: %v", err)
	}
}

func TestNestedInstanceWakesOuter(t *testing.T) {
	outer, inner := NewInstance(), NewInstance()
	e := NewEventFD(0, false)
	if err := inner.Ctl(CtlAdd, Key{e, 1}, e, EventIn, 1); err != nil {
		t.Fatal(err)
	}
	if err := outer.Ctl(CtlAdd, Key{inner, 2}, inner, EventIn, 2); err != nil {
		t.Fatal(err)
	}
	en, ch := NewChanEntry(EventIn)
	outer.EventRegister(en)
	defer outer.EventUnregister(en)
	go func() { time.Sleep(10 * time.Millisecond); put(t, e, 1) }()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("outer instance not woken")
	}
	if evs := outer.Wait(4); len(evs) != 1 || evs[0].Data != 2 {
		t.Fatalf("outer events %+v", evs)
	}
}

func TestEventFD(t *testing.T) {
	e := NewEventFD(2, true)
	for i := 0; i < 2; i++ {
		if v, err := take(e); err != nil || v != 1 {
			t.Fatalf("semaphore read %d: %d %v", i, v, err)
		}
	}
	if _, err := take(e); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("empty read: %v", err)
	}
	c := NewEventFD(0, false)
	put(t, c, 5)
	put(t, c, 6)
	if v, _ := take(c); v != 11 {
		t.Fatalf("counter %d", v)
	}
	put(t, c, eventfdMax)
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], 1)
	if _, err := c.WriteAt(b[:], 0); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("overflow write: %v", err)
	}
	if c.Readiness(EventOut) != 0 {
		t.Fatal("full counter writable")
	}
	binary.NativeEndian.PutUint64(b[:], ^uint64(0))
	if _, err := c.WriteAt(b[:], 0); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("2^64-1: %v", err)
	}
}

func TestPipe(t *testing.T) {
	r, w := NewPipe(7)
	buf := make([]byte, 10)
	if _, err := r.ReadAt(buf, 0); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("empty: %v", err)
	}
	if n, err := w.SetCapacity(100); err != nil || n != 4096 {
		t.Fatalf("resize to 100: %d %v", n, err)
	}
	big := make([]byte, 5000)
	if n, err := w.WriteAt(big, 0); err != nil || n != 4096 {
		t.Fatalf("big write: %d %v", n, err)
	}
	if _, err := w.WriteAt([]byte("x"), 0); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("full: %v", err)
	}
	if _, err := w.SetCapacity(10); err != nil {
		t.Fatal(err) // 4096 still fits a page
	}
	if n, _ := r.ReadAt(buf, 0); n != 10 {
		t.Fatalf("read %d", n)
	}
	// Up to PipeBuf bytes go whole or not at all.
	if _, err := w.WriteAt(make([]byte, 11), 0); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("atomic write into 10 free bytes: %v", err)
	}
	w.Release()
	if r.Readiness(EventIn)&EventHup == 0 {
		t.Fatal("no HUP without writers")
	}
	total := 0
	for {
		n, err := r.ReadAt(big, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if total != 4086 {
		t.Fatalf("drained %d", total)
	}
	r2, w2 := NewPipe(8)
	r2.Release()
	if _, err := w2.WriteAt([]byte("x"), 0); !errors.Is(err, unix.EPIPE) {
		t.Fatalf("no readers: %v", err)
	}
	if st, _ := w2.Stat(); st.Mode&unix.S_IFMT != unix.S_IFIFO || st.Ino != 8 {
		t.Fatalf("stat %+v", st)
	}
}

func TestTimerFD(t *testing.T) {
	tf := NewTimerFD(unix.CLOCK_MONOTONIC)
	defer tf.Release()
	en, ch := NewChanEntry(EventIn)
	tf.EventRegister(en)
	tf.Set(5*time.Millisecond, 5*time.Millisecond, false)
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("timer did not fire")
	}
	time.Sleep(20 * time.Millisecond)
	var b [8]byte
	if _, err := tf.ReadAt(b[:], 0); err != nil || binary.NativeEndian.Uint64(b[:]) < 2 {
		t.Fatalf("expirations %d %v", binary.NativeEndian.Uint64(b[:]), err)
	}
	if v, i := tf.Get(); v <= 0 || i != 5*time.Millisecond {
		t.Fatalf("get %v %v", v, i)
	}
	tf.Set(0, 0, false)
	if v, _ := tf.Get(); v != 0 {
		t.Fatalf("disarmed timer reports %v", v)
	}
	tf.Set(tf.Now()+time.Millisecond, 0, true)
	time.Sleep(20 * time.Millisecond)
	if tf.Readiness(EventIn) == 0 {
		t.Fatal("absolute timer did not fire")
	}
}

// TestExclusiveSkipsInstancesWithoutWaiters: an EPOLLEXCLUSIVE wakeup
// goes on past instances nobody waits on, to one somebody does.
func TestExclusiveSkipsInstancesWithoutWaiters(t *testing.T) {
	e := NewEventFD(0, false)
	idle, busy := NewInstance(), NewInstance()
	for i, ep := range []*Instance{idle, busy} {
		if err := ep.Ctl(CtlAdd, Key{e, int32(i)}, e, EventIn|FlagExclusive, 0); err != nil {
			t.Fatal(err)
		}
	}
	en, ch := NewChanEntry(EventIn)
	busy.EventRegister(en)
	defer busy.EventUnregister(en)
	put(t, e, 1)
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("the instance with a waiter was not woken")
	}
}
