package kernel

import (
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hostFutexWait sleeps while *w == val, at most d (d < 0: no limit). It is a
// blocking syscall to the Go scheduler (Syscall6, not RawSyscall6), so the
// thread's P can be handed to other goroutines meanwhile.
func hostFutexWait(w *atomic.Uint32, val uint32, d time.Duration) {
	var ts *unix.Timespec
	if d >= 0 {
		t := unix.NsecToTimespec(d.Nanoseconds())
		ts = &t
	}
	syscall.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(w)), futexWait|futexPrivateFlag, uintptr(val),
		uintptr(unsafe.Pointer(ts)), 0, 0)
}

// hostFutexWake wakes the one sleeper on w.
func hostFutexWake(w *atomic.Uint32) {
	syscall.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(w)), futexWake|futexPrivateFlag, 1, 0, 0, 0)
}
