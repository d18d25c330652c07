package kernel

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// cpuClockKernel is a kernel with two processes: 10 (threads 10 and 11)
// and 20 (thread 20), without platform or memory.
func cpuClockKernel() (*Kernel, map[int]*Task) {
	k := &Kernel{start: time.Now(), tasks: map[int]*Task{}, procs: map[int]*ThreadGroup{}}
	tasks := map[int]*Task{}
	for pid, tids := range map[int][]int{10: {10, 11}, 20: {20}} {
		tg := &ThreadGroup{k: k, pid: pid, tasks: map[int]*Task{}}
		k.procs[pid] = tg
		for _, tid := range tids {
			t := &Task{k: k, tg: tg, tid: tid}
			tg.tasks[tid], k.tasks[tid], tasks[tid] = t, t, t
		}
	}
	return k, tasks
}

func threadClockID(tid int, which int32) int32 { return (^int32(tid))<<3 | cpuclockPerthread | which }
func processClockID(pid int, which int32) int32 {
	return (^int32(pid))<<3 | which
}

func TestCPUClockOfFollowsLinuxPidForClock(t *testing.T) {
	k, tasks := cpuClockKernel()
	caller := tasks[11]
	for _, tc := range []struct {
		name      string
		id        int32
		gettime   bool
		wantErr   error
		wantTask  int // 0: a process clock
		wantPID   int
		wantWhich int32
	}{
		{"CLOCK_PROCESS_CPUTIME_ID", clockProcessCputime, false, nil, 0, 10, cpuclockSched},
		{"CLOCK_THREAD_CPUTIME_ID", clockThreadCputime, false, nil, 11, 10, cpuclockSched},
		{"own thread by pid 0", threadClockID(0, cpuclockVirt), false, nil, 11, 10, cpuclockVirt},
		{"another thread of the process", threadClockID(10, cpuclockSched), false, nil, 10, 10, cpuclockSched},
		{"a thread of another process", threadClockID(20, cpuclockSched), true, unix.EINVAL, 0, 0, 0},
		{"no such thread", threadClockID(99, cpuclockSched), true, unix.EINVAL, 0, 0, 0},
		{"own process by pid 0", processClockID(0, cpuclockProf), false, nil, 0, 10, cpuclockProf},
		{"another process", processClockID(20, cpuclockSched), false, nil, 0, 20, cpuclockSched},
		{"own TID as a process, clock_gettime", processClockID(11, cpuclockSched), true, nil, 0, 10, cpuclockSched},
		{"own TID as a process, timer_create", processClockID(11, cpuclockSched), false, unix.EINVAL, 0, 0, 0},
		{"no such process", processClockID(99, cpuclockSched), true, unix.EINVAL, 0, 0, 0},
		{"which 3 with the thread bit", threadClockID(0, 3), true, unix.EINVAL, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !isCPUClock(tc.id) {
				t.Fatalf("isCPUClock(%#x) = false", tc.id)
			}
			c, err := caller.cpuClockOf(tc.id, tc.gettime)
			if !errors.Is(err, tc.wantErr) || err == nil && tc.wantErr != nil {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if c.tg != k.procs[tc.wantPID] || c.which != tc.wantWhich {
				t.Errorf("clock of process %d which %d, want %d which %d", c.tg.pid, c.which, tc.wantPID, tc.wantWhich)
			}
			if (tc.wantTask == 0) != (c.task == nil) || c.task != nil && c.task != tasks[tc.wantTask] {
				t.Errorf("task %v, want thread %d", c.task, tc.wantTask)
			}
		})
	}
	if isCPUClock(processClockID(0, cpuclockFD)) || !isFDClock(processClockID(0, cpuclockFD)) {
		t.Errorf("a clock-fd id is taken for a CPU clock")
	}
}

