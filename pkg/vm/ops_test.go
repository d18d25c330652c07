package vm

import (
	"bytes"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

func fill(t *testing.T, m *MM, addr uint64, n int, seed byte) []byte {
	t.Helper()
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i/P) + byte(i)
	}
	if c, err := m.CopyOut(addr, b); err != nil || c != n {
		t.Fatalf("CopyOut(%#x, %d) = %d, %v", addr, n, c, err)
	}
	return b
}

func read(t *testing.T, m *MM, addr uint64, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if c, err := m.CopyIn(addr, b); err != nil || c != n {
		t.Fatalf("CopyIn(%#x, %d) = %d, %v", addr, n, c, err)
	}
	return b
}

func TestBrk(t *testing.T) {
	const start = A + 0x123
	m, f := newTestMM(t)
	if got := m.Brk(0); got != 0 {
		t.Errorf("Brk(0) before SetBrkStart = %#x", got)
	}
	m.SetBrkStart(start)
	base := uint64(A + P)
	mustMmap(t, m, anon(base+16*P, P, R)) // a wall the heap cannot grow into
	steps := []struct {
		arg, want uint64
		heapEnd   uint64 // 0: no heap mapping
	}{
		{0, base, 0},
		{base - 1, base, 0}, // below the start: unchanged
		{base + 10, base + 10, base + P},
		{base + 3*P + 1, base + 3*P + 1, base + 4*P},
		{base + 3*P + 5, base + 3*P + 5, base + 4*P},
		{base + 17*P, base + 3*P + 5, base + 4*P}, // would overlap the wall
		{base + 16*P, base + 16*P, base + 16*P},   // up to the wall
		{base + P, base + P, base + P},            // shrink
		{0, base + P, base + P},
		{base, base, 0},
		{TaskSize + P, base, 0},
	}
	for i, s := range steps {
		if got := m.Brk(s.arg); got != s.want {
			t.Fatalf("step %d: Brk(%#x) = %#x, want %#x", i, s.arg, got, s.want)
		}
		checkMirror(t, m, f)
		v, ok := m.Lookup(base)
		switch {
		case s.heapEnd == 0 && ok:
			t.Errorf("step %d: heap mapping %+v, want none", i, v)
		case s.heapEnd != 0 && (!ok || v.Name != "[heap]" || v.End != s.heapEnd || v.Prot != RW):
			t.Errorf("step %d: heap mapping %+v (%v), want end %#x", i, v, ok, s.heapEnd)
		}
		if s.heapEnd > base {
			// The heap is usable memory.
			fill(t, m, s.heapEnd-P, P, byte(i))
		}
	}
	// Growing again after a shrink gives zeroed memory, and contiguous
	// growth keeps one piece.
	m.Brk(base + 2*P)
	fill(t, m, base, 2*P, 7)
	m.Brk(base + P)
	m.Brk(base + 4*P)
	if got := read(t, m, base+P, P); !bytes.Equal(got, make([]byte, P)) {
		t.Error("regrown heap page not zero")
	}
	m.mu.RLock()
	pieces := len(m.vmas)
	m.mu.RUnlock()
	if pieces != 2 { // heap + wall
		t.Errorf("%d pieces, want 2: %+v", pieces, m.vmas)
	}
}

