package ptrace

import (
	"bytes"
	"strconv"

	"sentry/pkg/platform"
)

var _ platform.ThreadCPUClock = (*context)(nil)

// ThreadCPU is the CPU time the stub thread has run, as the host's
// scheduler counts it (the first field of /proc/PID/task/TID/schedstat,
// nanoseconds): unlike the wall time of Switch, time the thread waits
// for a CPU on a busy host is not in it. Safe from any goroutine; false
// once the thread is gone or where the host keeps no schedstat.
func (c *context) ThreadCPU() (int64, bool) {
	b, err := c.as.plat.readProc(c.as.pid, "task/"+strconv.Itoa(int(c.tid))+"/schedstat")
	if err != nil {
		return 0, false
	}
	f, _, _ := bytes.Cut(b, []byte(" "))
	ns, err := strconv.ParseInt(string(f), 10, 64)
	if err != nil {
		return 0, false
	}
	return ns, true
}
