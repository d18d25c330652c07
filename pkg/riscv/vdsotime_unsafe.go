package riscv

import _ "unsafe" // go:linkname

// hostMonotonic is the host's CLOCK_MONOTONIC in nanoseconds, read through
// the Go runtime's vDSO call (the value clock_gettime(CLOCK_MONOTONIC)
// returns to the kernel's syscall handler too).
//
//go:linkname hostMonotonic runtime.nanotime
func hostMonotonic() int64