func TestMremap(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(t *testing.T, m *MM) // maps 4 pages at A filled with content
		oldAddr   uint64
		oldLen    uint64
		newLen    uint64
		flags     int
		newAddr   uint64
		wantErr   error
		wantAddr  uint64 // 0: any address other than oldAddr
		keep      uint64 // bytes of content expected preserved at the result
		wantMapsN int    // number of Maps entries afterwards
	}{
		{name: "shrink", oldAddr: A, oldLen: 4 * P, newLen: 2 * P, wantAddr: A, keep: 2 * P, wantMapsN: 1},
		{name: "same size", oldAddr: A, oldLen: 4 * P, newLen: 4 * P, wantAddr: A, keep: 4 * P, wantMapsN: 1},
		{name: "grow in place", oldAddr: A, oldLen: 4 * P, newLen: 8 * P, wantAddr: A, keep: 4 * P, wantMapsN: 1},
		{name: "grow blocked without MAYMOVE", setup: wall(A + 5*P), oldAddr: A, oldLen: 4 * P, newLen: 8 * P, wantErr: unix.ENOMEM, wantMapsN: 2},
		{name: "grow moves", setup: wall(A + 5*P), oldAddr: A, oldLen: 4 * P, newLen: 8 * P, flags: unix.MREMAP_MAYMOVE, keep: 4 * P, wantMapsN: 2},
		{name: "move part and grow", setup: wall(A + 5*P), oldAddr: A, oldLen: 2 * P, newLen: 3 * P, flags: unix.MREMAP_MAYMOVE, keep: 2 * P, wantMapsN: 3},
		{name: "fixed move", oldAddr: A, oldLen: 4 * P, newLen: 4 * P, flags: unix.MREMAP_MAYMOVE | unix.MREMAP_FIXED, newAddr: A + 0x100*P, wantAddr: A + 0x100*P, keep: 4 * P, wantMapsN: 1},
		{name: "fixed move shrinks", oldAddr: A, oldLen: 4 * P, newLen: 2 * P, flags: unix.MREMAP_MAYMOVE | unix.MREMAP_FIXED, newAddr: A + 0x100*P, wantAddr: A + 0x100*P, keep: 2 * P, wantMapsN: 1},
		{name: "fixed move grows over a mapping", setup: wall(A + 0x102*P), oldAddr: A, oldLen: 4 * P, newLen: 6 * P, flags: unix.MREMAP_MAYMOVE | unix.MREMAP_FIXED, newAddr: A + 0x100*P, wantAddr: A + 0x100*P, keep: 4 * P, wantMapsN: 1},
		{name: "dontunmap", oldAddr: A, oldLen: 4 * P, newLen: 4 * P, flags: unix.MREMAP_MAYMOVE | unix.MREMAP_DONTUNMAP, keep: 4 * P, wantMapsN: 2},
		{name: "fixed overlap", oldAddr: A, oldLen: 4 * P, newLen: 4 * P, flags: unix.MREMAP_MAYMOVE | unix.MREMAP_FIXED, newAddr: A + 2*P, wantErr: unix.EINVAL, wantMapsN: 1},
		{name: "fixed without maymove", oldAddr: A, oldLen: 4 * P, newLen: 4 * P, flags: unix.MREMAP_FIXED, newAddr: A + 0x100*P, wantErr: unix.EINVAL, wantMapsN: 1},
		{name: "fixed unaligned", oldAddr: A, oldLen: 4 * P, newLen: 4 * P, flags: unix.MREMAP_MAYMOVE | unix.MREMAP_FIXED, newAddr: A + 0x100*P + 1, wantErr: unix.EINVAL, wantMapsN: 1},
		{name: "dontunmap resize", oldAddr: A, oldLen: 4 * P, newLen: 8 * P, flags: unix.MREMAP_MAYMOVE | unix.MREMAP_DONTUNMAP, wantErr: unix.EINVAL, wantMapsN: 1},
		{name: "bad flags", oldAddr: A, oldLen: 4 * P, newLen: 4 * P, flags: 0x80, wantErr: unix.EINVAL, wantMapsN: 1},
		{name: "unaligned", oldAddr: A + 1, oldLen: 4 * P, newLen: 4 * P, wantErr: unix.EINVAL, wantMapsN: 1},
		{name: "zero new length", oldAddr: A, oldLen: 4 * P, newLen: 0, wantErr: unix.EINVAL, wantMapsN: 1},
		{name: "old length zero", oldAddr: A, oldLen: 0, newLen: P, flags: unix.MREMAP_MAYMOVE, wantErr: unix.EINVAL, wantMapsN: 1},
		{name: "not mapped", oldAddr: A + 0x100*P, oldLen: P, newLen: 2 * P, wantErr: unix.EFAULT, wantMapsN: 1},
		{name: "beyond the mapping", oldAddr: A, oldLen: 5 * P, newLen: 6 * P, wantErr: unix.EFAULT, wantMapsN: 1},
		{name: "across two mappings", setup: func(t *testing.T, m *MM) { mustMmap(t, m, anon(A+4*P, P, R)) }, oldAddr: A, oldLen: 5 * P, newLen: 6 * P, wantErr: unix.EFAULT, wantMapsN: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, f := newTestMM(t)
			mustMmap(t, m, anon(A, 4*P, RW))
			content := fill(t, m, A, 4*P, 1)
			if tt.setup != nil {
				tt.setup(t, m)
			}
			got, err := m.Mremap(tt.oldAddr, tt.oldLen, tt.newLen, tt.flags, tt.newAddr)
			checkMirror(t, m, f)
			if err != tt.wantErr {
				t.Fatalf("Mremap = %#x, %v; want error %v", got, err, tt.wantErr)
			}
			if maps := m.Maps(); len(maps) != tt.wantMapsN {
				t.Errorf("Maps %+v, want %d entries", maps, tt.wantMapsN)
			}
			if err != nil {
				if !bytes.Equal(read(t, m, A, 4*P), content) {
					t.Error("failed Mremap changed contents")
				}
				return
			}
			if tt.wantAddr != 0 && got != tt.wantAddr || tt.wantAddr == 0 && got == tt.oldAddr {
				t.Errorf("Mremap = %#x, want %#x", got, tt.wantAddr)
			}
			if !bytes.Equal(read(t, m, got, int(tt.keep)), content[:tt.keep]) {
				t.Error("contents not preserved")
			}
			newLen, _ := pageRoundUp(tt.newLen)
			if grown := newLen - tt.keep; grown > 0 && newLen > tt.oldLen {
				if !bytes.Equal(read(t, m, got+tt.keep, int(grown)), make([]byte, grown)) {
					t.Error("grown part not zero")
				}
			}
			if _, err := m.CopyIn(got+newLen, make([]byte, 1)); err == nil && tt.name != "move part and grow" {
				t.Errorf("byte past the new end is mapped")
			}
			if got != tt.oldAddr && tt.flags&unix.MREMAP_DONTUNMAP == 0 {
				if _, ok := m.Lookup(tt.oldAddr); ok && tt.oldLen == 4*P {
					t.Error("old range still mapped after move")
				}
			}
			if tt.flags&unix.MREMAP_DONTUNMAP != 0 {
				if !bytes.Equal(read(t, m, A, 4*P), make([]byte, 4*P)) {
					t.Error("DONTUNMAP old range not zero")
				}
			}
		})
	}
}

