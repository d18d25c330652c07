package kernel

import "encoding/binary"

// userHZ is USER_HZ, the unit of times(2) and of /proc's clock ticks.
const userHZ = 100

// sysTimes is times(2): the process's user and system time and those of
// its waited-for children (getrusage's, from rusage.go), in clock ticks,
// and as its value the ticks since a fixed point in the past: the sandbox's
// boot, its start, as /proc/uptime counts it. A NULL buffer only returns
// the ticks, as on Linux; glibc takes any value that is not an errno as
// success, so an ENOSYS here went unnoticed, leaving the buffer unwritten.
func sysTimes(t *Task, a [6]uint64) (uint64, error) {
	if a[0] != 0 {
		self := t.processCPU()
		t.k.mu.Lock()
		children := t.tg.proc.childTimes
		t.k.mu.Unlock()
		var b [32]byte
		for i, us := range []int64{self.user, self.sys, children.user, children.sys} {
			binary.LittleEndian.PutUint64(b[8*i:], uint64(us*userHZ/1e6))
		}
		if err := t.copyOut(a[0], b[:]); err != nil {
			return 0, err
		}
	}
	return uint64(t.k.monoNS() * userHZ / 1e9), nil
}
