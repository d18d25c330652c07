package vm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"sentry/pkg/platform"
)

// TestHandleFaultSince: a fault another thread's copy-on-write break has
// made stale is retried; the same fault with nothing changed since the
// thread resumed is a real one.
func TestHandleFaultSince(t *testing.T) {
	m, _ := newTestMM(t)
	const n = 4 * cowChunk
	base := mustMmap(t, m, anon(A, n, RW))
	fill(t, m, base, n, 5)
	forkTest(t, m)
	before := m.MirrorGen() // both threads resume here
	// Thread B faults first and gets chunk 0 of its own.
	if ok, err := m.HandleFaultSince(base+1, before); !ok || err != nil {
		t.Fatalf("first fault = %v, %v", ok, err)
	}
	if m.MirrorGen() == before {
		t.Fatal("breaking copy-on-write did not move MirrorGen")
	}
	for _, tc := range []struct {
		name string
		addr uint64
		// stale: the thread resumed before B's break, else just now
		stale bool
		want  bool
	}{
		{"thread A's fault in the chunk B took back", base + P, true, true},
		{"a fault there with nothing changed", base + P, false, false},
		{"a copy-on-write chunk", base + cowChunk, false, true},
		{"no mapping, the mirror moved", A + 2*n, true, true},
		{"no mapping", A + 2*n, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			since := m.MirrorGen()
			if tc.stale {
				since = before
			}
			ok, err := m.HandleFaultSince(tc.addr, since)
			if ok != tc.want || err != nil {
				t.Errorf("HandleFaultSince(%#x, %d) = %v, %v; want %v", tc.addr, since, ok, err, tc.want)
			}
		})
	}
}

// TestForkRunningHoldsWhileCopying: a small process is copied at fork;
// when its other threads may be running, its writable memory is
// write-protected in the platform while the copy is made, and given back
// afterwards.
func TestForkRunningHoldsWhileCopying(t *testing.T) {
	rw, ro := platform.Perms{Read: true, Write: true}, platform.Perms{Read: true}
	for _, tc := range []struct {
		name    string
		running bool
		want    []string
	}{
		{"Fork", false, nil},
		{"ForkRunning", true, []string{
			fmt.Sprintf("map %#x-%#x @0x0 %v", A, A+4*P, ro),
			fmt.Sprintf("map %#x-%#x @0x0 %v", A, A+4*P, rw),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, pf := newTestMM(t)
			base := mustMmap(t, m, anon(A, 4*P, RW))
			want := fill(t, m, base, 4*P, 7)
			pf.takeCalls()
			fork := m.Fork
			if tc.running {
				fork = m.ForkRunning
			}
			cf := newFakeAS(t)
			c, err := fork(cf)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.MirrorAll(); err != nil {
				t.Fatal(err)
			}
			defer c.Release()
			if got := pf.takeCalls(); !slices.Equal(got, tc.want) {
				t.Errorf("the parent's platform was told %q, want %q", got, tc.want)
			}
			i, _ := m.vmas.at(base)
			if m.vmas[i].cow || !pf.pages[base].perms.Write {
				t.Errorf("the parent's memory is left copy-on-write (cow %v, mirror %+v)", m.vmas[i].cow, pf.pages[base].perms)
			}
			if got := read(t, c, base, 4*P); !bytes.Equal(got, want) {
				t.Error("the child's memory differs")
			}
			checkMirror(t, c, cf)
		})
	}
}

// TestCompareAndSwapBreaksCOW: the sentry's atomic store (futex, robust
// lists) lands in the caller's memory only, never in the page it shares
// with a forked child.
func TestCompareAndSwapBreaksCOW(t *testing.T) {
	m, _ := newTestMM(t)
	base := mustMmap(t, m, anon(A, 2*P, RW))
	var w [4]byte
	binary.LittleEndian.PutUint32(w[:], 1)
	if _, err := m.CopyOut(base+8, w[:]); err != nil {
		t.Fatal(err)
	}
	c, _ := forkTest(t, m)
	if prev, err := m.CompareAndSwapU32(base+8, 1, 2); prev != 1 || err != nil {
		t.Fatalf("CompareAndSwapU32 = %d, %v", prev, err)
	}
	for _, x := range []struct {
		who  string
		mm   *MM
		want uint32
	}{{"parent", m, 2}, {"child", c, 1}} {
		if got, err := x.mm.LoadU32(base + 8); got != x.want || err != nil {
			t.Errorf("%s reads %d, %v; want %d", x.who, got, err, x.want)
		}
	}
}