func wall(addr uint64) func(t *testing.T, m *MM) {
	return func(t *testing.T, m *MM) { mustMmap(t, m, anon(addr, P, R)) }
}

func TestMremapFile(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 8*P/16)
	m, f := newTestMM(t)
	a := mustMmap(t, m, MmapOpts{Addr: A, Length: 2 * P, Prot: R, Flags: unix.MAP_PRIVATE | unix.MAP_FIXED, File: &memFile{b: data}, Offset: P, Name: "/f"})
	got, err := m.Mremap(a, 2*P, 4*P, 0, 0)
	if err != nil || got != a {
		t.Fatalf("Mremap = %#x, %v", got, err)
	}
	if !bytes.Equal(read(t, m, a, 4*P), data[P:5*P]) {
		t.Error("grown file mapping does not show the file")
	}
	if maps := m.Maps(); len(maps) != 1 || maps[0].Offset != P || maps[0].End != a+4*P {
		t.Errorf("Maps %+v", maps)
	}
	checkMirror(t, m, f)
}

func TestMadvise(t *testing.T) {
	data := bytes.Repeat([]byte{0x5a}, 4*P)
	m, f := newTestMM(t)
	mustMmap(t, m, anon(A, 4*P, RW))
	mustMmap(t, m, MmapOpts{Addr: A + 4*P, Length: 4 * P, Prot: RW, Flags: unix.MAP_PRIVATE | unix.MAP_FIXED, File: &memFile{b: data}})
	mustMmap(t, m, MmapOpts{Addr: A + 8*P, Length: 4 * P, Prot: RW, Flags: SAF})
	fill(t, m, A, 12*P, 1)

	tests := []struct {
		name    string
		addr, n uint64
		advice  int
		want    error
	}{
		{"unaligned", A + 1, P, unix.MADV_DONTNEED, unix.EINVAL},
		{"unknown advice", A, P, 999, unix.EINVAL},
		{"hwpoison", A, P, unix.MADV_HWPOISON, unix.EPERM},
		{"wraps", A, ^uint64(0), unix.MADV_DONTNEED, unix.EINVAL},
		{"zero length", A, 0, unix.MADV_DONTNEED, nil},
		{"no-op advice", A, 12 * P, unix.MADV_WILLNEED, nil},
		{"remove on private", A, P, unix.MADV_REMOVE, unix.EINVAL},
		{"unmapped part", A + 11*P, 2 * P, unix.MADV_NORMAL, unix.ENOMEM},
		{"dontneed", A + P, 10 * P, unix.MADV_DONTNEED, nil},
	}
	blocksBefore := blocks(t, m.mf.FD())
	for _, tt := range tests {
		if err := m.Madvise(tt.addr, tt.n, tt.advice); err != tt.want {
			t.Errorf("%s: Madvise = %v, want %v", tt.name, err, tt.want)
		}
	}
	// Three anonymous pages freed (reading shmem holes allocates pages
	// again, so this is checked before reading).
	if blocksAfter := blocks(t, m.mf.FD()); blocksBefore-blocksAfter != 3*P/512 {
		t.Errorf("st_blocks %d -> %d after MADV_DONTNEED", blocksBefore, blocksAfter)
	}
	got := read(t, m, A, 12*P)
	want := make([]byte, 12*P)
	copy(want, got[:P]) // untouched first page
	copy(want[4*P:], data)
	copy(want[8*P:], got[8*P:]) // shared memory keeps its contents
	if got[0] == 0 || got[8*P] == 0 {
		t.Fatal("test content missing")
	}
	if !bytes.Equal(got, want) {
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("first difference at page %d byte %d: %#x want %#x", i/P, i%P, got[i], want[i])
			}
		}
	}
	blocksBefore = blocks(t, m.mf.FD())
	if err := m.Madvise(A+8*P, 4*P, unix.MADV_REMOVE); err != nil {
		t.Fatal(err)
	}
	if blocksAfter := blocks(t, m.mf.FD()); blocksAfter >= blocksBefore {
		t.Errorf("st_blocks %d -> %d after MADV_REMOVE", blocksBefore, blocksAfter)
	}
	if !bytes.Equal(read(t, m, A+8*P, 4*P), make([]byte, 4*P)) {
		t.Error("MADV_REMOVE on shared memory did not zero it")
	}
	checkMirror(t, m, f)
}

