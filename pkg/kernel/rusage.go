package kernel

import (
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// CPU accounting, the one source of getrusage, wait4's rusage, the CPU
// clocks and the CPU-time timers. User time is the CPU time of the host
// thread that runs the task's application code where the platform can
// tell it (platform.ThreadCPUClock: ptrace's stub thread, stopped while
// the sentry serves its syscall), so time it waits for a CPU on a busy
// host does not count, as on Linux; elsewhere it is the wall time the
// task spends inside the platform's Switch. System time is the CPU time
// of the task's own OS thread in the sentry, which serves its syscalls
// (each task goroutine is locked to its thread for life, so the thread's
// clock is the task's). On a platform whose Switch runs the application on
// that same thread (platform.InlineRunner: the riscv interpreter), the
// thread's time holds the user time too, and only the rest is system time.
//
// Every piece is readable from any goroutine, so that a timer can sample a
// running task: userNS encodes a Switch in progress (see switchTimed), and
// another thread's CPU clock is readable by its host TID.

// monoNS is the time since the kernel started, from the monotonic clock.
func (k *Kernel) monoNS() int64 { return int64(time.Since(k.start)) }

// switchTimed runs user code and counts the time as user time.
func (t *Task) switchTimed() (platform.Event, error) {
	if t.hostTID.Load() == 0 {
		_, inline := t.ctx.(platform.InlineRunner)
		t.cpuInline.Store(inline)
		t.sysBase.Store(threadCPU())
		t.hostTID.Store(int32(unix.Gettid()))
	}
	// While Switch runs, userNS holds acc-start-1: negative (acc, the
	// user time so far, is at most start, since every earlier Switch
	// lies between the kernel's start and this one), so one atomic word
	// tells a reader both that user time is accruing and from when.
	if c := t.userClock.Load(); c == nil || c.ctx != t.ctx {
		t.attachUserClock()
	}
	acc := t.userNS.Load()
	start := t.k.monoNS()
	t.userNS.Store(acc - start - 1)
	ev, err := t.ctx.Switch(&t.regs)
	t.userNS.Store(acc + max(t.k.monoNS()-start, 0))
	return ev, err
}

// userClock is a context's CPU clock as the task's user time: base is
// the user time before the context (earlier programs' stubs), start the
// clock's reading when it was attached, last its latest reading (what
// counts once the thread is gone).
type userClock struct {
	ctx   platform.Context
	clk   platform.ThreadCPUClock
	base  int64
	start int64
	last  atomic.Int64
}

// attachUserClock makes t.ctx's clock, if it has one, the source of the
// task's user time from now on; called on the task's goroutine before a
// Switch with a new context (the first one, or a new program's).
func (t *Task) attachUserClock() {
	base := t.userTime()
	clk, ok := t.ctx.(platform.ThreadCPUClock)
	if ok {
		if start, ok2 := clk.ThreadCPU(); ok2 {
			c := &userClock{ctx: t.ctx, clk: clk, base: base, start: start}
			c.last.Store(start)
			t.userClock.Store(c)
			return
		}
	}
	// No clock: wall time in Switch, from the user time so far.
	t.userClock.Store(&userClock{ctx: t.ctx, base: -1})
	if v := t.userNS.Load(); v >= 0 {
		t.userNS.Store(base)
	}
}

// userTime is the task's user time so far in nanoseconds, a Switch in
// progress included.
func (t *Task) userTime() int64 {
	if c := t.userClock.Load(); c != nil && c.base >= 0 {
		now, ok := c.clk.ThreadCPU()
		for {
			last := c.last.Load()
			if !ok || now <= last {
				now = last // the thread is gone, or another reader was later
				break
			}
			if c.last.CompareAndSwap(last, now) {
				break
			}
		}
		return c.base + max(now-c.start, 0)
	}
	v := t.userNS.Load()
	if v < 0 {
		return max(t.k.monoNS()+v+1, 0)
	}
	return v
}

// cpuNS is the task's user and system time in nanoseconds. Any goroutine
// may call it; for a task that has exited, the system time is lost (its
// times are its process's by then: exitTask).
func (t *Task) cpuNS() (user, sys int64) {
	user = t.userTime()
	tid := t.hostTID.Load()
	if tid == 0 {
		return user, 0
	}
	thread, ok := hostThreadCPU(tid)
	if !ok {
		return user, 0
	}
	thread -= t.sysBase.Load()
	if t.cpuInline.Load() {
		// user+sys is then max(thread, user): monotonic, as both are.
		return user, max(thread-user, 0)
	}
	return user, max(thread, 0)
}

// threadCPU is the calling OS thread's CPU time in nanoseconds.
func threadCPU() int64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return ts.Nano()
}

// hostThreadCPU is the CPU time of the sentry's own OS thread tid, read
// through Linux's per-thread CPU clock id (MAKE_THREAD_CPUCLOCK(tid,
// CPUCLOCK_SCHED)), which a thread may read for any thread of its own
// process. false if the thread is gone.
func hostThreadCPU(tid int32) (int64, bool) {
	id := (^tid)<<3 | cpuclockPerthread | cpuclockSched
	var ts unix.Timespec
	if unix.ClockGettime(id, &ts) != nil {
		return 0, false
	}
	return ts.Nano(), true
}

// liveCPU is the task's times so far.
func (t *Task) liveCPU() cpuTimes {
	u, s := t.cpuNS()
	return cpuTimes{user: u / 1000, sys: s / 1000}
}

// cpuNS is the process's user and system time in nanoseconds: its exited
// tasks' and its live tasks'. Reading both under tg.mu, the lock exitTask
// moves a task's times under, counts every task exactly once.
func (tg *ThreadGroup) cpuNS() (user, sys int64) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	user, sys = tg.deadUserNS, tg.deadSysNS
	for _, t := range tg.tasks {
		u, s := t.cpuNS()
		user += u
		sys += s
	}
	return user, sys
}

// processCPU is the process's times.
func (t *Task) processCPU() cpuTimes {
	u, s := t.tg.cpuNS()
	return cpuTimes{user: u / 1000, sys: s / 1000}
}

// retireCPULocked moves the exiting task's times to its process's, on
// the task's own goroutine, as it leaves tg.tasks; tg.mu must be held.
// It returns them for the process's rusage.
func (t *Task) retireCPULocked() cpuTimes {
	u, s := t.cpuNS()
	t.tg.deadUserNS += u
	t.tg.deadSysNS += s
	return cpuTimes{user: u / 1000, sys: s / 1000}
}
