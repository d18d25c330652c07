package ptrace

import (
	"runtime"
	"testing"
)

// TestVDSOPlacement: a stub asked for its vDSO at an address has it
// there (and its data pages just below, all reserved); asked for none,
// it has the host's fixed placement.
func TestVDSOPlacement(t *testing.T) {
	f := newFixture(t, Options{})
	def := f.as.VDSO()
	if def == 0 {
		t.Fatal("the stub has no vDSO")
	}
	want := uint64(0x7f12_3456_7000)
	done := make(chan error, 1)
	var got uint64
	var reservedOK bool
	go func() {
		runtime.LockOSThread()
		as, c, err := f.p.newAddressSpaceVDSO(f.memfd, want)
		if err != nil {
			done <- err
			return
		}
		got = as.VDSO()
		below := false
		for _, r := range as.Reserved() {
			if r.Start <= got && got < r.End {
				reservedOK = true
			}
			if r.End <= got && r.End > got-1<<20 {
				below = true
			}
		}
		reservedOK = reservedOK && below
		c.Release()
		done <- nil
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if f.p.vdsoFixed.Load() {
		t.Fatalf("the host cannot move the vDSO here")
	}
	if got != want || !reservedOK {
		t.Errorf("vDSO at %#x (reserved with its data: %v), want %#x", got, reservedOK, want)
	}
	if f.as.VDSO() != def {
		t.Errorf("the first stub's vDSO moved")
	}
}
