package kernel

import (
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

// CPU-time clocks: CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID and
// the ids clock_getcpuclockid and pthread_getcpuclockid build, in Linux's
// encoding (include/linux/posix-timers.h): a negative id holding
// ~pid << 3, a per-thread bit and which of the three clocks (PROF: user +
// system, VIRT: user, SCHED: user + system as the scheduler sees it; here
// it is PROF's sum). Their values come from the CPU accounting in
// rusage.go.

const (
	cpuclockProf      = 0
	cpuclockVirt      = 1
	cpuclockSched     = 2
	cpuclockMax       = 3
	cpuclockWhichMask = 3
	cpuclockPerthread = 4
	// cpuclockFD in the low three bits marks a dynamic POSIX clock (a
	// clock device's fd), of which the sandbox has none.
	cpuclockFD     = 3
	cpuclockFDMask = 7
)

// cpuTimerTick is the granularity of CPU-time timers and sleeps: how soon
// after a CPU clock is sampled short of a deadline it is sampled again at
// the earliest. Linux checks CPU timers at each scheduler tick; this is
// the tick of HZ=250. It bounds the sentry's cost for a timer whose
// clock is not advancing (an idle process) to one sample per tick.
const cpuTimerTick = 4 * time.Millisecond

// cpuClock is a CPU-time clock of one task or (task nil) of a process.
type cpuClock struct {
	which int32
	task  *Task
	tg    *ThreadGroup
}

// now is the clock's value in nanoseconds.
func (c cpuClock) now() int64 {
	var u, s int64
	if c.task != nil {
		u, s = c.task.cpuNS()
	} else {
		u, s = c.tg.cpuNS()
	}
	if c.which == cpuclockVirt {
		return u
	}
	return u + s
}

// wait is how long the clock needs at least to advance by remaining
// nanoseconds, but no less than a tick: a thread's CPU time does not run
// faster than the wall clock, a process's N times faster with N threads.
// false: the clock will never advance again (its thread or process is
// gone).
func (c cpuClock) wait(remaining int64) (time.Duration, bool) {
	tg := c.tg
	tg.mu.Lock()
	n := len(tg.tasks)
	if c.task != nil {
		n = 0
		if tg.tasks[c.task.tid] == c.task {
			n = 1
		}
	}
	tg.mu.Unlock()
	if n == 0 {
		return 0, false
	}
	if remaining <= 0 {
		return 0, true
	}
	return max(time.Duration(remaining/int64(n)), cpuTimerTick), true
}

// resolution is what clock_getres reports: Linux's, 1 ns for the SCHED
// clocks and a tick for PROF and VIRT, which it samples at ticks.
func (c cpuClock) resolution() time.Duration {
	if c.which == cpuclockSched {
		return 1
	}
	return cpuTimerTick
}

// isCPUClock reports whether id names a CPU-time clock (valid or not).
func isCPUClock(id int32) bool {
	return id == clockProcessCputime || id == clockThreadCputime ||
		(id < 0 && id&cpuclockFDMask != cpuclockFD)
}

// isFDClock reports whether id names a dynamic POSIX clock by fd.
func isFDClock(id int32) bool { return id < 0 && id&cpuclockFDMask == cpuclockFD }

// cpuClockOf resolves a CPU clock id the way Linux's pid_for_clock does:
// pid 0 is the caller (its thread or its process); a thread clock must
// name a thread of the caller's own process; a process clock must name a
// process (a thread-group leader, zombies included), except that
// clock_gettime (gettime) also takes the caller's own TID for its
// process. Anything else is EINVAL. id must satisfy isCPUClock.
func (t *Task) cpuClockOf(id int32, gettime bool) (cpuClock, error) {
	switch id {
	case clockProcessCputime:
		return cpuClock{which: cpuclockSched, tg: t.tg}, nil
	case clockThreadCputime:
		return cpuClock{which: cpuclockSched, task: t, tg: t.tg}, nil
	}
	which := id & cpuclockWhichMask
	if which >= cpuclockMax {
		return cpuClock{}, unix.EINVAL
	}
	pid := int(^(id >> 3))
	if id&cpuclockPerthread != 0 {
		if pid == 0 {
			return cpuClock{which: which, task: t, tg: t.tg}, nil
		}
		o := t.k.taskByTID(pid)
		if o == nil || o.tg != t.tg {
			return cpuClock{}, unix.EINVAL
		}
		return cpuClock{which: which, task: o, tg: o.tg}, nil
	}
	if pid == 0 {
		return cpuClock{which: which, tg: t.tg}, nil
	}
	k := t.k
	k.mu.Lock()
	tg := k.procs[pid]
	k.mu.Unlock()
	if tg == nil && gettime && pid == t.tid {
		tg = t.tg
	}
	if tg == nil {
		return cpuClock{}, unix.EINVAL
	}
	return cpuClock{which: which, tg: tg}, nil
}

// cpuSleepUntil is clock_nanosleep on a CPU clock: it samples the clock
// at the earliest instant it could reach deadline, as a timer does.
// Interrupted, it reports the CPU time left to rem (if non-zero) and is
// restarted like nanosleep.
func (t *Task) cpuSleepUntil(c cpuClock, deadline int64, rem uint64) error {
	for {
		now := c.now()
		if now >= deadline {
			return nil
		}
		var until time.Time // zero: only a signal ends the wait
		if d, ok := c.wait(deadline - now); ok {
			until = time.Now().Add(d)
		}
		switch err := t.waitFor(nil, until); err {
		case unix.ETIMEDOUT:
			continue
		case unix.EINTR:
			if rem != 0 {
				left := max(deadline-c.now(), 0)
				ts := linux.NsecToTimespec(left)
				if err := t.copyOutObj(rem, &ts); err != nil {
					return err
				}
			}
			return t.restartWith(func(t *Task) (uint64, error) {
				return 0, t.cpuSleepUntil(c, deadline, rem)
			})
		default:
			return err
		}
	}
}
