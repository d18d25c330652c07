package vm

import (
	"bytes"
	"math/rand"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// forkTest forks m into a child mirrored into a fake platform; the child
// is released (and checked) before the parent's cleanup checks that all
// memory came back.
func forkTest(t *testing.T, m *MM) (*MM, *fakeAS) {
	t.Helper()
	m.mf.forkCopyLimit = 0 // these tests are about sharing
	f := newFakeAS(t)
	c, err := m.Fork(f)
	if err != nil {
		t.Fatalf("Fork: %v", err)
	}
	if err := c.MirrorAll(); err != nil {
		t.Fatalf("MirrorAll: %v", err)
	}
	t.Cleanup(func() {
		c.mu.RLock()
		gone := c.vmas == nil
		c.mu.RUnlock()
		if !gone {
			checkMirror(t, c, f)
			c.Release()
		}
	})
	return c, f
}

func TestForkCopiesPrivateSharesShared(t *testing.T) {
	m, pf := newTestMM(t)
	priv := mustMmap(t, m, anon(A, 4*P, RW))
	ro := mustMmap(t, m, MmapOpts{Addr: A + 8*P, Length: 2 * P, Prot: R, Flags: unix.MAP_PRIVATE | unix.MAP_FIXED,
		File: &memFile{bytes.Repeat([]byte("file"), 2*P/4)}})
	shared := mustMmap(t, m, MmapOpts{Addr: A + 16*P, Length: 2 * P, Prot: RW, Flags: SAF})
	resv := mustMmap(t, m, anon(A+32*P, 64*P, PN))
	m.SetBrkStart(A + 100*P)
	heap := m.Brk(A + 102*P)

	want := fill(t, m, priv, 4*P, 1)
	fill(t, m, shared, 2*P, 2)

	c, cf := forkTest(t, m)
	if got := read(t, c, priv, 4*P); !bytes.Equal(got, want) {
		t.Fatal("child does not see the parent's private memory")
	}
	if got := read(t, c, ro, 4); string(got) != "file" {
		t.Fatalf("child's file mapping reads %q", got)
	}
	if _, h := c.BrkRange(); h != heap {
		t.Errorf("child's break %#x, want %#x", h, heap)
	}
	if got, want := c.Maps(), m.Maps(); len(got) != len(want) {
		t.Errorf("child maps %v, parent %v", got, want)
	}
	if _, ok := c.Lookup(resv); !ok {
		t.Error("reservation missing in child")
	}
	// The parent's writable private memory is write-protected on its
	// platform now; the shared mapping is not.
	if pg := pf.pages[priv]; pg.perms.Write || !pg.perms.Read {
		t.Errorf("parent's private page mapped %+v after fork", pg.perms)
	}
	if pg := pf.pages[shared]; !pg.perms.Write {
		t.Errorf("parent's shared page mapped %+v after fork", pg.perms)
	}
	checkMirror(t, m, pf)
	checkMirror(t, c, cf)

	// Private: each side's writes stay its own.
	fill(t, m, priv+P, P, 9)
	if got := read(t, c, priv, 4*P); !bytes.Equal(got, want) {
		t.Error("parent's write after fork reached the child")
	}
	cw := fill(t, c, priv+2*P, P, 7)
	if got := read(t, m, priv+2*P, P); !bytes.Equal(got, want[2*P:3*P]) {
		t.Error("child's write reached the parent")
	}
	if got := read(t, c, priv+2*P, P); !bytes.Equal(got, cw) {
		t.Error("child's write lost")
	}
	// Shared: both ways.
	sw := fill(t, c, shared, P, 5)
	if got := read(t, m, shared, P); !bytes.Equal(got, sw) {
		t.Error("child's write to a shared mapping not seen by the parent")
	}
	pw := fill(t, m, shared+P, P, 6)
	if got := read(t, c, shared+P, P); !bytes.Equal(got, pw) {
		t.Error("parent's write to a shared mapping not seen by the child")
	}
	checkMirror(t, m, pf)
	checkMirror(t, c, cf)
}

func TestForkWriteFault(t *testing.T) {
	m, pf := newTestMM(t)
	const n = 4 * cowChunk
	base := mustMmap(t, m, anon(A, n, RW))
	want := fill(t, m, base, n, 3)
	ro := mustMmap(t, m, anon(A+n+P, P, R))
	c, cf := forkTest(t, m)

	// A write fault in the middle copies one chunk, in the parent only.
	addr := base + cowChunk + 5*P + 17
	ok, err := m.HandleFault(addr)
	if !ok || err != nil {
		t.Fatalf("HandleFault(%#x) = %v, %v", addr, ok, err)
	}
	chunk := base + cowChunk
	for a := base; a < base+n; a += P {
		in := a >= chunk && a < chunk+cowChunk
		if got := pf.pages[a].perms.Write; got != in {
			t.Errorf("page %#x writable %v after the fault, want %v", a, got, in)
		}
		if got := cf.pages[a].perms.Write; got {
			t.Errorf("child page %#x became writable", a)
		}
	}
	if got := read(t, m, base, n); !bytes.Equal(got, want) {
		t.Error("parent's memory changed by breaking copy-on-write")
	}
	// The fake platform stands in for the application writing through
	// its mapping: write via the sentry's view of the parent's page.
	pg := pf.pages[chunk]
	m.mf.view(pg.memOff, 1)[0] ^= 0xff
	if got := read(t, c, chunk, 1); got[0] != want[cowChunk] {
		t.Error("a write to the parent's copied chunk is visible in the child")
	}

	// Not copy-on-write faults stay faults.
	for _, a := range []uint64{ro, base + n + 64*P, 0} {
		if ok, err := m.HandleFault(a); ok || err != nil {
			t.Errorf("HandleFault(%#x) = %v, %v; want a real fault", a, ok, err)
		}
	}
	if ok, _ := m.HandleFault(addr); ok {
		t.Error("a second fault on the copied chunk was handled again")
	}

	// Once the child is gone, the parent's next fault only restores
	// write access to the whole piece, without copying.
	checkMirror(t, c, cf)
	c.Release()
	before := pf.pages[base].memOff
	if ok, err := m.HandleFault(base); !ok || err != nil {
		t.Fatalf("HandleFault after the child exited = %v, %v", ok, err)
	}
	if pg := pf.pages[base]; pg.memOff != before || !pg.perms.Write {
		t.Errorf("page %+v after the last sharer left, want offset %#x writable", pg, before)
	}
	last := pf.pages[base+n-P].memOff
	if ok, err := m.HandleFault(base + n - 1); !ok || err != nil {
		t.Fatalf("HandleFault after the child exited = %v, %v", ok, err)
	}
	if pg := pf.pages[base+n-P]; pg.memOff != last || !pg.perms.Write {
		t.Errorf("last page %+v after the last sharer left, want offset %#x writable", pg, last)
	}
	checkMirror(t, m, pf)
}

func TestForkDoesNotCopyUpFront(t *testing.T) {
	m, _ := newTestMM(t)
	const n = 64 << 20
	base := mustMmap(t, m, MmapOpts{Length: n, Prot: RW, Flags: PA})
	for a := base; a < base+n; a += 1 << 20 {
		fill(t, m, a, P, 1)
	}
	before := blocks(t, m.mf.FD())
	c, _ := forkTest(t, m)
	if after := blocks(t, m.mf.FD()); after != before {
		t.Errorf("fork allocated memory: st_blocks %d -> %d", before, after)
	}
	// Breaking copy-on-write copies data, not holes.
	if _, err := c.CopyOut(base+P, []byte{1}); err != nil {
		t.Fatal(err)
	}
	if after := blocks(t, m.mf.FD()); after-before > 2*P/512 {
		t.Errorf("breaking one chunk of a sparse range took %d blocks", after-before)
	}
}

func TestForkMunmapMadviseInChild(t *testing.T) {
	m, _ := newTestMM(t)
	base := mustMmap(t, m, anon(A, 8*P, RW))
	file := mustMmap(t, m, MmapOpts{Addr: A + 16*P, Length: P, Prot: RW, Flags: unix.MAP_PRIVATE | unix.MAP_FIXED,
		File: &memFile{bytes.Repeat([]byte("F"), P)}})
	want := fill(t, m, base, 8*P, 4)
	fw := fill(t, m, file, 10, 0)
	c, _ := forkTest(t, m)
	if err := c.Munmap(base, 2*P); err != nil {
		t.Fatal(err)
	}
	if err := c.Madvise(base+4*P, 2*P, unix.MADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	if err := c.Madvise(file, P, unix.MADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	if got := read(t, c, base+4*P, 2*P); !bytes.Equal(got, make([]byte, 2*P)) {
		t.Error("MADV_DONTNEED in the child did not zero its pages")
	}
	if got := read(t, c, file, 2); string(got) != "FF" {
		t.Errorf("MADV_DONTNEED on a private file mapping reads %q, want the file", got)
	}
	if got := read(t, m, base, 8*P); !bytes.Equal(got, want) {
		t.Error("the child's munmap/madvise changed the parent's memory")
	}
	if got := read(t, m, file, 10); !bytes.Equal(got, fw) {
		t.Error("the child's madvise changed the parent's file mapping")
	}
	// Mremap moves copy-on-write pieces; they stay shared with the parent.
	to, err := c.Mremap(base+6*P, 2*P, 4*P, unix.MREMAP_MAYMOVE, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, c, to, 2*P); !bytes.Equal(got, want[6*P:]) {
		t.Error("moved piece lost its contents")
	}
	fill(t, c, to, 4*P, 8)
	if got := read(t, m, base, 8*P); !bytes.Equal(got, want) {
		t.Error("writing the moved piece changed the parent")
	}
}

func TestForkTwiceAndGrandchild(t *testing.T) {
	m, _ := newTestMM(t)
	base := mustMmap(t, m, anon(A, 4*P, RW))
	want := fill(t, m, base, 4*P, 1)
	c1, _ := forkTest(t, m)
	c2, _ := forkTest(t, m)
	g, _ := forkTest(t, c1)
	fill(t, c1, base, P, 2)
	fill(t, g, base+P, P, 3)
	c2w := fill(t, c2, base+2*P, P, 4)
	for _, x := range []*MM{m, c1, g} {
		if got := read(t, x, base+2*P, P); !bytes.Equal(got, want[2*P:3*P]) {
			t.Error("one process's write seen by another")
		}
	}
	if got := read(t, c2, base+2*P, P); !bytes.Equal(got, c2w) {
		t.Error("write lost")
	}
	if got := read(t, m, base, 4*P); !bytes.Equal(got, want) {
		t.Error("parent's memory changed")
	}
}

func TestForkConcurrentWrites(t *testing.T) {
	m, _ := newTestMM(t)
	const n = 16 * cowChunk
	base := mustMmap(t, m, anon(A, n, RW))
	want := fill(t, m, base, n, 1)
	c, _ := forkTest(t, m)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			x := m
			if g%2 == 1 {
				x = c
			}
			b := []byte{byte(g)}
			for i := 0; i < 200; i++ {
				a := base + uint64((i*7919+g*131)%n)
				if g < 2 {
					x.CopyOut(a, b)
				} else {
					x.HandleFault(a)
					x.CopyIn(a, b)
				}
			}
		}(g)
	}
	wg.Wait()
	// The child only wrote bytes 1 (g == 1) and read; the parent's
	// writes are 0 (g == 0). Each side sees only its own writes.
	got := read(t, c, base, n)
	for i := range got {
		if got[i] != want[i] && got[i] != 1 {
			t.Fatalf("child byte %d = %#x, neither its own write nor the original", i, got[i])
		}
	}
}

// TestRefSet checks the reference counts against a page-by-page model.
func TestRefSet(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	const pages = 64
	var s refSet
	model := make([]int, pages)
	for i := range model {
		model[i] = 1
	}
	for step := 0; step < 5000; step++ {
		a := rnd.Intn(pages)
		b := a + 1 + rnd.Intn(pages-a)
		canDec := true
		for p := a; p < b; p++ {
			if model[p] == 0 {
				canDec = false
			}
		}
		if rnd.Intn(2) == 0 || !canDec {
			s.inc(int64(a), int64(b))
			for p := a; p < b; p++ {
				if model[p] == 0 {
					model[p] = 1 // reallocated: a fresh owner
				} else {
					model[p]++
				}
			}
			// Reallocated pages are owned once: inc counted them from
			// the absent (1) state, so fix the model to match what a
			// real caller does (never incs a freed page).
			continue
		}
		freed := s.dec(int64(a), int64(b))
		got := map[int]bool{}
		for _, e := range freed {
			for p := e.off; p < e.end; p++ {
				got[int(p)] = true
			}
		}
		for p := a; p < b; p++ {
			model[p]--
			if (model[p] == 0) != got[p] {
				t.Fatalf("step %d: page %d freed=%v, model count %d", step, p, got[p], model[p])
			}
			if model[p] == 0 {
				model[p] = 1 // freed and reused by someone new
			}
		}
		for i := 1; i < len(s); i++ {
			if s[i-1].end > s[i].off || s[i].n < 2 {
				t.Fatalf("step %d: bad set %v", step, s)
			}
		}
		for p := 0; p < pages; p++ {
			if s.exclusive(int64(p), int64(p+1)) != (model[p] == 1) {
				t.Fatalf("step %d: page %d exclusive=%v, model %d", step, p, !(model[p] == 1), model[p])
			}
		}
	}
}

// TestForkSmallCopiesEagerly: an address space with little private data
// (a shell) is copied at fork instead of shared, so neither side takes
// write faults afterwards; read-only memory is still shared.
func TestForkSmallCopiesEagerly(t *testing.T) {
	m, pf := newTestMM(t)
	priv := mustMmap(t, m, anon(A, 4*P, RW))
	text := mustMmap(t, m, MmapOpts{Addr: A + 8*P, Length: 2 * P, Prot: RX, Flags: unix.MAP_PRIVATE | unix.MAP_FIXED,
		File: &memFile{bytes.Repeat([]byte("t"), 2*P)}})
	want := fill(t, m, priv, 4*P, 1)
	cf := newFakeAS(t)
	c, err := m.Fork(cf)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MirrorAll(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		checkMirror(t, c, cf)
		c.Release()
	}()
	if pg := pf.pages[priv]; !pg.perms.Write {
		t.Errorf("small fork write-protected the parent: %+v", pg)
	}
	if pg := cf.pages[priv]; !pg.perms.Write || pg.memOff == pf.pages[priv].memOff {
		t.Errorf("child's private page %+v, parent's %+v: want its own writable copy", pg, pf.pages[priv])
	}
	if cf.pages[text].memOff != pf.pages[text].memOff {
		t.Error("read-only file memory was copied, not shared")
	}
	fill(t, c, priv, P, 9)
	if got := read(t, m, priv, 4*P); !bytes.Equal(got, want) {
		t.Error("the child's write reached the parent")
	}
	if got := read(t, c, priv+P, 3*P); !bytes.Equal(got, want[P:]) {
		t.Error("the child's copy differs")
	}
	checkMirror(t, m, pf)
}

// TestForkAdvice: MADV_DONTFORK leaves a mapping out of the child,
// MADV_WIPEONFORK gives it zeroes (private anonymous memory only), and
// DOFORK/KEEPONFORK undo them; the parent keeps its bytes.
func TestForkAdvice(t *testing.T) {
	for _, limit := range []int64{0, defaultForkCopyLimit} {
		m, _ := newTestMM(t)
		base := mustMmap(t, m, anon(A, 8*P, RW))
		want := fill(t, m, base, 8*P, 3)
		shared := mustMmap(t, m, MmapOpts{Addr: A + 16*P, Length: P, Prot: RW, Flags: SAF})
		for _, c := range []struct {
			off, n uint64
			advice int
		}{
			{0, 2 * P, unix.MADV_DONTFORK},
			{2 * P, 2 * P, unix.MADV_WIPEONFORK},
			{4 * P, 2 * P, unix.MADV_DONTFORK},
			{4 * P, 2 * P, unix.MADV_DOFORK},
			{6 * P, P, unix.MADV_WIPEONFORK},
			{6 * P, P, unix.MADV_KEEPONFORK},
		} {
			if err := m.Madvise(base+c.off, c.n, c.advice); err != nil {
				t.Fatalf("madvise(%#x, %#x, %d): %v", base+c.off, c.n, c.advice, err)
			}
		}
		if err := m.Madvise(shared, P, unix.MADV_WIPEONFORK); err != unix.EINVAL {
			t.Errorf("MADV_WIPEONFORK on shared memory: %v, want EINVAL", err)
		}
		f := newFakeAS(t)
		m.mf.forkCopyLimit = limit
		c, err := m.Fork(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.MirrorAll(); err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Lookup(base); ok {
			t.Errorf("limit %d: MADV_DONTFORK memory is in the child", limit)
		}
		if got := read(t, c, base+2*P, 2*P); !bytes.Equal(got, make([]byte, 2*P)) {
			t.Errorf("limit %d: MADV_WIPEONFORK memory is not zero in the child", limit)
		}
		if got := read(t, c, base+4*P, 4*P); !bytes.Equal(got, want[4*P:]) {
			t.Errorf("limit %d: the rest of the child's memory differs", limit)
		}
		if got := read(t, m, base, 8*P); !bytes.Equal(got, want) {
			t.Errorf("limit %d: the parent's memory changed", limit)
		}
		checkMirror(t, c, f)
		c.Release()
	}
}
