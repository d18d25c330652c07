package kernel

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

// Setting clocks. The sandbox never sets the host's clocks and has no
// clocks of its own to set, so it answers as Linux answers a process
// without CAP_SYS_TIME: the same EINVAL and EFAULT checks first, then
// EPERM.

// sysClockSettime: only CLOCK_REALTIME and the CPU-time clocks of
// clock_getcpuclockid and pthread_getcpuclockid (negative ids) have a
// setter in Linux; any other clock, CLOCK_PROCESS_CPUTIME_ID and
// CLOCK_THREAD_CPUTIME_ID included, is EINVAL. A CPU clock can never be
// set: EPERM once its id names a thread or process.
func sysClockSettime(t *Task, a [6]uint64) (uint64, error) {
	id := int32(a[0])
	cpu := id < 0 && isCPUClock(id)
	if id != clockRealtime && !cpu {
		return 0, unix.EINVAL
	}
	var ts linux.Timespec
	if err := t.copyInObj(a[1], &ts); err != nil {
		return 0, err
	}
	if cpu {
		if _, err := t.cpuClockOf(id, false); err != nil {
			return 0, err
		}
		return 0, unix.EPERM
	}
	if ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= nsecPerSec {
		return 0, unix.EINVAL
	}
	return 0, unix.EPERM
}

// sysSettimeofday checks its arguments as Linux does, then refuses.
func sysSettimeofday(t *Task, a [6]uint64) (uint64, error) {
	if a[0] != 0 {
		var tv linux.Timeval
		if err := t.copyInObj(a[0], &tv); err != nil {
			return 0, err
		}
		if tv.Usec < 0 || tv.Usec >= 1_000_000 {
			return 0, unix.EINVAL
		}
		if tv.Sec < 0 {
			return 0, unix.EINVAL
		}
	}
	if a[1] != 0 {
		var b [8]byte
		if err := t.copyIn(a[1], b[:]); err != nil {
			return 0, err
		}
		if mw := int32(binary.LittleEndian.Uint32(b[:])); mw < -15*60 || mw > 15*60 {
			return 0, unix.EINVAL
		}
	}
	return 0, unix.EPERM
}

// sysSchedRRGetInterval reports a time slice of 0 (what Linux reports for
// a SCHED_OTHER thread on an idle run queue), the sandbox's only policy.
func sysSchedRRGetInterval(t *Task, a [6]uint64) (uint64, error) {
	if int32(a[0]) < 0 {
		return 0, unix.EINVAL
	}
	if _, err := t.affinityTarget(a[0]); err != nil {
		return 0, err
	}
	var b [16]byte
	return 0, t.copyOut(a[1], b[:])
}
