package vm

import (
	"strconv"
	"testing"

	"sentry/pkg/platform"
)

func benchMM(b *testing.B) *MM {
	mf, err := NewMemoryFile()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { mf.Close() })
	f := &fakeAS{t: &testing.T{}, pages: map[uint64]fakePage{}}
	m := NewMM(mf, nopAS{f})
	b.Cleanup(m.Release)
	return m
}

// nopAS is a platform that ignores mirroring, to time vm alone.
type nopAS struct{ *fakeAS }

func (nopAS) MapFile(uint64, uint64, int64, platform.Perms) error { return nil }
func (nopAS) Unmap(uint64, uint64) error                          { return nil }

func BenchmarkCopy(b *testing.B) {
	for _, size := range []int{8, 64, 4096, 65536} {
		m := benchMM(b)
		// Several mappings so the lookup is not trivial.
		for i := range 64 {
			if _, err := m.Mmap(anon(A+uint64(i)*32*P, 16*P, RW)); err != nil {
				b.Fatal(err)
			}
		}
		addr := uint64(A + 40*32*P)
		buf := make([]byte, size)
		b.Run("in/"+strconv.Itoa(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := m.CopyIn(addr, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("out/"+strconv.Itoa(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := m.CopyOut(addr, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMmapMunmap(b *testing.B) {
	m := benchMM(b)
	for b.Loop() {
		a, err := m.Mmap(MmapOpts{Length: 16 * P, Prot: RW, Flags: PA})
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Munmap(a, 16*P); err != nil {
			b.Fatal(err)
		}
	}
}