func TestCopyFaults(t *testing.T) {
	m, _ := newTestMM(t)
	mustMmap(t, m, anon(A, 2*P, RW))
	mustMmap(t, m, anon(A+2*P, P, R))
	mustMmap(t, m, anon(A+3*P, P, unix.PROT_WRITE))
	mustMmap(t, m, anon(A+4*P, P, PN))
	mustMmap(t, m, anon(A+6*P, P, RW))
	tests := []struct {
		name    string
		out     bool
		addr    uint64
		n       int
		wantN   int
		wantErr error
	}{
		{"in: inside", false, A + 10, 100, 100, nil},
		{"in: across pieces", false, A + P - 1, 2*P + 1, 2*P + 1, nil},
		{"in: into write-only", false, A + 2*P, 2 * P, P, unix.EFAULT},
		{"in: from unmapped", false, A - 1, 2, 0, unix.EFAULT},
		{"in: PROT_NONE", false, A + 4*P, 1, 0, unix.EFAULT},
		{"in: into the gap", false, A + 6*P + 10, P, P - 10, unix.EFAULT},
		{"in: empty at bad address", false, 0, 0, 0, nil},
		{"in: null", false, 0, 8, 0, unix.EFAULT},
		{"in: wraps", false, ^uint64(0) - 1, 8, 0, unix.EFAULT},
		{"out: inside", true, A, 2 * P, 2 * P, nil},
		{"out: into read-only", true, A + P + 5, P, P - 5, unix.EFAULT},
		{"out: write-only", true, A + 3*P, P, P, nil},
		{"out: PROT_NONE", true, A + 4*P, 1, 0, unix.EFAULT},
		{"out: unmapped", true, A + 5*P, 1, 0, unix.EFAULT},
	}
	for _, tt := range tests {
		buf := bytes.Repeat([]byte{0xee}, tt.n)
		var n int
		var err error
		if tt.out {
			n, err = m.CopyOut(tt.addr, buf)
		} else {
			n, err = m.CopyIn(tt.addr, buf)
		}
		if n != tt.wantN || err != tt.wantErr {
			t.Errorf("%s: = %d, %v; want %d, %v", tt.name, n, err, tt.wantN, tt.wantErr)
		}
	}
	// Forced access ignores protection but not holes.
	if n, err := m.ForceCopyOut(A+2*P, []byte("ro")); n != 2 || err != nil {
		t.Errorf("ForceCopyOut = %d, %v", n, err)
	}
	b := make([]byte, 2)
	if err := m.Mprotect(A+3*P, P, PN); err != nil {
		t.Fatal(err)
	}
	if n, err := m.ForceCopyIn(A+3*P, b); n != 2 || err != nil {
		t.Errorf("ForceCopyIn of PROT_NONE = %d, %v", n, err)
	}
	// A PROT_NONE reservation has no memory behind it.
	if n, err := m.ForceCopyIn(A+4*P, b); n != 0 || err != unix.EFAULT {
		t.Errorf("ForceCopyIn of a reservation = %d, %v", n, err)
	}
	if n, err := m.ForceCopyIn(A+5*P, b); n != 0 || err != unix.EFAULT {
		t.Errorf("ForceCopyIn of a hole = %d, %v", n, err)
	}
	if got := read(t, m, A+2*P, 2); string(got) != "ro" {
		t.Errorf("read back %q", got)
	}
}

