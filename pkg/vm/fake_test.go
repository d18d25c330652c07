package vm

import (
	"fmt"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// fakeAS records, page by page, what the platform was told to map, so
// tests can check that it mirrors the pieces exactly.
type fakeAS struct {
	t        *testing.T
	mu       sync.Mutex
	reserved []platform.Range
	pages    map[uint64]fakePage
	calls    []string
}

type fakePage struct {
	memOff int64
	perms  platform.Perms
}

func newFakeAS(t *testing.T, reserved ...platform.Range) *fakeAS {
	return &fakeAS{t: t, reserved: reserved, pages: map[uint64]fakePage{}}
}

func (f *fakeAS) checkArgs(op string, addr, length uint64) {
	if !pageAligned(addr) || !pageAligned(length) || length == 0 {
		f.t.Errorf("%s(%#x, %#x): not page aligned or empty", op, addr, length)
	}
	for _, r := range f.reserved {
		if addr < r.End && r.Start < addr+length {
			f.t.Errorf("%s(%#x, %#x) touches reserved [%#x, %#x)", op, addr, length, r.Start, r.End)
		}
	}
}

func (f *fakeAS) MapFile(addr, length uint64, fileOffset int64, perms platform.Perms) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checkArgs("MapFile", addr, length)
	if !perms.Any() {
		f.t.Errorf("MapFile(%#x, %#x) with no permissions", addr, length)
	}
	f.calls = append(f.calls, fmt.Sprintf("map %#x-%#x @%#x %v", addr, addr+length, fileOffset, perms))
	for p := uint64(0); p < length; p += PageSize {
		f.pages[addr+p] = fakePage{fileOffset + int64(p), perms}
	}
	return nil
}

func (f *fakeAS) Unmap(addr, length uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checkArgs("Unmap", addr, length)
	f.calls = append(f.calls, fmt.Sprintf("unmap %#x-%#x", addr, addr+length))
	for p := range f.pages {
		if p >= addr && p-addr < length {
			delete(f.pages, p)
		}
	}
	return nil
}

func (f *fakeAS) Reserved() []platform.Range { return f.reserved }
func (f *fakeAS) VDSO() uint64               { return 0 }
func (f *fakeAS) Release()                   {}

func (f *fakeAS) takeCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// checkMirror asserts that the fake holds exactly the accessible pages of
// m's pieces (not those past EOF), and that pieces are sorted, disjoint, aligned, with
// disjoint memory-file ranges.
func checkMirror(t *testing.T, m *MM, f *fakeAS) {
	t.Helper()
	m.mu.RLock()
	defer m.mu.RUnlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	want := map[uint64]fakePage{}
	var prevEnd uint64
	var mem []extent
	for i, v := range m.vmas {
		if v.start >= v.end || !pageAligned(v.start) || !pageAligned(v.end) || v.start < prevEnd {
			t.Fatalf("bad piece %d: %+v (previous end %#x)", i, v, prevEnd)
		}
		if i > 0 && canMerge(&m.vmas[i-1], &m.vmas[i]) {
			t.Errorf("pieces %d and %d should have merged: %+v %+v", i-1, i, m.vmas[i-1], v)
		}
		prevEnd = v.end
		if !v.backed() {
			if v.prot != unix.PROT_NONE || v.shared || v.file != nil {
				t.Errorf("unbacked piece that is not a private anonymous reservation: %+v", v)
			}
			continue
		}
		if !v.shared {
			// Shared pieces may map the same pages more than once (a
			// page cache mapped twice, mremap duplicating a shared
			// mapping: shared.go); private ones may not.
			mem = append(mem, extent{v.memOff, v.memOff + int64(v.length())})
		}
		if v.prot == unix.PROT_NONE || v.pastEOF {
			continue
		}
		for p := v.start; p < v.end; p += PageSize {
			want[p] = fakePage{v.memOff + int64(p-v.start), v.perms()}
		}
	}
	for i := range mem {
		for j := range i {
			if mem[i].off < mem[j].end && mem[j].off < mem[i].end {
				t.Errorf("pieces share memory-file range: %v %v", mem[i], mem[j])
			}
		}
	}
	for p, w := range want {
		if g, ok := f.pages[p]; !ok || g != w {
			t.Errorf("page %#x: platform has %+v (present %v), want %+v", p, g, ok, w)
		}
	}
	for p, g := range f.pages {
		if _, ok := want[p]; !ok {
			t.Errorf("page %#x: platform maps %+v, not in any accessible piece", p, g)
		}
	}
}

func newTestMF(t *testing.T) *MemoryFile {
	t.Helper()
	mf, err := NewMemoryFile()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := mf.Close(); err != nil {
			t.Error(err)
		}
	})
	return mf
}

func newTestMM(t *testing.T, reserved ...platform.Range) (*MM, *fakeAS) {
	t.Helper()
	f := newFakeAS(t, reserved...)
	m := NewMM(newTestMF(t), f)
	t.Cleanup(func() {
		checkMirror(t, m, f)
		m.Release()
		m.mf.mu.Lock()
		defer m.mf.mu.Unlock()
		if m.mf.alloc.top != 0 || len(m.mf.alloc.free) != 0 {
			t.Errorf("after Release the allocator still holds top %#x free %v", m.mf.alloc.top, m.mf.alloc.free)
		}
		if len(m.mf.refs) != 0 {
			t.Errorf("after Release the file still counts shared pages %v", m.mf.refs)
		}
	})
	return m, f
}
