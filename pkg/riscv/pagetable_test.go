package riscv

import (
	"math/rand"
	"testing"
)

// TestUnmapCostFollowsWhatIsMapped: unmapping the whole 2^47 address
// space with a few scattered pages mapped touches only the leaf tables
// that exist (a count of operations, not a time), leaves nothing mapped
// in the range and keeps what lies outside it. The page-by-page loop it
// replaces made 2^35 lookups (tens of seconds).
func TestUnmapCostFollowsWhatIsMapped(t *testing.T) {
	var pt pageTable
	pages := []uint64{0x10000, 0x10000 + pageSize, 0x555555554000, 0x7ffffffff000, 0x40000000, 0x3fe00000}
	for i, a := range pages {
		pt.set(a, uint64(i+1)<<pageShift|permR)
	}
	leaves := map[uint64]bool{}
	for _, a := range pages {
		leaves[a>>21] = true
	}
	if n := pt.clearRange(0, 1<<addrBits); n != len(leaves) {
		t.Errorf("clearRange of everything touched %d leaf tables, want %d", n, len(leaves))
	}
	for _, a := range pages {
		if e := pt.lookup(a); e != 0 {
			t.Errorf("%#x still mapped (%#x)", a, e)
		}
	}
	for i := range pt.top {
		if pt.top[i].Load() != nil {
			t.Fatalf("top-level entry %d survives an unmap of everything", i)
		}
	}

	// Partial ranges against a model: only pages inside are cleared.
	r := rand.New(rand.NewSource(3))
	model := map[uint64]uint64{}
	const span = 1 << 32 // a 4 GiB window, so ranges cross 2 MiB and 1 GiB boundaries
	for i := 0; i < 20000; i++ {
		a := uint64(r.Int63n(span)) &^ pageMask
		if r.Intn(3) > 0 {
			e := uint64(r.Intn(1000)+1)<<pageShift | permR
			pt.set(a, e)
			model[a] = e
			continue
		}
		end := a + uint64(r.Int63n(1<<31))&^pageMask + pageSize
		pt.clearRange(a, end)
		for p := range model {
			if p >= a && p < end {
				delete(model, p)
			}
		}
	}
	for p, e := range model {
		if got := pt.lookup(p); got != e {
			t.Fatalf("%#x: %#x, want %#x", p, got, e)
		}
	}
	n := 0
	for a := uint64(0); a < span; a += pageSize {
		if pt.lookup(a) != 0 {
			n++
		}
	}
	if n != len(model) {
		t.Errorf("%d pages mapped, model has %d", n, len(model))
	}
}

// TestUnmapWholeAddressSpace: the platform call pkg/vm makes for a munmap
// of everything (munmap(0, 1<<47) by a program) unmaps the code page.
func TestUnmapWholeAddressSpace(t *testing.T) {
	m := newBareMachine(t, false)
	if m.as.pt.lookup(codeBase) == 0 {
		t.Fatal("code page not mapped")
	}
	if err := m.as.Unmap(0, 1<<addrBits); err != nil {
		t.Fatal(err)
	}
	if e := m.as.pt.lookup(codeBase); e != 0 {
		t.Errorf("code page still mapped: %#x", e)
	}
}
