package vm

import (
	"bytes"
	"encoding/binary"
	"testing"
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

// TestForkRunningNeverCopies: a small process is copied at Fork but
// shared copy-on-write at ForkRunning (its other threads may be writing).
func TestForkRunningNeverCopies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		running bool
		wantCOW bool
	}{
		{"Fork", false, false},
		{"ForkRunning", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, pf := newTestMM(t)
			base := mustMmap(t, m, anon(A, 4*P, RW))
			want := fill(t, m, base, 4*P, 7)
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
			i, _ := m.vmas.at(base)
			if got := m.vmas[i].cow; got != tc.wantCOW {
				t.Errorf("parent's piece cow %v, want %v", got, tc.wantCOW)
			}
			if got := pf.pages[base].perms.Write; got == tc.wantCOW {
				t.Errorf("parent's page writable %v, want %v", got, !tc.wantCOW)
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