func TestCPUClockWaitIsRemainingOverThreadsButAtLeastATick(t *testing.T) {
	k, tasks := cpuClockKernel()
	proc := cpuClock{which: cpuclockProf, tg: k.procs[10]}
	gone := &Task{k: k, tg: k.procs[20], tid: 21}
	for _, tc := range []struct {
		name      string
		c         cpuClock
		remaining time.Duration
		want      time.Duration
		wantOK    bool
	}{
		{"process of two threads", proc, 100 * time.Millisecond, 50 * time.Millisecond, true},
		{"one thread", cpuClock{task: tasks[20], tg: k.procs[20]}, 100 * time.Millisecond, 100 * time.Millisecond, true},
		{"below a tick", proc, time.Millisecond, cpuTimerTick, true},
		{"already due", proc, -time.Millisecond, 0, true},
		{"exited thread", cpuClock{task: gone, tg: k.procs[20]}, time.Second, 0, false},
		{"process without threads", cpuClock{tg: &ThreadGroup{k: k}}, time.Second, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := tc.c.wait(int64(tc.remaining))
			if d != tc.want || ok != tc.wantOK {
				t.Errorf("wait = %v, %v; want %v, %v", d, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestUserTimeCountsASwitchInProgress(t *testing.T) {
	k := &Kernel{start: time.Now().Add(-time.Second)}
	task := &Task{k: k}
	task.userNS.Store(int64(5 * time.Millisecond))
	if got := task.userTime(); got != int64(5*time.Millisecond) {
		t.Fatalf("outside Switch: %v", time.Duration(got))
	}
	// As switchTimed stores it, for a Switch that began 10 ms ago.
	start := k.monoNS() - int64(10*time.Millisecond)
	task.userNS.Store(int64(5*time.Millisecond) - start - 1)
	if got := time.Duration(task.userTime()); got < 15*time.Millisecond || got > time.Second {
		t.Fatalf("inside Switch: %v, want about 15ms", got)
	}
}

// fakeClock is a timerClock the test moves by hand; its Go timers never
// fire during a test.
type fakeClock struct{ t int64 }

func (c *fakeClock) now() int64                       { return c.t }
func (c *fakeClock) wait(int64) (time.Duration, bool) { return time.Hour, true }

func TestKtimerOnACPUClockFiresOnlyOnceItsClockGetsThere(t *testing.T) {
	for _, tc := range []struct {
		name         string
		value, every time.Duration
		clockAt      int64
		wantFired    bool
		wantOverrun  int32
		wantExpiry   int64
	}{
		{"not there yet", 10, 0, 9, false, 0, 10},
		{"one-shot due", 10, 0, 10, true, 0, 0},
		{"periodic, on time", 10, 10, 12, true, 0, 20},
		{"periodic, two intervals missed", 10, 10, 35, true, 2, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &fakeClock{}
			fired, overrun := false, int32(-1)
			kt := &ktimer{clk: clk, fire: func(o int32) { fired, overrun = true, o }}
			kt.set(tc.value, tc.every)
			defer kt.stop()
			clk.t = tc.clockAt
			kt.expire(kt.gen)
			if fired != tc.wantFired || fired && overrun != tc.wantOverrun || kt.expiry != tc.wantExpiry {
				t.Errorf("fired %v overrun %d expiry %d; want %v %d %d", fired, overrun, kt.expiry, tc.wantFired, tc.wantOverrun, tc.wantExpiry)
			}
		})
	}
}

func TestDueTimerShowsItsDueValue(t *testing.T) {
	for _, tc := range []struct {
		name string
		due  time.Duration
		want time.Duration
	}{
		{"POSIX timer", 0, time.Nanosecond},
		{"ITIMER_REAL", time.Microsecond, time.Microsecond},
		{"CPU itimer", cpuTimerTick, cpuTimerTick},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &fakeClock{}
			kt := &ktimer{clk: clk, due: tc.due, fire: func(int32) {}}
			kt.set(10, 10)
			defer kt.stop()
			clk.t = 15 // due, not yet fired
			if got := kt.get(); got.value != tc.want || got.interval != 10 {
				t.Errorf("get = %+v, want value %v interval 10", got, tc.want)
			}
		})
	}
}
