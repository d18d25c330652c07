package arch

import (
	"encoding/binary"
	"testing"
)

func TestAMD64SigContextLayout(t *testing.T) {
	r := AMD64Regs{R8: 8, R9: 9, R15: 15, Rdi: 0xd1, Rsi: 0x51, Rax: 0xa, Rsp: 0x5b, Rip: 0x1b, Eflags: 0x246, Cs: 0x33, Ss: 0x2b}
	b := EncodeAMD64SigContext(&r, AMD64SigContext{Err: 4, Trapno: 14, Oldmask: 0x10, Cr2: 0xc2, FPState: 0xf0})
	le := binary.LittleEndian
	// Offsets of struct sigcontext (uapi/asm/sigcontext.h).
	for off, want := range map[int]uint64{0: 8, 8: 9, 56: 15, 64: 0xd1, 72: 0x51, 104: 0xa, 120: 0x5b, 128: 0x1b, 136: 0x246,
		152: 4, 160: 14, 168: 0x10, 176: 0xc2, 184: 0xf0} {
		if got := le.Uint64(b[off:]); got != want {
			t.Errorf("offset %d: %#x, want %#x", off, got, want)
		}
	}
	if le.Uint16(b[144:]) != 0x33 || le.Uint16(b[150:]) != 0x2b {
		t.Errorf("cs/ss at 144/150: %#x %#x", le.Uint16(b[144:]), le.Uint16(b[150:]))
	}
	var back AMD64Regs
	eflags, fp := DecodeAMD64SigContext(b[:], &back)
	if eflags != 0x246 || fp != 0xf0 || back.Rip != r.Rip || back.R15 != r.R15 || back.Rsp != r.Rsp {
		t.Errorf("decode: %+v eflags %#x fp %#x", back, eflags, fp)
	}
	if AMD64FrameSize != 440 || AMD64UCSigmask != 296 || AMD64FrameInfo != 312 {
		t.Errorf("frame layout: size %d sigmask %d info %d", AMD64FrameSize, AMD64UCSigmask, AMD64FrameInfo)
	}
}
