package kernel

import (
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// CPU accounting for getrusage and wait4's rusage. User time is the time
// a task spends inside the platform's Switch (running application code,
// plus the cost of the switch); system time is the CPU time of the task's
// own OS thread in the sentry, which serves its syscalls (each task
// goroutine is locked to its thread for life, so the thread's clock is
// the task's).

// switchTimed runs user code and counts the time as user time.
func (t *Task) switchTimed() (platform.Event, error) {
	if t.sysBase == 0 {
		t.sysBase = threadCPU()
	}
	start := time.Now()
	ev, err := t.ctx.Switch(&t.regs)
	t.userNS.Add(int64(time.Since(start)))
	return ev, err
}

// threadCPU is the calling OS thread's CPU time in microseconds.
func threadCPU() int64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return ts.Nano() / 1000
}

// liveCPU is the calling task's times so far; only the task's own
// goroutine may call it.
func (t *Task) liveCPU() cpuTimes {
	sys := int64(0)
	if t.sysBase != 0 {
		sys = threadCPU() - t.sysBase
	}
	return cpuTimes{user: t.userNS.Load() / 1000, sys: sys}
}

// processCPU is the process's times: its exited tasks', the caller's,
// and the user time of its other live tasks.
func (t *Task) processCPU() cpuTimes {
	c := t.liveCPU()
	t.tg.mu.Lock()
	for _, o := range t.tg.tasks {
		if o != t {
			c.user += o.userNS.Load() / 1000
		}
	}
	t.tg.mu.Unlock()
	t.k.mu.Lock()
	c.user += t.tg.proc.selfTimes.user
	c.sys += t.tg.proc.selfTimes.sys
	t.k.mu.Unlock()
	return c
}

// accountCPU adds the exiting task's times to its process's, on the
// task's own goroutine.
func (t *Task) accountCPU() {
	c := t.liveCPU()
	t.k.mu.Lock()
	t.tg.proc.selfTimes.user += c.user
	t.tg.proc.selfTimes.sys += c.sys
	t.k.mu.Unlock()
}
