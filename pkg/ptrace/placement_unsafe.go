package ptrace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// getcpu returns the CPU the calling thread is running on. RawSyscall: it
// never blocks, and it is on the path of every Switch.
func getcpu() (int32, error) {
	var cpu uint32
	_, _, e := unix.RawSyscall(unix.SYS_GETCPU, uintptr(unsafe.Pointer(&cpu)), 0, 0)
	if e != 0 {
		return -1, e
	}
	return int32(cpu), nil
}
