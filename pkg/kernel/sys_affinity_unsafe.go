package kernel

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hostCPUMaskSize asks the host's sched_getaffinity, for the sentry
// itself, how many bytes a cpumask has; whole longs for n CPUs if that
// fails.
func hostCPUMaskSize(n int) int {
	least := (n + 63) / 64 * 8
	buf := make([]byte, 8192)
	r, _, errno := unix.RawSyscall(unix.SYS_SCHED_GETAFFINITY, 0, uintptr(len(buf)), uintptr(unsafe.Pointer(&buf[0])))
	if errno != 0 || int(r) < least || r%8 != 0 {
		return least
	}
	return int(r)
}