func TestCopyInString(t *testing.T) {
	m, _ := newTestMM(t)
	mustMmap(t, m, anon(A, 2*P, RW))
	put := func(addr uint64, s string) {
		if _, err := m.CopyOut(addr, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	put(A, "hello\x00")
	put(A+P-3, "abc")
	put(A+P, "def\x00")
	put(A+2*P-4, "tail") // no NUL before the end of the mapping
	tests := []struct {
		addr    uint64
		max     int
		want    string
		wantErr error
	}{
		{A, 100, "hello", nil},
		{A, 6, "hello", nil},
		{A, 5, "", unix.ENAMETOOLONG},
		{A + P - 3, 100, "abcdef", nil},
		{A + 2*P - 4, 100, "", unix.EFAULT},
		{A + 2*P - 4, 4, "", unix.ENAMETOOLONG},
		{A + 10*P, 10, "", unix.EFAULT},
		{A, 0, "", unix.ENAMETOOLONG},
	}
	for _, tt := range tests {
		got, err := m.CopyInString(tt.addr, tt.max)
		if got != tt.want || err != tt.wantErr {
			t.Errorf("CopyInString(%#x, %d) = %q, %v; want %q, %v", tt.addr, tt.max, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestRelease(t *testing.T) {
	m, f := newTestMM(t)
	mustMmap(t, m, anon(A, 64*P, RW))
	fill(t, m, A, 64*P, 3)
	mustMmap(t, m, MmapOpts{Length: 4 * P, Prot: PN, Flags: PA})
	if blocks(t, m.mf.FD()) == 0 {
		t.Fatal("no blocks used")
	}
	m.Release()
	// The kernel releases the platform address space itself.
	f.pages = map[uint64]fakePage{}
	if got := blocks(t, m.mf.FD()); got != 0 {
		t.Errorf("%d blocks after Release", got)
	}
	if len(m.Maps()) != 0 {
		t.Error("mappings after Release")
	}
}

// TestConcurrent runs mapping changes and copies from several goroutines
// (meaningful under -race).
func TestConcurrent(t *testing.T) {
	m, _ := newTestMM(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				a, err := m.Mmap(MmapOpts{Length: 3 * P, Prot: RW, Flags: PA})
				if err != nil {
					t.Error(err)
					return
				}
				msg := []byte(fmt.Sprintf("g%d i%d", g, i))
				if _, err := m.CopyOut(a+P, msg); err != nil {
					t.Error(err)
					return
				}
				if err := m.Mprotect(a, P, R); err != nil {
					t.Error(err)
				}
				got := make([]byte, len(msg))
				if _, err := m.CopyIn(a+P, got); err != nil || !reflect.DeepEqual(got, msg) {
					t.Errorf("read %q, %v; want %q", got, err, msg)
				}
				m.Maps()
				if err := m.Munmap(a, 3*P); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if n := len(m.Maps()); n != 0 {
		t.Errorf("%d mappings left", n)
	}
}
