package kernel

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

// clockTicks is USER_HZ, the unit of times(2) (sysconf(_SC_CLK_TCK)).
const clockTicks = 100

func nsToTicks(ns int64) uint64 { return uint64(ns / (1e9 / clockTicks)) }

// usToTicks converts cpuTimes' microseconds.
func usToTicks(us int64) uint64 { return uint64(us / (1e6 / clockTicks)) }

// sysTimes fills struct tms with the process's CPU times and those of
// its waited-for children (getrusage's sources) and returns the time
// since boot in ticks: the host's CLOCK_BOOTTIME, which is what Linux's
// jiffies-based value measures, without its arbitrary starting offset.
func sysTimes(t *Task, a [6]uint64) (uint64, error) {
	if a[0] != 0 {
		self := t.processCPU()
		t.k.mu.Lock()
		children := t.tg.proc.childTimes
		t.k.mu.Unlock()
		tms := linux.Tms{
			UTime: linux.ClockT(usToTicks(self.user)), STime: linux.ClockT(usToTicks(self.sys)),
			CUTime: linux.ClockT(usToTicks(children.user)), CSTime: linux.ClockT(usToTicks(children.sys)),
		}
		if err := t.copyOutObj(a[0], &tms); err != nil {
			return 0, err
		}
	}
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts)
	return nsToTicks(ts.Nano()), nil
}
