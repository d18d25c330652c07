package riscv

import "time"

// The interpreter's equivalent of the time vDSO. On Linux a riscv64
// program reads the clock through __vdso_clock_gettime without entering
// the kernel; the sentry gives riscv64 programs no vDSO symbols, so glibc
// issues clock_gettime as an ecall. When the platform serves time (the
// kernel's vDSO option, Platform.SetVDSOTime), the interpreter answers the
// two clocks programs read in loops (CLOCK_REALTIME, CLOCK_MONOTONIC) at
// the ecall itself, from the same host clocks the kernel's clock_gettime
// reads, and goes on running: no trip through the kernel, and no trace
// line, exactly like a vDSO call on amd64. Every other clock, and any
// timespec the interpreter cannot store, takes the ordinary syscall path.

const (
	sysClockGettimeRV64 = 113
	clockRealtime       = 0
	clockMonotonic      = 1
)

// fastClock serves clock_gettime(a0, a1) when it can; false means the
// ecall must go to the kernel. Nothing is written unless both words can
// be (the timespec is 8-byte aligned in every ABI-conforming caller;
// anything else is left to the kernel).
func (c *cpu) fastClock() bool {
	if c.x[17] != sysClockGettimeRV64 {
		return false
	}
	var sec, nsec int64
	switch c.x[10] {
	case clockRealtime:
		t := time.Now()
		sec, nsec = t.Unix(), int64(t.Nanosecond())
	case clockMonotonic:
		n := hostMonotonic()
		sec, nsec = n/1e9, n%1e9
	default:
		return false
	}
	addr := c.x[11]
	if addr&7 != 0 || addr&pageMask > pageSize-16 {
		return false
	}
	off, ok := c.translateW(addr)
	if !ok {
		c.faultAddr, c.faultCode = 0, 0
		return false
	}
	c.mem.st64(off, uint64(sec))
	c.mem.st64(off+8, uint64(nsec))
	c.x[10] = 0
	return true
}
