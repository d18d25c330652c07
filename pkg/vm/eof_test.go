package vm

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestFilePastEOF: pages of a file mapping wholly past EOF are left to
// the platform unmapped (checkMirror), PastEOF reports them, copy-in and
// copy-out stop there with EFAULT, and the page holding EOF stays
// accessible; mprotect, mremap and fork keep the pages so.
func TestFilePastEOF(t *testing.T) {
	const fileSize = P + 904 // 5000 bytes: EOF inside page 1
	cases := []struct {
		name   string
		flags  int
		prot   int
		offset int64
		length uint64
		op     func(t *testing.T, m *MM, a uint64) uint64 // may move the mapping
		past   []bool                                     // per page of the (final) mapping
	}{
		{name: "private", flags: unix.MAP_PRIVATE, prot: RW, length: 3 * P, past: []bool{false, false, true}},
		{name: "shared", flags: unix.MAP_SHARED, prot: RW, length: 3 * P, past: []bool{false, false, true}},
		{name: "read-only", flags: unix.MAP_PRIVATE, prot: R, length: 4 * P, past: []bool{false, false, true, true}},
		{name: "within file", flags: unix.MAP_PRIVATE, prot: RW, length: 2 * P, past: []bool{false, false}},
		{name: "offset past EOF", flags: unix.MAP_PRIVATE, prot: R, offset: 2 * P, length: P, past: []bool{true}},
		{name: "offset in last page", flags: unix.MAP_PRIVATE, prot: R, offset: P, length: 2 * P, past: []bool{false, true}},
		{name: "PROT_NONE is SIGSEGV", flags: unix.MAP_PRIVATE, prot: PN, length: 3 * P, past: []bool{false, false, false}},
		{
			name: "mprotect keeps it", flags: unix.MAP_PRIVATE, prot: R, length: 3 * P,
			op: func(t *testing.T, m *MM, a uint64) uint64 {
				if err := m.Mprotect(a, 3*P, RW); err != nil {
					t.Fatal(err)
				}
				return a
			},
			past: []bool{false, false, true},
		},
		{
			name: "mremap grows past EOF", flags: unix.MAP_PRIVATE, prot: RW, length: P,
			op: func(t *testing.T, m *MM, a uint64) uint64 {
				got, err := m.Mremap(a, P, 4*P, unix.MREMAP_MAYMOVE, 0)
				if err != nil {
					t.Fatal(err)
				}
				return got
			},
			past: []bool{false, false, true, true},
		},
		{
			name: "mremap moves it", flags: unix.MAP_SHARED, prot: RW, length: 3 * P,
			op: func(t *testing.T, m *MM, a uint64) uint64 {
				got, err := m.Mremap(a, 3*P, 3*P, unix.MREMAP_MAYMOVE|unix.MREMAP_FIXED, A+64*P)
				if err != nil {
					t.Fatal(err)
				}
				return got
			},
			past: []bool{false, false, true},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := make([]byte, fileSize)
			for i := range data {
				data[i] = byte(i%200) + 1
			}
			m, f := newTestMM(t)
			a := mustMmap(t, m, MmapOpts{Addr: A, Length: c.length, Prot: c.prot, Flags: c.flags | unix.MAP_FIXED,
				File: &memFile{b: data}, Offset: c.offset, Name: "/f"})
			if c.op != nil {
				a = c.op(t, m, a)
			}
			checkMirror(t, m, f)
			if len(m.Maps()) != 1 {
				t.Errorf("Maps shows %+v, want one mapping", m.Maps())
			}
			for i, past := range c.past {
				p := a + uint64(i)*P
				if got := m.PastEOF(p + 8); got != past {
					t.Errorf("PastEOF(page %d) = %v, want %v", i, got, past)
				}
				if c.prot == PN {
					continue
				}
				var b [1]byte
				if _, err := m.CopyIn(p+P-1, b[:]); past != errors.Is(err, unix.EFAULT) {
					t.Errorf("CopyIn(page %d) = %v, past EOF %v", i, err, past)
				}
				if !past && c.prot&unix.PROT_WRITE != 0 {
					if _, err := m.CopyOut(p+P-1, b[:]); err != nil {
						t.Errorf("CopyOut(page %d) = %v", i, err)
					}
				}
			}
			// A copy running into the first page past EOF stops there.
			for i, past := range c.past {
				if !past || c.prot&unix.PROT_READ == 0 || i == 0 || c.past[i-1] {
					continue
				}
				buf := make([]byte, 2*P)
				start := a + uint64(i)*P - P
				if n, err := m.CopyIn(start, buf); n != P || err != unix.EFAULT {
					t.Errorf("CopyIn across EOF page = %d, %v; want %d, EFAULT", n, err, P)
				}
			}
		})
	}
}

// TestFilePastEOFFork: a forked child has the same pages past EOF, and a
// write fault there on copy-on-write memory is not resolved (SIGBUS).
func TestFilePastEOFFork(t *testing.T) {
	m, _ := newTestMM(t)
	a := mustMmap(t, m, MmapOpts{Addr: A, Length: 3 * P, Prot: RW, Flags: unix.MAP_PRIVATE | unix.MAP_FIXED,
		File: &memFile{b: make([]byte, P+1)}, Name: "/f"})
	c, cf := forkTest(t, m)
	checkMirror(t, c, cf)
	for _, mm := range []*MM{m, c} {
		if !mm.PastEOF(a+2*P) || mm.PastEOF(a+P) {
			t.Error("fork lost which pages are past EOF")
		}
		if ok, err := mm.HandleFault(a + 2*P); ok || err != nil {
			t.Errorf("HandleFault past EOF = %v, %v; want false", ok, err)
		}
		if ok, err := mm.HandleFault(a + P); !ok || err != nil {
			t.Errorf("HandleFault before EOF = %v, %v; want true", ok, err)
		}
	}
}
