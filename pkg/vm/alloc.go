package vm

import "fmt"

// extent is a half-open range [off, end) of memory-file offsets.
type extent struct {
	off, end int64
}

// allocator hands out page-aligned ranges of the memory file. It is pure
// bookkeeping: MemoryFile adds locking and hole punching.
//
// Invariants: free is sorted, its extents are non-empty, disjoint, not
// adjacent to each other, and all lie below top; everything in [top, size)
// is free.
type allocator struct {
	size int64
	top  int64
	free []extent
}

// alloc returns the lowest free range of n bytes (first fit), or false.
func (a *allocator) alloc(n int64) (int64, bool) {
	if n <= 0 {
		return 0, false
	}
	for i, e := range a.free {
		if e.end-e.off < n {
			continue
		}
		off := e.off
		if e.end-e.off == n {
			a.free = append(a.free[:i], a.free[i+1:]...)
		} else {
			a.free[i].off += n
		}
		return off, true
	}
	if a.size-a.top < n {
		return 0, false
	}
	off := a.top
	a.top += n
	return off, true
}

// allocAt takes exactly [off, off+n) if all of it is free. It lets a heap
// or a mremap grow keep its file range contiguous.
func (a *allocator) allocAt(off, n int64) bool {
	if n <= 0 || off < 0 || off > a.size-n {
		return false
	}
	end := off + n
	if off >= a.top {
		// Whatever lies between top and off stays free.
		if off > a.top {
			a.insert(extent{a.top, off})
		}
		a.top = end
		return true
	}
	i := a.find(off)
	if i < 0 {
		return false
	}
	e := a.free[i]
	switch {
	case end <= e.end:
	case e.end == a.top:
		// The free extent runs into the bump area.
		a.top = end
		e.end = end
	default:
		return false
	}
	var repl []extent
	if e.off < off {
		repl = append(repl, extent{e.off, off})
	}
	if end < e.end {
		repl = append(repl, extent{end, e.end})
	}
	a.free = append(a.free[:i], append(repl, a.free[i+1:]...)...)
	return true
}

// find returns the index of the free extent containing off, or -1.
func (a *allocator) find(off int64) int {
	lo, hi := 0, len(a.free)
	for lo < hi {
		m := (lo + hi) / 2
		if a.free[m].end <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(a.free) && a.free[lo].off <= off {
		return lo
	}
	return -1
}

// release returns [off, off+n) to the free set, coalescing with
// neighbours and lowering top when the range reaches it. Releasing a range
// that is not allocated is a sentry bug and panics.
func (a *allocator) release(off, n int64) {
	if n <= 0 {
		return
	}
	end := off + n
	if off < 0 || end > a.top {
		panic(fmt.Sprintf("vm: release of [%#x, %#x) outside allocated [0, %#x)", off, end, a.top))
	}
	a.insert(extent{off, end})
	if last := len(a.free) - 1; a.free[last].end == a.top {
		a.top = a.free[last].off
		a.free = a.free[:last]
	}
}

// insert adds e to free, coalescing; e must not overlap a free extent.
func (a *allocator) insert(e extent) {
	// i is the first extent ending at or after e.off: the only candidate
	// to merge on the left.
	lo, hi := 0, len(a.free)
	for lo < hi {
		m := (lo + hi) / 2
		if a.free[m].end < e.off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo
	prev := i < len(a.free) && a.free[i].end == e.off
	j := i // first extent that may lie after e
	if prev {
		j = i + 1
	}
	if j < len(a.free) && a.free[j].off < e.end {
		panic(fmt.Sprintf("vm: double free of [%#x, %#x)", e.off, e.end))
	}
	next := j < len(a.free) && a.free[j].off == e.end
	switch {
	case prev && next:
		a.free[i].end = a.free[j].end
		a.free = append(a.free[:j], a.free[j+1:]...)
	case prev:
		a.free[i].end = e.end
	case next:
		a.free[j].off = e.off
	default:
		a.free = append(a.free, extent{})
		copy(a.free[i+1:], a.free[i:])
		a.free[i] = e
	}
}
