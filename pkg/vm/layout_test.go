package vm

import (
	"bytes"
	"crypto/rand"
	"testing"
)

// TestRandomLayout: the bounds of each randomised value, for each arch's
// entropy, with the lowest and highest random inputs and a real draw.
func TestRandomLayout(t *testing.T) {
	zeros := func() *bytes.Reader { return bytes.NewReader(make([]byte, 64)) }
	ones := func() *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{0xff}, 64)) }
	for _, tc := range []struct {
		name  string
		e     Entropy
		level int
		rnd   func() *bytes.Reader
		want  Layout
	}{
		{"off", EntropyAMD64, 0, ones, FixedLayout()},
		{"amd64 lowest", EntropyAMD64, 2, zeros, Layout{
			StackTop: stackTopMax, MmapBase: stackTopMax - (stackGap + (1<<22-1)*P), PIEBase: PIEBase,
			VDSO: stackTopMax - (stackGap + (1<<22-1)*P) - vdsoGap}},
		{"amd64 highest", EntropyAMD64, 2, ones, Layout{
			StackTop:  stackTopMax - (1<<22-1)*P,
			MmapBase:  stackTopMax - (stackGap + (1<<22-1)*P) - (1<<28-1)*P,
			PIEBase:   PIEBase + (1<<28-1)*P,
			BrkOffset: (1<<64 - 1) % (32 << 20 / P) * P,
			StackPad:  (1<<64 - 1) % 8192,
			VDSO:      stackTopMax - (stackGap + (1<<22-1)*P) - (1<<28-1)*P - vdsoGap}},
		{"amd64 no brk", EntropyAMD64, 1, ones, Layout{
			StackTop: stackTopMax - (1<<22-1)*P,
			MmapBase: stackTopMax - (stackGap + (1<<22-1)*P) - (1<<28-1)*P,
			PIEBase:  PIEBase + (1<<28-1)*P,
			StackPad: (1<<64 - 1) % 8192,
			VDSO:     stackTopMax - (stackGap + (1<<22-1)*P) - (1<<28-1)*P - vdsoGap}},
		{"riscv64 highest", EntropyRISCV64, 2, ones, Layout{
			StackTop:  stackTopMax - (1<<18-1)*P,
			MmapBase:  stackTopMax - (stackGap + (1<<18-1)*P) - (1<<18-1)*P,
			PIEBase:   PIEBase + (1<<18-1)*P,
			BrkOffset: (1<<64 - 1) % (1 << 30 / P) * P,
			VDSO:      stackTopMax - (stackGap + (1<<18-1)*P) - (1<<18-1)*P - vdsoGap}},
	} {
		got, err := RandomLayout(tc.e, tc.level, tc.rnd())
		if err != nil || got != tc.want {
			t.Errorf("%s: %+#v, %v; want %+#v", tc.name, got, err, tc.want)
		}
	}
	if _, err := RandomLayout(EntropyAMD64, 2, bytes.NewReader(nil)); err == nil {
		t.Errorf("no randomness: no error")
	}
	for i := 0; i < 100; i++ {
		l, err := RandomLayout(EntropyAMD64, 2, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []uint64{l.StackTop, l.MmapBase, l.PIEBase, l.BrkOffset} {
			if v%P != 0 {
				t.Fatalf("%+#v: not page-aligned", l)
			}
		}
		// The stack, at its lowest, stays clear of the mmap area.
		if l.StackTop-stackGap < l.MmapBase || l.PIEBase >= l.MmapBase || l.StackTop > stackTopMax {
			t.Fatalf("%+#v: overlapping areas", l)
		}
	}
}

// TestLayoutPlacesAndForkKeeps: mmap without an address goes below the
// layout's mmap base, and a forked address space keeps the layout.
func TestLayoutPlacesAndForkKeeps(t *testing.T) {
	m, _ := newTestMM(t)
	l := Layout{MmapBase: 0x6000_0000_0000, StackTop: stackTopMax, PIEBase: PIEBase, BrkOffset: 3 * P}
	m.SetLayout(l)
	if a := mustMmap(t, m, MmapOpts{Length: P, Prot: RW, Flags: PA}); a != l.MmapBase-P {
		t.Errorf("mmap at %#x, want %#x", a, l.MmapBase-P)
	}
	c, err := m.Fork(newFakeAS(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	if c.Layout() != l {
		t.Errorf("child layout %+#v, want %+#v", c.Layout(), l)
	}
	if a := mustMmap(t, c, MmapOpts{Length: P, Prot: RW, Flags: PA}); a != l.MmapBase-2*P {
		t.Errorf("child mmap at %#x, want %#x", a, l.MmapBase-2*P)
	}
}
