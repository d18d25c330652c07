package vm

// refSet counts references to memory-file pages that more than one piece
// holds: the pages of a MAP_SHARED mapping inherited by fork, and the
// private pages a parent and child share copy-on-write. A page absent
// from the set has exactly one owner, so an address space that never
// forked pays nothing.
//
// Invariants: sorted, disjoint, non-empty extents, each with n >= 2.
type refSet []refExtent

type refExtent struct {
	off, end int64
	n        int32
}

// first is the index of the first extent ending after off.
func (s refSet) first(off int64) int {
	lo, hi := 0, len(s)
	for lo < hi {
		m := (lo + hi) / 2
		if s[m].end <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// inc adds one reference to every page of [off, end).
func (s *refSet) inc(off, end int64) {
	s.update(off, end, func(n int32) int32 { return n + 1 })
}

// dec drops one reference from every page of [off, end) and returns the
// parts whose last reference that was (the caller frees them).
func (s *refSet) dec(off, end int64) []extent {
	var last []extent
	s.update(off, end, func(n int32) int32 { return n - 1 })
	// Pages that had count 1 (absent) went to 0: update recorded them
	// as extents with n == 0; collect and drop them.
	out := (*s)[:0]
	for _, e := range *s {
		if e.n == 0 {
			if k := len(last); k > 0 && last[k-1].end == e.off {
				last[k-1].end = e.end
			} else {
				last = append(last, extent{e.off, e.end})
			}
			continue
		}
		out = append(out, e)
	}
	*s = out
	return last
}

// update applies f to the count of every page in [off, end), where an
// absent page counts 1, and keeps only extents whose new count is not 1
// (dec collects the zeroes).
func (s *refSet) update(off, end int64, f func(int32) int32) {
	if off >= end {
		return
	}
	old := *s
	i := old.first(off)
	var mid []refExtent
	add := func(a, b int64, n int32) {
		if a >= b || n == 1 {
			return
		}
		if k := len(mid); k > 0 && mid[k-1].end == a && mid[k-1].n == n {
			mid[k-1].end = b
			return
		}
		mid = append(mid, refExtent{a, b, n})
	}
	cur := off
	j := i
	for ; j < len(old) && old[j].off < end; j++ {
		e := old[j]
		if e.off < off {
			add(e.off, off, e.n) // the part before the range keeps its count
		}
		if s := max(e.off, off); cur < s {
			add(cur, s, f(1))
		}
		add(max(e.off, off), min(e.end, end), f(e.n))
		if e.end > end {
			add(end, e.end, e.n)
		}
		cur = min(e.end, end)
	}
	if cur < end {
		add(cur, end, f(1))
	}
	ns := make(refSet, 0, len(old)-(j-i)+len(mid))
	ns = append(ns, old[:i]...)
	ns = append(ns, mid...)
	ns = append(ns, old[j:]...)
	*s = ns
}

// exclusive reports whether every page of [off, end) has one owner.
func (s refSet) exclusive(off, end int64) bool {
	i := s.first(off)
	return i == len(s) || s[i].off >= end
}
