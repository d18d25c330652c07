package vm

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// CompareAndSwapU32 atomically replaces the aligned 32-bit word at addr
// with new if it holds old, and returns what it held. The sentry's view and
// the application's mapping are the same pages of the memory file, so the
// operation is atomic against application threads too (futex, robust
// lists). The word must be readable and writable: EFAULT otherwise, EINVAL
// if addr is not 4-byte aligned. Like CopyOut it first gives m its own
// copy of copy-on-write memory there (even if the swap then fails, as
// Linux's futex_atomic_cmpxchg faults the page in for writing), so the
// store never reaches a page another address space sees.
func (m *MM) CompareAndSwapU32(addr uint64, old, new uint32) (uint32, error) {
	if addr%4 != 0 {
		return 0, unix.EINVAL
	}
	unlock, err := m.lockToWrite(addr, 4, unix.PROT_READ|unix.PROT_WRITE)
	if err != nil {
		return 0, err
	}
	defer unlock()
	var prev uint32
	_, err = m.walk(addr, 4, unix.PROT_READ|unix.PROT_WRITE, func(mem []byte) bool {
		p := (*uint32)(unsafe.Pointer(&mem[0]))
		for {
			prev = atomic.LoadUint32(p)
			if prev != old || atomic.CompareAndSwapUint32(p, old, new) {
				return true
			}
		}
	})
	return prev, err
}

// LoadU32 atomically reads the aligned 32-bit word at addr.
func (m *MM) LoadU32(addr uint64) (uint32, error) {
	if addr%4 != 0 {
		return 0, unix.EINVAL
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	var v uint32
	_, err := m.walk(addr, 4, unix.PROT_READ, func(mem []byte) bool {
		v = atomic.LoadUint32((*uint32)(unsafe.Pointer(&mem[0])))
		return true
	})
	return v, err
}
