package vm

import (
	"testing"

	"golang.org/x/sys/unix"
)

func blocks(t *testing.T, fd int) int64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	return st.Blocks
}

func TestMemoryFileAllocateFree(t *testing.T) {
	mf := newTestMF(t)
	if mf.Size() < minFileSize {
		t.Fatalf("size %#x", mf.Size())
	}
	a, err := mf.Allocate(1)
	if err != nil || a != 0 {
		t.Fatalf("Allocate(1) = %#x, %v", a, err)
	}
	b, err := mf.Allocate(3 * PageSize)
	if err != nil || b != PageSize {
		t.Fatalf("Allocate = %#x, %v", b, err)
	}
	base := blocks(t, mf.FD())
	v := mf.view(b, 3*PageSize)
	for i := range v {
		v[i] = 0xaa
	}
	grown := blocks(t, mf.FD())
	if grown-base < 3*PageSize/512 {
		t.Fatalf("st_blocks %d -> %d after touching 3 pages", base, grown)
	}
	mf.Free(b, 3*PageSize)
	if after := blocks(t, mf.FD()); after > base {
		t.Errorf("st_blocks %d after Free, was %d before touching", after, base)
	}
	// The freed range comes back, and reads as zeroes.
	c, err := mf.Allocate(2 * PageSize)
	if err != nil || c != b {
		t.Fatalf("Allocate after Free = %#x, %v; want %#x", c, err, b)
	}
	for i, x := range mf.view(c, 2*PageSize) {
		if x != 0 {
			t.Fatalf("byte %d of reused range is %#x", i, x)
		}
	}
	for _, n := range []uint64{0, ^uint64(0), uint64(mf.Size()) + PageSize} {
		if _, err := mf.Allocate(n); err != unix.ENOMEM {
			t.Errorf("Allocate(%#x) = %v, want ENOMEM", n, err)
		}
	}
}
