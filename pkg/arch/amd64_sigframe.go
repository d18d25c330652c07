package arch

import "encoding/binary"

// The amd64 signal frame (arch/x86/include/asm/sigframe.h, uapi
// asm/sigcontext.h, asm/ucontext.h). From the handler's rsp upwards:
//
//	rt_sigframe {
//	    pretcode  u64            // return address: sa_restorer
//	    uc        ucontext       // 304 bytes
//	    info      siginfo        // 128 bytes
//	}
//	ucontext { uc_flags u64; uc_link u64; uc_stack stack_t (24);
//	           uc_mcontext sigcontext (256); uc_sigmask u64 }
//
// The fpstate (XSAVE area, 64-byte aligned, followed by FP_XSTATE_MAGIC2)
// lies above the frame; sigcontext.fpstate points at it. The frame is
// placed so that rsp+8 is 16-byte aligned, as after a call.
const (
	AMD64FrameUContext = 8
	AMD64FrameInfo     = 8 + AMD64UContextSize
	AMD64FrameSize     = AMD64FrameInfo + 128

	AMD64UContextSize   = 304
	AMD64UCStack        = 16
	AMD64UCMContext     = 40
	AMD64UCSigmask      = AMD64UCMContext + AMD64SigContextSize
	AMD64SigContextSize = 256

	// AMD64RedZone is skipped below the interrupted rsp.
	AMD64RedZone = 128

	// uc_flags.
	AMD64UCFPXState        = 1
	AMD64UCSigcontextSS    = 2
	AMD64UCStrictRestoreSS = 4

	// The FPU area's software-reserved bytes (struct _fpx_sw_bytes at
	// offset 464 of the FXSAVE region) and the trailing magic.
	AMD64FPSwBytes      = 464
	AMD64FPXStateMagic1 = 0x46505853
	AMD64FPXStateMagic2 = 0x46505845
	AMD64FXSaveSize     = 512

	// Flags rt_sigreturn takes from the frame (FIX_EFLAGS): AC OF DF
	// TF SF ZF AF PF CF RF; the rest keep their current values.
	AMD64UserEflags = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000
	// Flags cleared on entry to a handler: DF, TF, RF.
	AMD64HandlerClearEflags = 0x400 | 0x100 | 0x10000
)

// AMD64SigContext is struct sigcontext minus the registers.
type AMD64SigContext struct {
	Err, Trapno, Oldmask, Cr2, FPState uint64
}

// EncodeAMD64SigContext lays out struct sigcontext for r.
func EncodeAMD64SigContext(r *AMD64Regs, sc AMD64SigContext) [AMD64SigContextSize]byte {
	var b [AMD64SigContextSize]byte
	le := binary.LittleEndian
	for i, v := range []uint64{r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15,
		r.Rdi, r.Rsi, r.Rbp, r.Rbx, r.Rdx, r.Rax, r.Rcx, r.Rsp, r.Rip, r.Eflags} {
		le.PutUint64(b[8*i:], v)
	}
	le.PutUint16(b[144:], uint16(r.Cs))
	le.PutUint16(b[146:], uint16(r.Gs))
	le.PutUint16(b[148:], uint16(r.Fs))
	le.PutUint16(b[150:], uint16(r.Ss))
	for i, v := range []uint64{sc.Err, sc.Trapno, sc.Oldmask, sc.Cr2, sc.FPState} {
		le.PutUint64(b[152+8*i:], v)
	}
	return b
}

// DecodeAMD64SigContext reads struct sigcontext into the general registers
// of r (all but the selectors, the segment bases and orig_rax) and
// returns the eflags and fpstate pointer it holds; the caller decides
// which flags to take.
func DecodeAMD64SigContext(b []byte, r *AMD64Regs) (eflags, fpstate uint64) {
	le := binary.LittleEndian
	for i, p := range []*uint64{&r.R8, &r.R9, &r.R10, &r.R11, &r.R12, &r.R13, &r.R14, &r.R15,
		&r.Rdi, &r.Rsi, &r.Rbp, &r.Rbx, &r.Rdx, &r.Rax, &r.Rcx, &r.Rsp, &r.Rip} {
		*p = le.Uint64(b[8*i:])
	}
	return le.Uint64(b[136:]), le.Uint64(b[184:])
}
