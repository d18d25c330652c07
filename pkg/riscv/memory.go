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

// clearRange unmaps every page of [start, end) (page aligned, in range)
// and returns how many leaf tables it had to touch. It skips absent
// subtrees whole, so its cost follows what is mapped in the range, not
// the range's size: a munmap of the whole address space walks the top
// level (2^17 pointers) and the tables that exist. A leaf or middle table
// the range covers entirely is detached after its entries are cleared.
// The caller holds AddressSpace.mu.
func (pt *pageTable) clearRange(start, end uint64) (leaves int) {
	const l2Span, l3Span = 1 << 30, 1 << 21
	for a := start; a < end; {
		topEnd := min((a&^(l2Span-1))+l2Span, end)
		l2 := pt.top[a>>30].Load()
		if l2 == nil {
			a = topEnd
			continue
		}
		for b := a; b < topEnd; {
			l3End := min((b&^(l3Span-1))+l3Span, topEnd)
			i2 := (b >> 21) & (1<<lnBits - 1)
			if l3 := l2.t[i2].Load(); l3 != nil {
				leaves++
				for p := b; p < l3End; p += pageSize {
					l3.e[(p>>pageShift)&(1<<lnBits-1)].Store(0)
				}
				if b&(l3Span-1) == 0 && l3End-b == l3Span {
					l2.t[i2].Store(nil)
				}
			}
			b = l3End
		}
		if a&(l2Span-1) == 0 && topEnd-a == l2Span {
			pt.top[a>>30].Store(nil)
		}
		a = topEnd
	}
	return leaves
}
