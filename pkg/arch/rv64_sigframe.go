package arch

import "encoding/binary"

// riscv64 signal frame (Linux arch/riscv/kernel/signal.c, uapi
// asm/ucontext.h and asm/sigcontext.h):
//
//	struct rt_sigframe { siginfo_t info; struct ucontext uc; }
//	struct ucontext {
//		unsigned long uc_flags; struct ucontext *uc_link; stack_t uc_stack;
//		sigset_t uc_sigmask; u8 __unused[120];
//		struct sigcontext uc_mcontext;       // 16-byte aligned: offset 176
//	}
//	struct sigcontext {
//		struct user_regs_struct sc_regs;     // pc, x1..x31
//		union __riscv_fp_state sc_fpregs;    // d: f0..f31, fcsr; sized for q (528 bytes)
//	}
//
// The frame sits 16-byte aligned below sp (there is no red zone); the
// handler gets a0 = signo, a1 = &info, a2 = &uc, ra = the sentry's
// rt_sigreturn trampoline, and rt_sigreturn finds the frame at sp.
const (
	RISCV64FrameInfo     = 0
	RISCV64FrameUContext = 128
	RISCV64UCFlags       = 0
	RISCV64UCStack       = 16
	RISCV64UCSigmask     = 40
	RISCV64UCMContext    = 176
	RISCV64MCFPRegs      = 256 // within sigcontext
	RISCV64SigContextLen = 256 + 528
	RISCV64UContextSize  = RISCV64UCMContext + RISCV64SigContextLen
	RISCV64FrameSize     = RISCV64FrameUContext + RISCV64UContextSize
)

// RISCV64SigreturnTrampoline is the code the sentry's vDSO page holds
// (riscv64 has no SA_RESTORER): li a7, 139 (rt_sigreturn); ecall.
var RISCV64SigreturnTrampoline = []byte{
	0x93, 0x08, 0xb0, 0x08, // addi a7, zero, 139
	0x73, 0x00, 0x00, 0x00, // ecall
}

// EncodeRISCV64SigContext lays out sc_regs and the D-extension FP state
// (fp in FPState's layout; may be nil for zeroes).
func EncodeRISCV64SigContext(r *RISCV64Regs, fp []byte) [RISCV64SigContextLen]byte {
	var b [RISCV64SigContextLen]byte
	le := binary.LittleEndian
	le.PutUint64(b[0:], r.PC)
	for i := 1; i < 32; i++ {
		le.PutUint64(b[8*i:], r.X[i])
	}
	copy(b[RISCV64MCFPRegs:RISCV64MCFPRegs+RISCV64FPStateSize], fp)
	return b
}

// DecodeRISCV64SigContext reads sc_regs into r and returns the FP state
// in FPState's layout.
func DecodeRISCV64SigContext(b []byte, r *RISCV64Regs) []byte {
	le := binary.LittleEndian
	r.PC = le.Uint64(b[0:])
	r.X[0] = 0
	for i := 1; i < 32; i++ {
		r.X[i] = le.Uint64(b[8*i:])
	}
	return append([]byte(nil), b[RISCV64MCFPRegs:RISCV64MCFPRegs+RISCV64FPStateSize]...)
}
