package riscv

import (
	"sync/atomic"
)

const (
	pageShift = 12
	pageSize  = 1 << pageShift
	pageMask  = pageSize - 1

	// addrBits is the width of a guest address: the 47-bit user space
	// pkg/vm hands out.
	addrBits = 47

	l1Bits = addrBits - 30 // top level: bits [46:30]
	lnBits = 9             // levels 2 and 3: bits [29:21] and [20:12]
)

// Permission bits kept in the low bits of a page-table entry; the rest of
// the entry is the page's offset in the memory file.
const (
	permR = 1
	permW = 2
	permX = 4
)

type l3Table struct{ e [1 << lnBits]atomic.Uint64 }
type l2Table struct {
	t [1 << lnBits]atomic.Pointer[l3Table]
}

// pageTable maps guest pages to memory-file offsets. Readers (running
// threads) use atomic loads only; writers hold AddressSpace.mu.
type pageTable struct {
	top [1 << l1Bits]atomic.Pointer[l2Table]
}

// lookup returns the entry of the page holding addr, or 0 if unmapped.
func (pt *pageTable) lookup(addr uint64) uint64 {
	if addr>>addrBits != 0 {
		return 0
	}
	l2 := pt.top[addr>>30].Load()
	if l2 == nil {
		return 0
	}
	l3 := l2.t[(addr>>21)&(1<<lnBits-1)].Load()
	if l3 == nil {
		return 0
	}
	return l3.e[(addr>>pageShift)&(1<<lnBits-1)].Load()
}

// set stores the entry of the page holding addr (which is in range).
// The caller holds AddressSpace.mu.
func (pt *pageTable) set(addr, e uint64) {
	l2 := pt.top[addr>>30].Load()
	if l2 == nil {
		if e == 0 {
			return
		}
		l2 = new(l2Table)
		pt.top[addr>>30].Store(l2)
	}
	i2 := (addr >> 21) & (1<<lnBits - 1)
	l3 := l2.t[i2].Load()
	if l3 == nil {
		if e == 0 {
			return
		}
		l3 = new(l3Table)
		l2.t[i2].Store(l3)
	}
	l3.e[(addr>>pageShift)&(1<<lnBits-1)].Store(e)
}
