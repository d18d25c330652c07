package riscv

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hostMem is the sentry's one mapping of the memory file. Guest page-table
// entries hold offsets into it.
type hostMem struct {
	data []byte
	base unsafe.Pointer
	dev  uint64
	ino  uint64
}

// mapMemFile maps all of memfd shared and read-write into the sentry.
func mapMemFile(memfd int) (*hostMem, error) {
	var st unix.Stat_t
	if err := unix.Fstat(memfd, &st); err != nil {
		return nil, fmt.Errorf("riscv: fstat memory file: %w", err)
	}
	if st.Size <= 0 {
		return nil, fmt.Errorf("riscv: memory file is empty")
	}
	data, err := unix.Mmap(memfd, 0, int(st.Size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("riscv: mapping the memory file (%#x bytes): %w", st.Size, err)
	}
	return &hostMem{data: data, base: unsafe.Pointer(&data[0]), dev: st.Dev, ino: st.Ino}, nil
}

func (h *hostMem) unmap() {
	if h.data != nil {
		_ = unix.Munmap(h.data)
		h.data, h.base = nil, nil
	}
}

func (h *hostMem) size() uint64 { return uint64(len(h.data)) }

// The accessors below take an offset in the memory file that the caller
// has translated and bounds-checked (the whole access lies in one page
// that a page-table entry names).

func (h *hostMem) ld8(off uint64) uint64  { return uint64(*(*uint8)(unsafe.Add(h.base, off))) }
func (h *hostMem) ld16(off uint64) uint64 { return uint64(*(*uint16)(unsafe.Add(h.base, off))) }
func (h *hostMem) ld32(off uint64) uint64 { return uint64(*(*uint32)(unsafe.Add(h.base, off))) }
func (h *hostMem) ld64(off uint64) uint64 { return *(*uint64)(unsafe.Add(h.base, off)) }

func (h *hostMem) st8(off, v uint64)  { *(*uint8)(unsafe.Add(h.base, off)) = uint8(v) }
func (h *hostMem) st16(off, v uint64) { *(*uint16)(unsafe.Add(h.base, off)) = uint16(v) }
func (h *hostMem) st32(off, v uint64) { *(*uint32)(unsafe.Add(h.base, off)) = uint32(v) }
func (h *hostMem) st64(off, v uint64) { *(*uint64)(unsafe.Add(h.base, off)) = v }

// Atomic accessors: off is naturally aligned.

func (h *hostMem) p32(off uint64) *uint32 { return (*uint32)(unsafe.Add(h.base, off)) }
func (h *hostMem) p64(off uint64) *uint64 { return (*uint64)(unsafe.Add(h.base, off)) }

func (h *hostMem) atomicLoad32(off uint64) uint32 { return atomic.LoadUint32(h.p32(off)) }
func (h *hostMem) atomicLoad64(off uint64) uint64 { return atomic.LoadUint64(h.p64(off)) }
func (h *hostMem) cas32(off uint64, old, new uint32) bool {
	return atomic.CompareAndSwapUint32(h.p32(off), old, new)
}
func (h *hostMem) cas64(off uint64, old, new uint64) bool {
	return atomic.CompareAndSwapUint64(h.p64(off), old, new)
}
func (h *hostMem) swap32(off uint64, v uint32) uint32 { return atomic.SwapUint32(h.p32(off), v) }
func (h *hostMem) swap64(off uint64, v uint64) uint64 { return atomic.SwapUint64(h.p64(off), v) }
func (h *hostMem) add32(off uint64, v uint32) uint32  { return atomic.AddUint32(h.p32(off), v) - v }
func (h *hostMem) add64(off uint64, v uint64) uint64  { return atomic.AddUint64(h.p64(off), v) - v }
func (h *hostMem) and32(off uint64, v uint32) uint32  { return atomic.AndUint32(h.p32(off), v) }
func (h *hostMem) and64(off uint64, v uint64) uint64  { return atomic.AndUint64(h.p64(off), v) }
func (h *hostMem) or32(off uint64, v uint32) uint32   { return atomic.OrUint32(h.p32(off), v) }
func (h *hostMem) or64(off uint64, v uint64) uint64   { return atomic.OrUint64(h.p64(off), v) }
