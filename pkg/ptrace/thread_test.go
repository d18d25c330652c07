package ptrace

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// TestNewThreadRunsOnItsOwnTracer starts a second stub thread driven by
// another locked goroutine, runs code to a syscall in both, and ends it.
func TestNewThreadRunsOnItsOwnTracer(t *testing.T) {
	f := newFixture(t, Options{})
	f.load(t, codeAddr, 0, rx, cat(movEAX(186), insSyscall, insSpin)) // gettid
	st, err := f.as.NewThread()
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		tid int32
		ev  platform.Event
		err error
	}
	ch := make(chan result)
	release := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		c, err := st.Start()
		if err != nil {
			ch <- result{err: err}
			return
		}
		regs := regsAt(codeAddr)
		ev, err := c.Switch(regs)
		if err == nil && regs.SyscallNo() != 186 {
			err = errors.New("new thread stopped at the wrong syscall")
		}
		ch <- result{tid: c.(*context).tid, ev: ev, err: err}
		<-release
		c.Release()
		ch <- result{}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.ev.Kind != platform.EventSyscall {
		t.Fatalf("new thread: event %+v, want a syscall", r.ev)
	}
	if r.tid == f.as.pid {
		t.Fatalf("new thread has the stub's pid %d", r.tid)
	}
	if tgid := threadGroupOf(t, r.tid); tgid != f.as.pid {
		t.Errorf("new thread %d is in thread group %d, want the stub's %d", r.tid, tgid, f.as.pid)
	}
	close(release)
	<-ch
	// The first thread still works.
	regs := regsAt(codeAddr)
	ev, err := f.c.Switch(regs)
	if err != nil || ev.Kind != platform.EventSyscall {
		t.Fatalf("first thread after the second ended: %+v, %v", ev, err)
	}
}

func threadGroupOf(t *testing.T, tid int32) int32 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		t.Fatalf("thread %d: %v", tid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if n, ok := strings.CutPrefix(line, "Tgid:"); ok {
			v, _ := strconv.Atoi(strings.TrimSpace(n))
			return int32(v)
		}
	}
	return 0
}

func TestFPStateRoundTrip(t *testing.T) {
	f := newFixture(t, Options{})
	f.load(t, codeAddr, 0, rx, cat(movEAX(39), insSyscall, insSpin))
	regs := regsAt(codeAddr)
	if _, err := f.c.Switch(regs); err != nil {
		t.Fatal(err)
	}
	st, err := f.c.FPState()
	if err != nil {
		t.Fatal(err)
	}
	if len(st) < 512+64 {
		t.Fatalf("XSAVE area of %d bytes", len(st))
	}
	// The software-reserved bytes carry FP_XSTATE_MAGIC1.
	// A signal frame's fpstate carries _fpx_sw_bytes there; the host
	// must accept them back.
	copy(st[464:], []byte{0x53, 0x58, 0x50, 0x46})
	st[160] = 0x5a // xmm0 first byte
	st[512] |= 2   // XSTATE_BV: SSE state is not in its init state
	if err := f.c.SetFPState(st); err != nil {
		t.Fatal(err)
	}
	back, err := f.c.FPState()
	if err != nil {
		t.Fatal(err)
	}
	if back[160] != 0x5a {
		t.Errorf("xmm0 byte %#x after set, want 0x5a", back[160])
	}
	bad := append([]byte(nil), st...)
	for i := 512 + 8; i < 512+64; i++ {
		bad[i] = 0xff // reserved header bytes must be zero
	}
	if err := f.c.SetFPState(bad); !errors.Is(err, unix.EINVAL) {
		t.Errorf("corrupted XSAVE header: %v, want EINVAL", err)
	}
}

// TestLeaderReleasedBeforeLastThread: the kernel may release the leader's
// context while another thread's is still held (its task left the group
// first but is slower to get here). The host reports the leader's exit only
// once every other thread of the stub is reaped, so the last Release must
// reap its own stub thread too; found by `make fuzz` as a sentry that never
// exited, both goroutines in wait4 on the leader.
func TestLeaderReleasedBeforeLastThread(t *testing.T) {
	f := newFixture(t, Options{})
	f.load(t, codeAddr, 0, rx, cat(movEAX(186), insSyscall, insSpin)) // gettid
	leader := f.as.pid
	st, err := f.as.NewThread()
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan int32)
	release := make(chan struct{})
	released := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		c, err := st.Start()
		if err != nil {
			t.Error(err)
			close(started)
			return
		}
		if _, err := c.Switch(regsAt(codeAddr)); err != nil {
			t.Error(err)
		}
		started <- c.(*context).tid
		<-release
		c.Release()
		close(released)
	}()
	tid, ok := <-started
	if !ok {
		t.FailNow()
	}
	// Release the second thread once the leader's stub thread has exited
	// (a zombie its group keeps): then the leader's Release waits for it.
	var deadlocked atomic.Bool
	go func() {
		for procState(leader) != "Z" {
			time.Sleep(time.Millisecond)
		}
		close(release)
		select {
		case <-released:
		case <-time.After(60 * time.Second):
			// Unblock both waiters so the test can report.
			deadlocked.Store(true)
			var ws unix.WaitStatus
			_, _ = unix.Wait4(int(tid), &ws, unix.WALL, nil)
		}
	}()
	f.c.Release()
	<-released
	if deadlocked.Load() {
		t.Fatal("releasing the last thread after the leader deadlocked in wait4")
	}
	if err := unix.Kill(int(leader), 0); err != unix.ESRCH {
		t.Errorf("kill(stub, 0) after both releases = %v, want ESRCH", err)
	}
}

// procState is the state letter of /proc/PID/stat ("" when gone).
func procState(pid int32) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
