package kernel

import (
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

// Clocks and sleeps. Time is the host's: the sandbox has no clock of its
// own to keep, and with the vDSO the application reads the host's anyway.

const (
	clockRealtime         = 0
	clockMonotonic        = 1
	clockProcessCputime   = 2
	clockThreadCputime    = 3
	clockMonotonicRaw     = 4
	clockRealtimeCoarse   = 5
	clockMonotonicCoarse  = 6
	clockBoottime         = 7
	clockRealtimeAlarm    = 8
	clockBoottimeAlarm    = 9
	clockTAI              = 11
	timerAbstime          = 1
	nsecPerSec            = 1_000_000_000
	coarseResolutionNanos = 4_000_000
)

// hostClock maps an application clock id to the host clock that answers
// it. CPU-time clocks are the sandbox's own (cpu_clock.go), not the host's.
func hostClock(id int32) (int32, bool) {
	switch id {
	case clockRealtime, clockMonotonic, clockMonotonicRaw, clockRealtimeCoarse,
		clockMonotonicCoarse, clockBoottime, clockTAI:
		return id, true
	case clockRealtimeAlarm:
		return clockRealtime, true
	case clockBoottimeAlarm:
		return clockBoottime, true
	}
	return 0, false
}

func sysClockGettime(t *Task, a [6]uint64) (uint64, error) {
	var ts unix.Timespec
	if isCPUClock(int32(a[0])) {
		c, err := t.cpuClockOf(int32(a[0]), true)
		if err != nil {
			return 0, err
		}
		ts = unix.NsecToTimespec(c.now())
	} else {
		id, ok := hostClock(int32(a[0]))
		if !ok {
			return 0, unix.EINVAL
		}
		if err := unix.ClockGettime(id, &ts); err != nil {
			return 0, unix.EINVAL
		}
	}
	return 0, t.copyOutObj(a[1], &linux.Timespec{Sec: ts.Sec, Nsec: ts.Nsec})
}

func sysClockGetres(t *Task, a [6]uint64) (uint64, error) {
	res := unix.Timespec{Nsec: 1}
	if isCPUClock(int32(a[0])) {
		c, err := t.cpuClockOf(int32(a[0]), false)
		if err != nil {
			return 0, err
		}
		res = unix.NsecToTimespec(int64(c.resolution()))
	} else {
		id, ok := hostClock(int32(a[0]))
		if !ok {
			return 0, unix.EINVAL
		}
		if id == clockRealtimeCoarse || id == clockMonotonicCoarse {
			res.Nsec = coarseResolutionNanos
		}
	}
	if a[1] == 0 {
		return 0, nil
	}
	return 0, t.copyOutObj(a[1], &linux.Timespec{Sec: res.Sec, Nsec: res.Nsec})
}

func sysGettimeofday(t *Task, a [6]uint64) (uint64, error) {
	now := time.Now()
	if a[0] != 0 {
		tv := linux.Timeval{Sec: now.Unix(), Usec: int64(now.Nanosecond() / 1000)}
		if err := t.copyOutObj(a[0], &tv); err != nil {
			return 0, err
		}
	}
	if a[1] != 0 {
		// struct timezone: two ints, always zero (as Linux keeps it).
		if err := t.copyOut(a[1], make([]byte, 8)); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func sysTime(t *Task, a [6]uint64) (uint64, error) {
	now := uint64(time.Now().Unix())
	if a[0] != 0 {
		if err := t.writeU64(a[0], now); err != nil {
			return 0, err
		}
	}
	return now, nil
}

func (t *Task) readTimespec(addr uint64) (unix.Timespec, error) {
	var lts linux.Timespec
	if err := t.copyInObj(addr, &lts); err != nil {
		return unix.Timespec{}, err
	}
	ts := unix.Timespec{Sec: lts.Sec, Nsec: lts.Nsec}
	if ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= nsecPerSec {
		return ts, unix.EINVAL
	}
	return ts, nil
}

// sleepUntil blocks until deadline. Interrupted, it writes the time
// left to rem (if non-zero) and is restarted through restart_syscall
// unless a handler runs (then EINTR), like Linux's nanosleep.
func (t *Task) sleepUntil(deadline time.Time, rem uint64) error {
	err := t.waitFor(nil, deadline)
	switch err {
	case unix.ETIMEDOUT:
		return nil
	case unix.EINTR:
		if rem != 0 {
			left := max(time.Until(deadline), 0)
			ts := linux.NsecToTimespec(int64(left))
			if err := t.copyOutObj(rem, &ts); err != nil {
				return err
			}
		}
		return t.restartWith(func(t *Task) (uint64, error) {
			return 0, t.sleepUntil(deadline, rem)
		})
	}
	return err
}

func sysNanosleep(t *Task, a [6]uint64) (uint64, error) {
	ts, err := t.readTimespec(a[0])
	if err != nil {
		return 0, err
	}
	d := time.Duration(ts.Sec)*time.Second + time.Duration(ts.Nsec)
	return 0, t.sleepUntil(time.Now().Add(d), a[1])
}

func sysClockNanosleep(t *Task, a [6]uint64) (uint64, error) {
	cid := int32(a[0])
	if isFDClock(cid) {
		return 0, unix.ENOTSUP
	}
	if isCPUClock(cid) {
		return t.cpuClockNanosleep(cid, a)
	}
	id, ok := hostClock(cid)
	if !ok {
		return 0, unix.EINVAL
	}
	ts, err := t.readTimespec(a[2])
	if err != nil {
		return 0, err
	}
	d := time.Duration(ts.Sec)*time.Second + time.Duration(ts.Nsec)
	rem := a[3]
	if a[1]&timerAbstime != 0 {
		var now unix.Timespec
		if err := unix.ClockGettime(id, &now); err != nil {
			return 0, unix.EINVAL
		}
		d -= time.Duration(now.Sec)*time.Second + time.Duration(now.Nsec)
		rem = 0 // an absolute sleep has no time left to report
	}
	return 0, t.sleepUntil(time.Now().Add(d), rem)
}

// cpuClockNanosleep is clock_nanosleep on a CPU clock. As in Linux, the
// caller's own thread clock is EINVAL (it could never advance while the
// thread sleeps); another thread's clock, or a process's, is slept on.
func (t *Task) cpuClockNanosleep(id int32, a [6]uint64) (uint64, error) {
	if id == clockThreadCputime || (id < 0 && id&cpuclockPerthread != 0 &&
		(^(id>>3) == 0 || int(^(id>>3)) == t.tid)) {
		return 0, unix.EINVAL
	}
	ts, err := t.readTimespec(a[2])
	if err != nil {
		return 0, err
	}
	c, err := t.cpuClockOf(id, false)
	if err != nil {
		return 0, err
	}
	deadline, rem := ts.Nano(), a[3]
	if a[1]&timerAbstime != 0 {
		rem = 0 // an absolute sleep has no time left to report
	} else {
		deadline += c.now()
	}
	return 0, t.cpuSleepUntil(c, deadline, rem)
}
