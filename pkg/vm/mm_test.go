package vm

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

const (
	P   = PageSize
	A   = 0x1000_0000 // a test address with room around it
	RW  = unix.PROT_READ | unix.PROT_WRITE
	R   = unix.PROT_READ
	RX  = unix.PROT_READ | unix.PROT_EXEC
	PN  = unix.PROT_NONE
	PA  = unix.MAP_PRIVATE | unix.MAP_ANONYMOUS
	PAF = PA | unix.MAP_FIXED
	SAF = unix.MAP_SHARED | unix.MAP_ANONYMOUS | unix.MAP_FIXED
)

// memFile is a Mappable over a byte slice.
type memFile struct{ b []byte }

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(f.b)) {
		return 0, errEOF
	}
	n := copy(p, f.b[off:])
	if n < len(p) {
		return n, errEOF
	}
	return n, nil
}

var errEOF = io.EOF

func mustMmap(t *testing.T, m *MM, o MmapOpts) uint64 {
	t.Helper()
	a, err := m.Mmap(o)
	if err != nil {
		t.Fatalf("Mmap(%+v): %v", o, err)
	}
	return a
}

func anon(addr, length uint64, prot int) MmapOpts {
	return MmapOpts{Addr: addr, Length: length, Prot: prot, Flags: PAF}
}

