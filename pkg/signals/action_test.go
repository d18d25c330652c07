package signals

import (
	"encoding/binary"
	"testing"
)

// TestActionLayouts: struct kernel_sigaction is handler, flags, restorer,
// mask (32 bytes) on amd64 and handler, flags, mask (24) on riscv64, and
// each decodes back to what was encoded.
func TestActionLayouts(t *testing.T) {
	a := Action{Handler: 0x1111, Flags: SASigInfo | SARestart | SARestorer, Restorer: 0x2222, Mask: 0x3333}
	le := binary.LittleEndian
	b := a.Encode(true)
	if len(b) != 32 || le.Uint64(b) != 0x1111 || le.Uint64(b[8:]) != a.Flags || le.Uint64(b[16:]) != 0x2222 || le.Uint64(b[24:]) != 0x3333 {
		t.Errorf("with sa_restorer: % x", b)
	}
	if got := DecodeAction(b, true); got != a {
		t.Errorf("with sa_restorer: decoded %+v, want %+v", got, a)
	}
	b = a.Encode(false)
	if len(b) != 24 || le.Uint64(b) != 0x1111 || le.Uint64(b[8:]) != a.Flags || le.Uint64(b[16:]) != 0x3333 {
		t.Errorf("without sa_restorer: % x", b)
	}
	want := a
	want.Restorer = 0
	if got := DecodeAction(b, false); got != want {
		t.Errorf("without sa_restorer: decoded %+v, want %+v", got, want)
	}
}
