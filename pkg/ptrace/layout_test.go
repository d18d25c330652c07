package ptrace

import (
	"reflect"
	"runtime"
	"testing"
)

// TestSameLayoutEveryStub: a forked application process runs in a new
// stub and keeps using the vDSO address its parent was given, so every
// stub must have its vDSO (and reserved ranges) in the same place.
func TestSameLayoutEveryStub(t *testing.T) {
	f := newFixture(t, Options{})
	type layout struct {
		vdso     uint64
		reserved any
	}
	want := layout{f.as.VDSO(), f.as.Reserved()}
	if want.vdso == 0 {
		t.Fatal("the stub has no vDSO")
	}
	got := make(chan layout, 1)
	go func() {
		runtime.LockOSThread() // for life: this thread traces the stub
		as, c, err := f.p.newAddressSpace(f.memfd)
		if err != nil {
			t.Error(err)
			got <- layout{}
			return
		}
		got <- layout{as.VDSO(), as.Reserved()}
		c.Release()
	}()
	if g := <-got; !reflect.DeepEqual(g, want) {
		t.Errorf("second stub's layout %+v, first's %+v", g, want)
	}
}