func TestVMASplitMerge(t *testing.T) {
	file := &memFile{b: bytes.Repeat([]byte{1}, 16*P)}
	type step func(m *MM) error
	mmap := func(o MmapOpts) step { return func(m *MM) error { _, err := m.Mmap(o); return err } }
	mprotect := func(a, n uint64, p int) step { return func(m *MM) error { return m.Mprotect(a, n, p) } }
	munmap := func(a, n uint64) step { return func(m *MM) error { return m.Munmap(a, n) } }
	tests := []struct {
		name  string
		steps []step
		want  []VMAInfo
	}{
		{
			name:  "one mapping",
			steps: []step{mmap(anon(A, 4*P, RW))},
			want:  []VMAInfo{{Start: A, End: A + 4*P, Prot: RW}},
		},
		{
			name:  "mprotect middle gives three",
			steps: []step{mmap(anon(A, 4*P, RW)), mprotect(A+P, P, R)},
			want:  []VMAInfo{{Start: A, End: A + P, Prot: RW}, {Start: A + P, End: A + 2*P, Prot: R}, {Start: A + 2*P, End: A + 4*P, Prot: RW}},
		},
		{
			name:  "mprotect back merges",
			steps: []step{mmap(anon(A, 4*P, RW)), mprotect(A+P, P, R), mprotect(A+P, P, RW)},
			want:  []VMAInfo{{Start: A, End: A + 4*P, Prot: RW}},
		},
		{
			name:  "mprotect whole then part of neighbours",
			steps: []step{mmap(anon(A, 2*P, RW)), mmap(anon(A+2*P, 2*P, R)), mprotect(A+P, 2*P, RX)},
			want:  []VMAInfo{{Start: A, End: A + P, Prot: RW}, {Start: A + P, End: A + 3*P, Prot: RX}, {Start: A + 3*P, End: A + 4*P, Prot: R}},
		},
		{
			name:  "munmap middle gives two",
			steps: []step{mmap(anon(A, 4*P, RW)), munmap(A+P, 2*P)},
			want:  []VMAInfo{{Start: A, End: A + P, Prot: RW}, {Start: A + 3*P, End: A + 4*P, Prot: RW}},
		},
		{
			name:  "munmap across mappings and gaps",
			steps: []step{mmap(anon(A, 2*P, RW)), mmap(anon(A+3*P, 2*P, R)), mmap(anon(A+6*P, 2*P, RW)), munmap(A+P, 6*P)},
			want:  []VMAInfo{{Start: A, End: A + P, Prot: RW}, {Start: A + 7*P, End: A + 8*P, Prot: RW}},
		},
		{
			name:  "munmap of nothing",
			steps: []step{munmap(A, 10*P)},
		},
		{
			name:  "adjacent anonymous mappings show as one",
			steps: []step{mmap(anon(A, 2*P, RW)), mmap(anon(A+2*P, 2*P, RW)), mmap(anon(A-P, P, RW))},
			want:  []VMAInfo{{Start: A - P, End: A + 4*P, Prot: RW}},
		},
		{
			name:  "prot, sharing and name keep mappings apart",
			steps: []step{mmap(anon(A, P, RW)), mmap(anon(A+P, P, R)), mmap(MmapOpts{Addr: A + 2*P, Length: P, Prot: R, Flags: SAF}), mmap(MmapOpts{Addr: A + 3*P, Length: P, Prot: R, Flags: PAF, Name: "[stack]"})},
			want:  []VMAInfo{{Start: A, End: A + P, Prot: RW}, {Start: A + P, End: A + 2*P, Prot: R}, {Start: A + 2*P, End: A + 3*P, Prot: R, Shared: true}, {Start: A + 3*P, End: A + 4*P, Prot: R, Name: "[stack]"}},
		},
		{
			name: "file mappings keep name and offset",
			steps: []step{
				mmap(MmapOpts{Addr: A, Length: 2 * P, Prot: RX, Flags: unix.MAP_PRIVATE | unix.MAP_FIXED, File: file, Offset: 2 * P, Name: "/bin/x"}),
				mmap(MmapOpts{Addr: A + 2*P, Length: P, Prot: RX, Flags: unix.MAP_PRIVATE | unix.MAP_FIXED, File: file, Offset: 4 * P, Name: "/bin/x"}),
				mmap(MmapOpts{Addr: A + 3*P, Length: P, Prot: RX, Flags: unix.MAP_PRIVATE | unix.MAP_FIXED, File: file, Offset: 0, Name: "/bin/x"}),
				mprotect(A+P, P, R),
			},
			want: []VMAInfo{
				{Start: A, End: A + P, Prot: RX, Offset: 2 * P, Name: "/bin/x"},
				{Start: A + P, End: A + 2*P, Prot: R, Offset: 3 * P, Name: "/bin/x"},
				{Start: A + 2*P, End: A + 3*P, Prot: RX, Offset: 4 * P, Name: "/bin/x"},
				{Start: A + 3*P, End: A + 4*P, Prot: RX, Offset: 0, Name: "/bin/x"},
			},
		},
		{
			name:  "MAP_FIXED over the middle replaces",
			steps: []step{mmap(anon(A, 4*P, RW)), mmap(anon(A+P, 2*P, R))},
			want:  []VMAInfo{{Start: A, End: A + P, Prot: RW}, {Start: A + P, End: A + 3*P, Prot: R}, {Start: A + 3*P, End: A + 4*P, Prot: RW}},
		},
		{
			name:  "huge reservation then part made accessible",
			steps: []step{mmap(anon(A, 1<<40, PN)), mprotect(A+1<<30, 4*P, RW)},
			want:  []VMAInfo{{Start: A, End: A + 1<<30, Prot: PN}, {Start: A + 1<<30, End: A + 1<<30 + 4*P, Prot: RW}, {Start: A + 1<<30 + 4*P, End: A + 1<<40, Prot: PN}},
		},
		{
			name:  "mprotect to PROT_NONE and back",
			steps: []step{mmap(anon(A, 3*P, RW)), mprotect(A, 3*P, PN), mprotect(A+P, P, RW)},
			want:  []VMAInfo{{Start: A, End: A + P, Prot: PN}, {Start: A + P, End: A + 2*P, Prot: RW}, {Start: A + 2*P, End: A + 3*P, Prot: PN}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, f := newTestMM(t)
			for i, s := range tt.steps {
				if err := s(m); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				checkMirror(t, m, f)
			}
			if got := m.Maps(); !reflect.DeepEqual(got, tt.want) && len(got)+len(tt.want) > 0 {
				t.Errorf("Maps:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestMmapErrors(t *testing.T) {
	file := &memFile{b: make([]byte, P)}
	tests := []struct {
		name string
		o    MmapOpts
		want error
	}{
		{"zero length", MmapOpts{Addr: A, Length: 0, Prot: RW, Flags: PA}, unix.EINVAL},
		{"neither private nor shared", MmapOpts{Length: P, Prot: RW, Flags: unix.MAP_ANONYMOUS}, unix.EINVAL},
		{"unknown type", MmapOpts{Length: P, Prot: RW, Flags: unix.MAP_ANONYMOUS | 4}, unix.EINVAL},
		{"unaligned offset", MmapOpts{Length: P, Prot: R, Flags: unix.MAP_PRIVATE, File: file, Offset: 100}, unix.EINVAL},
		{"negative offset", MmapOpts{Length: P, Prot: R, Flags: unix.MAP_PRIVATE, File: file, Offset: -P}, unix.EOVERFLOW},
		{"unaligned fixed", anon(A+1, P, RW), unix.EINVAL},
		{"unaligned noreplace", MmapOpts{Addr: A + 1, Length: P, Prot: RW, Flags: PA | unix.MAP_FIXED_NOREPLACE}, unix.EINVAL},
		{"fixed below mmap_min_addr", anon(0, P, RW), unix.EPERM},
		{"fixed past task size", anon(TaskSize-P, 2*P, RW), unix.ENOMEM},
		{"fixed wraps", anon(^uint64(0)&^(P-1), 2*P, RW), unix.ENOMEM},
		{"length overflows", MmapOpts{Length: ^uint64(0), Prot: RW, Flags: PA}, unix.ENOMEM},
		{"longer than address space", MmapOpts{Length: 1 << 48, Prot: RW, Flags: PA}, unix.ENOMEM},
		{"fixed into reserved", anon(0x7fff_f000_0000, P, RW), unix.ENOMEM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, f := newTestMM(t, platform.Range{Start: 0x7fff_f000_0000, End: 0x7fff_f001_0000})
			if _, err := m.Mmap(tt.o); err != tt.want {
				t.Errorf("Mmap(%+v) = %v, want %v", tt.o, err, tt.want)
			}
			if len(m.Maps()) != 0 || len(f.takeCalls()) != 0 {
				t.Errorf("failed Mmap changed the address space: %v", m.Maps())
			}
		})
	}
}

func TestMmapFixedNoReplace(t *testing.T) {
	m, f := newTestMM(t)
	mustMmap(t, m, anon(A, 2*P, RW))
	if _, err := m.CopyOut(A, []byte("keep")); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []uint64{A - P, A, A + P} {
		if _, err := m.Mmap(MmapOpts{Addr: addr, Length: 2 * P, Prot: R, Flags: PA | unix.MAP_FIXED_NOREPLACE}); err != unix.EEXIST {
			t.Errorf("NOREPLACE at %#x: %v, want EEXIST", addr, err)
		}
	}
	if a, err := m.Mmap(MmapOpts{Addr: A + 2*P, Length: P, Prot: R, Flags: PA | unix.MAP_FIXED_NOREPLACE}); err != nil || a != A+2*P {
		t.Errorf("NOREPLACE into free space = %#x, %v", a, err)
	}
	buf := make([]byte, 4)
	if _, err := m.CopyIn(A, buf); err != nil || string(buf) != "keep" {
		t.Errorf("contents after refused NOREPLACE: %q, %v", buf, err)
	}
	// Plain MAP_FIXED replaces, with fresh zero memory.
	mustMmap(t, m, anon(A, P, RW))
	if _, err := m.CopyIn(A, buf); err != nil || !bytes.Equal(buf, make([]byte, 4)) {
		t.Errorf("contents after MAP_FIXED: %q, %v", buf, err)
	}
	checkMirror(t, m, f)
}

func TestMmapPlacement(t *testing.T) {
	res := platform.Range{Start: MmapBase - 0x10*P, End: MmapBase - 0x8*P}
	m, f := newTestMM(t, res)
	got := []uint64{}
	for _, n := range []uint64{4 * P, 4 * P, 8 * P, P} {
		got = append(got, mustMmap(t, m, MmapOpts{Length: n, Prot: RW, Flags: PA}))
	}
	// Top-down below MmapBase; the 8-page mapping does not fit the
	// 0-page gap above the reserved range and goes below it; the last
	// one-page mapping goes below that.
	want := []uint64{MmapBase - 4*P, MmapBase - 8*P, MmapBase - 0x18*P, MmapBase - 0x19*P}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("addresses %#x, want %#x", got, want)
	}
	// A free hint is honoured; a taken one is not.
	if a := mustMmap(t, m, MmapOpts{Addr: A + 1, Length: P, Prot: RW, Flags: PA}); a != A+P {
		t.Errorf("free hint: %#x, want %#x", a, A+P)
	}
	if a := mustMmap(t, m, MmapOpts{Addr: A + P, Length: P, Prot: RW, Flags: PA}); a == A+P {
		t.Errorf("taken hint was reused")
	}
	// A hole left by munmap is found again.
	if err := m.Munmap(MmapBase-8*P, 4*P); err != nil {
		t.Fatal(err)
	}
	if a := mustMmap(t, m, MmapOpts{Length: 2 * P, Prot: RW, Flags: PA}); a != MmapBase-6*P {
		t.Errorf("after munmap: %#x, want %#x", a, MmapBase-6*P)
	}
	if a := mustMmap(t, m, MmapOpts{Length: P, Prot: RW, Flags: PA | unix.MAP_32BIT}); a >= 0x8000_0000 || a < 0x4000_0000 {
		t.Errorf("MAP_32BIT at %#x", a)
	}
	// A munmap over the reserved range must not unmap it on the
	// platform (the fake fails the test if it does).
	if err := m.Munmap(MmapBase-0x20*P, 0x20*P); err != nil {
		t.Fatal(err)
	}
	checkMirror(t, m, f)
}

func TestMmapFileContents(t *testing.T) {
	data := make([]byte, 2*P+100)
	for i := range data {
		data[i] = byte(i%251) + 1
	}
	file := &memFile{b: data}
	m, _ := newTestMM(t)
	a := mustMmap(t, m, MmapOpts{Length: 4 * P, Prot: RW, Flags: unix.MAP_PRIVATE, File: file, Offset: P, Name: "/f"})
	// Pages 2 and 3 lie past EOF (eof_test.go).
	got := make([]byte, 2*P)
	if n, err := m.CopyIn(a, got); err != nil || n != len(got) {
		t.Fatalf("CopyIn = %d, %v", n, err)
	}
	want := make([]byte, 2*P)
	copy(want, data[P:])
	if !bytes.Equal(got, want) {
		t.Errorf("file mapping contents differ from the file (zero past EOF)")
	}
	// Private: writes do not reach the file.
	if _, err := m.CopyOut(a, []byte{0}); err != nil {
		t.Fatal(err)
	}
	if data[P] == 0 {
		t.Error("private mapping wrote through to the file")
	}
}

func TestMprotectErrors(t *testing.T) {
	m, f := newTestMM(t)
	mustMmap(t, m, anon(A, 2*P, RW))
	mustMmap(t, m, anon(A+3*P, P, RW))
	tests := []struct {
		name       string
		addr, n    uint64
		prot       int
		want       error
		wantChange bool
	}{
		{"unaligned", A + 1, P, R, unix.EINVAL, false},
		{"bad prot", A, P, 0x100, unix.EINVAL, false},
		{"growsdown and growsup", A, P, R | unix.PROT_GROWSDOWN | unix.PROT_GROWSUP, unix.EINVAL, false},
		{"hole in range", A, 4 * P, R, unix.ENOMEM, false},
		{"unmapped", A + 2*P, P, R, unix.ENOMEM, false},
		{"wraps", A, ^uint64(0) - P, R, unix.ENOMEM, false},
		{"zero length", A, 0, R, nil, false},
		{"ok", A, 2 * P, R, nil, true},
	}
	for _, tt := range tests {
		before := m.Maps()
		if err := m.Mprotect(tt.addr, tt.n, tt.prot); err != tt.want {
			t.Errorf("%s: Mprotect = %v, want %v", tt.name, err, tt.want)
		}
		if changed := !reflect.DeepEqual(before, m.Maps()); changed != tt.wantChange {
			t.Errorf("%s: changed %v: %+v", tt.name, changed, m.Maps())
		}
		checkMirror(t, m, f)
	}
}

func TestMunmapErrors(t *testing.T) {
	m, _ := newTestMM(t)
	for _, tt := range []struct {
		addr, n uint64
	}{{A + 1, P}, {A, 0}, {TaskSize - P, 2 * P}, {A, ^uint64(0)}} {
		if err := m.Munmap(tt.addr, tt.n); err != unix.EINVAL {
			t.Errorf("Munmap(%#x, %#x) = %v, want EINVAL", tt.addr, tt.n, err)
		}
	}
}

func TestMirrorCallsCoalesce(t *testing.T) {
	m, f := newTestMM(t)
	mustMmap(t, m, anon(A, 4*P, RW))
	f.takeCalls()
	if err := m.Mprotect(A+P, P, PN); err != nil {
		t.Fatal(err)
	}
	if err := m.Munmap(A, 4*P); err != nil {
		t.Fatal(err)
	}
	want := []string{"unmap 0x10001000-0x10002000", "unmap 0x10000000-0x10004000"}
	if got := f.takeCalls(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
}

// refFile counts the references the MM holds.
type refFile struct {
	memFile
	refs int
}

func (f *refFile) IncRef() { f.refs++ }
func (f *refFile) DecRef() {
	f.refs--
	if f.refs < 0 {
		panic("negative refs")
	}
}

func TestMappableRefs(t *testing.T) {
	file := &refFile{memFile: memFile{b: bytes.Repeat([]byte{9}, 8*P)}}
	m, f := newTestMM(t)
	pieces := func() int {
		m.mu.RLock()
		defer m.mu.RUnlock()
		n := 0
		for _, v := range m.vmas {
			if v.file == Mappable(file) {
				n++
			}
		}
		return n
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"mmap", func() error {
			_, err := m.Mmap(MmapOpts{Addr: A, Length: 4 * P, Prot: RW, Flags: unix.MAP_PRIVATE | unix.MAP_FIXED, File: file})
			return err
		}},
		{"split", func() error { return m.Mprotect(A+P, P, R) }},
		{"merge", func() error { return m.Mprotect(A+P, P, RW) }},
		{"split again", func() error { return m.Mprotect(A+2*P, P, R) }},
		{"grow in place", func() error { _, err := m.Mremap(A+3*P, P, 3*P, 0, 0); return err }},
		{"move", func() error {
			_, err := m.Mremap(A, P, 2*P, unix.MREMAP_MAYMOVE|unix.MREMAP_FIXED, A+0x100*P)
			return err
		}},
		{"dontneed", func() error { return m.Madvise(A+0x100*P, 2*P, unix.MADV_DONTNEED) }},
		{"munmap part", func() error { return m.Munmap(A+0x100*P, P) }},
		{"overwrite", func() error { _, err := m.Mmap(anon(A+2*P, 2*P, RW)); return err }},
		{"failed mmap", func() error {
			if _, err := m.Mmap(MmapOpts{Addr: 0, Length: P, Prot: R, Flags: unix.MAP_PRIVATE | unix.MAP_FIXED, File: file}); err != unix.EPERM {
				return fmt.Errorf("got %v, want EPERM", err)
			}
			return nil
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		checkMirror(t, m, f)
		if n := pieces(); file.refs != n || n == 0 {
			t.Errorf("%s: %d refs, %d pieces", s.name, file.refs, n)
		}
	}
	m.Release()
	f.pages = map[uint64]fakePage{}
	if file.refs != 0 {
		t.Errorf("%d refs after Release", file.refs)
	}
}
