package riscv

import (
	asm "sentry/pkg/riscv/internal/x86asm"
)

// Translated F and D instructions. The host's scalar SSE instructions
// compute IEEE 754 results, correctly rounded in each of MXCSR's four
// rounding modes, which are RISC-V's RNE, RTZ, RDN and RUP; every
// exception is masked, so x86 returns IEEE's default results and only
// records flags, which are RISC-V's fflags but for DE (a denormal operand,
// dropped). The first FP instruction of a block loads MXCSR (its rounding
// mode, flags clear), and so does one whose mode differs from the last
// loaded (a static rm, or frm's for the dynamic mode), the first after a
// write of fcsr, and every conversion to an integer (it reads IE alone);
// each instruction ORs MXCSR's flags into fcsr after it runs (jitFP.flags
// maps them). Flags left from earlier instructions of the block are
// already in fcsr, so ORing them again changes nothing; an instruction
// that raises a flag fcsr must not get (the compares of FMIN/FMAX and
// FMA's NaN checks) leaves the block before anything is ORed. Blocks are
// only entered at their start, so a block never runs on a MXCSR another
// block (or the interpreter's fcsr writes) left.
// What x86 does differently is fixed around it or left to the
// interpreter:
//   - a NaN result is RISC-V's canonical NaN (x86 returns its default NaN
//     or a quieted operand);
//   - a single that is not NaN-boxed reads as the canonical NaN;
//   - RMM has no MXCSR mode, and a reserved rm is illegal: both go to the
//     interpreter (the static rm when translating; frm, for the dynamic
//     mode, when the instruction runs), but for a conversion to an
//     integer with a static RMM (lround's), which truncates and steps
//     away from zero on a fraction of at least a half (roundAway), and
//     exact conversions (FCVT.D.S, FCVT.D.W, FCVT.D.WU), where the mode
//     does not matter;
//   - FMIN/FMAX with a NaN operand, and conversions to an integer whose
//     value is NaN or out of range (RISC-V saturates; x86 returns its
//     "integer indefinite"), leave for the interpreter at that
//     instruction before anything is written;
//   - FCVT.*.LU of a value with the top bit set (no unsigned cvtsi2sd)
//     leaves likewise.
//   - FMADD and its kinds run as one VEX fused multiply-add, so only on a
//     host with FMA3 (else the interpreter runs them); a NaN operand
//     leaves for the interpreter, since what x86 flags for inf*0+qNaN is
//     not fixed across CPUs and RISC-V flags it invalid.
// FCLASS is bit tests on the operand.
//
// Registers: XMM0, XMM1 and XMM2 beside jit_amd64.go's RAX, RCX, RDX, R8.

// fpMode loads MXCSR with o's rounding mode (its flags clear), or reports
// false, emitting nothing, when the static mode is RMM or reserved. With
// the dynamic mode frm is read when the instruction runs, and RMM or a
// reserved frm leave for the interpreter at pc.
func (e *emitter) fpMode(o *op, pc uint64) bool {
	b := &e.b
	switch {
	case o.rm < rmRMM:
		if e.mx != int8(o.rm) {
			b.Ldmxcsr(e.field(e.j.lay.mxcsr + int32(o.rm)*4))
			e.mx = int8(o.rm)
		}
	case o.rm == rmDyn:
		if e.mx == rmDyn {
			break
		}
		e.mx = rmDyn
		b.MovRM(rA, e.field(e.j.lay.fcsr), false)
		b.ShiftRI(asm.SHR, rA, 5, false)
		b.AluRI(asm.AND, rA, 7, false)
		b.AluRI(asm.CMP, rA, rmRMM, false)
		e.slowPath(b.Jcc(asm.CondAE), pc)
		b.Ldmxcsr(asm.Mem{Base: rCPU, Index: rA, Scale: 4, Disp: e.j.lay.mxcsr})
	default:
		return false
	}
	return true
}

// fpModeExact is fpMode for an instruction that is exact when exact is
// true, so that its rounding mode, RMM included, does not matter.
func (e *emitter) fpModeExact(o *op, exact bool, pc uint64) bool {
	if exact && o.rm == rmRMM {
		e.fpClear()
		return true
	}
	return e.fpMode(o, pc)
}

// fpClear loads MXCSR, if the block has not yet, for an instruction
// without a rounding mode.
func (e *emitter) fpClear() {
	if e.mx == mxUnknown {
		e.b.Ldmxcsr(e.field(e.j.lay.mxcsr))
		e.mx = rmRNE
	}
}

// fpFlags ORs the flags raised since the MXCSR load into fflags. It uses
// RCX.
func (e *emitter) fpFlags() {
	b := &e.b
	b.Stmxcsr(e.field(e.j.lay.mxScratch))
	b.MovRM(rC, e.field(e.j.lay.mxScratch), false)
	b.AluRI(asm.AND, rC, 0x3f, false)
	b.Load(rC, asm.Mem{Base: rCPU, Index: rC, Scale: 1, Disp: e.j.lay.mxFlags}, 1, false)
	b.AluMR(asm.OR, e.field(e.j.lay.fcsr), rC, false)
}

// unbox sets dst to single register r's value, zero-extended: the low
// word if r is NaN-boxed, else the canonical NaN (as cpu.s). It uses
// scratch.
func (e *emitter) unbox(dst asm.Reg, r uint8, scratch asm.Reg) {
	b := &e.b
	b.MovRM(dst, e.fr(r), true)
	b.MovRR(scratch, dst, true)
	b.ShiftRI(asm.SHR, scratch, 32, true)
	b.AluRI(asm.CMP, scratch, -1, false)
	b.MovRI(scratch, canonNaN32)
	b.Cmov(asm.CondNE, dst, scratch, false) // writes dst's low word, clearing the rest, either way
}

// box sets the upper word of r to ones (NaN-boxing a single); it uses
// scratch.
func (e *emitter) box(r, scratch asm.Reg) {
	e.b.MovRI(scratch, -1<<32)
	e.b.AluRR(asm.OR, r, scratch, true)
}

// fpIn loads FP register r into XMM register x: a double as it is, a
// single unboxed. It uses RCX and RDX.
func (e *emitter) fpIn(x asm.Reg, r uint8, double bool) {
	if double {
		e.b.MovsXM(x, e.fr(r), true)
		return
	}
	e.unbox(rC, r, rD)
	e.b.MovqXR(x, rC, false)
}

// fpOut stores XMM0 to f[rd]: a NaN as the canonical NaN, a single
// NaN-boxed. It uses RAX, RCX and RDX.
func (e *emitter) fpOut(rd uint8, double bool) {
	b := &e.b
	b.Ucomis(asm.X0, asm.X0, double) // PF: unordered, a NaN
	b.MovqRX(rA, asm.X0, double)
	if double {
		b.MovRI(rD, canonNaN64)
	} else {
		b.MovRI(rD, canonNaN32)
	}
	b.Cmov(asm.CondP, rA, rD, double)
	if !double {
		e.box(rA, rC)
	}
	b.MovMR(e.fr(rd), rA, true)
}

// fpArith translates add, sub, mul, div and sqrt.
func (e *emitter) fpArith(o *op, op asm.SseOp, double bool, pc uint64) insnResult {
	if !e.fpMode(o, pc) {
		return insnNo
	}
	b := &e.b
	e.fpIn(asm.X0, o.rs1, double)
	switch {
	case op == asm.SQRT:
		b.SseRR(op, asm.X0, asm.X0, double)
	case double:
		b.SseRM(op, asm.X0, e.fr(o.rs2), true)
	default:
		e.fpIn(asm.X1, o.rs2, false)
		b.SseRR(op, asm.X0, asm.X1, false)
	}
	e.fpFlags()
	e.fpOut(o.rd, double)
	return insnNext
}

// fpCvtFP translates FCVT.S.D and FCVT.D.S: x86 rounds, flags a
// signalling NaN invalid and an inexact, overflowing or tiny single as
// RISC-V does.
func (e *emitter) fpCvtFP(o *op, fromDouble bool, pc uint64) insnResult {
	if !e.fpModeExact(o, !fromDouble, pc) {
		return insnNo
	}
	e.fpIn(asm.X0, o.rs1, fromDouble)
	e.b.SseRR(asm.CVTS, asm.X0, asm.X0, fromDouble)
	e.fpFlags()
	e.fpOut(o.rd, !fromDouble)
	return insnNext
}

// fpCompare translates FEQ (ucomis: invalid only for a signalling NaN),
// FLT and FLE (comis: invalid for any NaN), as RISC-V flags them; a NaN
// compares false.
func (e *emitter) fpCompare(o *op, double bool) {
	b := &e.b
	k := o.kind
	if double {
		k -= kFEQD - kFEQS
	}
	e.fpClear()
	e.fpIn(asm.X0, o.rs1, double)
	e.fpIn(asm.X1, o.rs2, double)
	b.AluRR(asm.XOR, rA, rA, false)
	b.AluRR(asm.XOR, rD, rD, false)
	switch k {
	case kFEQS:
		b.Ucomis(asm.X0, asm.X1, double)
		b.Setcc(asm.CondE, rA)
		b.Setcc(asm.CondNP, rD)
		b.AluRR(asm.AND, rA, rD, false)
	case kFLTS:
		b.Comis(asm.X1, asm.X0, double) // b > a, false if unordered
		b.Setcc(asm.CondA, rA)
	default:
		b.Comis(asm.X1, asm.X0, double) // b >= a, false if unordered
		b.Setcc(asm.CondAE, rA)
	}
	e.fpFlags()
	b.MovMR(xr(o.rd), rA, true)
}

// fpSgnj translates the sign injections, which are bit operations (on
// unboxed singles).
func (e *emitter) fpSgnj(o *op, double bool) {
	b := &e.b
	v := o.kind - kFSGNJS
	if double {
		v = o.kind - kFSGNJD
	}
	top := uint8(31)
	if double {
		top = 63
		b.MovRM(rA, e.fr(o.rs1), true)
		b.MovRM(rC, e.fr(o.rs2), true)
	} else {
		e.unbox(rA, o.rs1, rD)
		e.unbox(rC, o.rs2, rD)
	}
	switch v {
	case 1:
		b.Not(rC, double)
	case 2:
		b.AluRR(asm.XOR, rC, rA, double)
	}
	b.ShiftRI(asm.SHR, rC, top, double) // the sign to inject
	b.ShiftRI(asm.SHL, rC, top, double)
	b.ShiftRI(asm.SHL, rA, 1, double) // rs1 without its sign
	b.ShiftRI(asm.SHR, rA, 1, double)
	b.AluRR(asm.OR, rA, rC, double)
	if !double {
		e.box(rA, rC)
	}
	b.MovMR(e.fr(o.rd), rA, true)
}

// fpMinMax translates FMIN and FMAX for ordered operands: the smaller
// (larger) one, and for equal ones the OR (AND) of their bits, which
// makes -0 the smaller of the zeros. A NaN operand leaves for the
// interpreter (RISC-V returns the other operand, and flags a signalling
// NaN invalid).
func (e *emitter) fpMinMax(o *op, double, isMax bool, pc uint64) {
	b := &e.b
	if double {
		b.MovRM(rA, e.fr(o.rs1), true)
		b.MovRM(rC, e.fr(o.rs2), true)
	} else {
		e.unbox(rA, o.rs1, rD)
		e.unbox(rC, o.rs2, rD)
	}
	b.MovRR(rD, rA, true)
	pick := asm.CondB
	if isMax {
		b.AluRR(asm.AND, rD, rC, true)
		pick = asm.CondA
	} else {
		b.AluRR(asm.OR, rD, rC, true)
	}
	b.MovqXR(asm.X0, rA, double)
	b.MovqXR(asm.X1, rC, double)
	b.Ucomis(asm.X0, asm.X1, double)
	e.slowPath(b.Jcc(asm.CondP), pc)
	b.MovRR(r8, rC, true)
	b.Cmov(pick, r8, rA, true)
	b.Cmov(asm.CondE, r8, rD, true)
	if !double {
		e.box(r8, rA)
	}
	b.MovMR(e.fr(o.rd), r8, true)
}

// fpToInt translates FCVT.{W,WU,L,LU}.{S,D}: a 64-bit cvts2si rounding by
// MXCSR, whose result is exact for every in-range value of every kind;
// NaN and values out of the kind's range leave for the interpreter.
func (e *emitter) fpToInt(o *op, pc uint64) insnResult {
	double := o.kind >= kFCVTWD
	k := o.kind
	if double {
		k -= kFCVTWD - kFCVTWS
	}
	e.mx = mxUnknown // IE must be this instruction's alone
	b := &e.b
	rmm := o.rm == rmRMM
	if rmm {
		e.fpClear()
	} else if !e.fpMode(o, pc) {
		return insnNo
	}
	e.fpIn(asm.X0, o.rs1, double)
	if rmm {
		if !double {
			b.SseRR(asm.CVTS, asm.X0, asm.X0, false) // exact
		}
		b.Cvtts2si(rA, asm.X0, true, true)
	} else {
		b.Cvts2si(rA, asm.X0, double, true)
	}
	b.Stmxcsr(e.field(e.j.lay.mxScratch))
	b.MovRM(rC, e.field(e.j.lay.mxScratch), false)
	b.TestRI(rC, 1, false) // IE: NaN or beyond the int64 range
	e.slowPath(b.Jcc(asm.CondNE), pc)
	if rmm {
		e.roundAway()
	}
	switch k {
	case kFCVTWS:
		b.Movx(rC, rA, 4, true)
		b.AluRR(asm.CMP, rC, rA, true)
		e.slowPath(b.Jcc(asm.CondNE), pc)
	case kFCVTWUS:
		b.MovRR(rC, rA, false)
		b.AluRR(asm.CMP, rC, rA, true)
		e.slowPath(b.Jcc(asm.CondNE), pc)
		b.Movx(rA, rA, 4, true)
	case kFCVTLUS:
		b.TestRR(rA, rA, true)
		e.slowPath(b.Jcc(asm.CondS), pc)
	}
	e.fpFlags()
	b.MovMR(xr(o.rd), rA, true)
	return insnNext
}

// roundAway turns RAX = trunc(XMM0), for an XMM0 in the int64 range,
// into XMM0 rounded to nearest with ties away from zero (RMM): one more
// step away from zero when |XMM0 - RAX| >= 0.5. The difference is exact
// (XMM0 is an integer already where RAX is not exact in a double), so
// only the truncation's PE (RISC-V's NX) is raised. It uses RCX, RDX and
// XMM1.
func (e *emitter) roundAway() {
	b := &e.b
	b.Cvtsi2s(asm.X1, rA, true, true)
	b.SseRR(asm.SUBS, asm.X0, asm.X1, true) // the fraction, with v's sign
	b.MovqRX(rC, asm.X0, true)
	b.MovRR(rD, rC, true)
	b.ShiftRI(asm.SHL, rD, 1, true) // |fraction|, shifted past the sign
	b.MovRI(rC, 0x3fe0000000000000<<1)
	b.AluRR(asm.CMP, rD, rC, true)
	below := b.Jcc(asm.CondB)
	b.MovqRX(rC, asm.X0, true)
	b.ShiftRI(asm.SAR, rC, 63, true)
	b.AluRI(asm.OR, rC, 1, true) // -1 or 1: away from zero
	b.AluRR(asm.ADD, rA, rC, true)
	b.Patch(below, b.Len())
}

// fpFromInt translates FCVT.{S,D}.{W,WU,L,LU}: a 64-bit cvtsi2s of the
// sign- or zero-extended source, rounding by MXCSR; an LU source with its
// top bit set leaves for the interpreter.
func (e *emitter) fpFromInt(o *op, pc uint64) insnResult {
	double := o.kind >= kFCVTDW
	k := o.kind
	if double {
		k -= kFCVTDW - kFCVTSW
	}
	if !e.fpModeExact(o, double && (k == kFCVTSW || k == kFCVTSWU), pc) {
		return insnNo
	}
	b := &e.b
	switch k {
	case kFCVTSW:
		b.MovRM(rA, xr(o.rs1), false)
		b.Movx(rA, rA, 4, true)
	case kFCVTSWU:
		b.MovRM(rA, xr(o.rs1), false)
	case kFCVTSL:
		b.MovRM(rA, xr(o.rs1), true)
	default:
		b.MovRM(rA, xr(o.rs1), true)
		b.TestRR(rA, rA, true)
		e.slowPath(b.Jcc(asm.CondS), pc)
	}
	b.Cvtsi2s(asm.X0, rA, double, true)
	e.fpFlags()
	e.fpOut(o.rd, double)
	return insnNext
}

// fpFMA translates FMADD, FMSUB, FNMSUB and FNMADD: RISC-V's
// -(a*b)+c is x86's VFNMADD and -(a*b)-c its VFNMSUB.
func (e *emitter) fpFMA(o *op, pc uint64) insnResult {
	if !e.j.feat.fma {
		return insnNo
	}
	double := o.kind >= kFMADDD
	v := o.kind - kFMADDS
	if double {
		v = o.kind - kFMADDD
	}
	if !e.fpMode(o, pc) {
		return insnNo
	}
	b := &e.b
	e.fpIn(asm.X0, o.rs1, double)
	e.fpIn(asm.X1, o.rs2, double)
	e.fpIn(asm.X2, o.rs3, double)
	for _, x := range []asm.Reg{asm.X0, asm.X1, asm.X2} {
		b.Ucomis(x, x, double)
		e.slowPath(b.Jcc(asm.CondP), pc)
	}
	op := [4]asm.FmaOp{asm.VFMADD213, asm.VFMSUB213, asm.VFNMADD213, asm.VFNMSUB213}[v]
	b.Vfma(op, asm.X0, asm.X1, asm.X2, double) // XMM0 = b*a (op) c
	e.fpFlags()
	e.fpOut(o.rd, double)
	return insnNext
}

// fpClass translates FCLASS: the class's bit number from the magnitude
// (shifted left past the sign) against infinity's and the smallest
// normal's, mirrored (7-n) for a negative value; for a NaN 8 plus the
// quiet bit.
func (e *emitter) fpClass(o *op, double bool) {
	b := &e.b
	inf, minNorm, quiet, sign := uint64(0x7ff0000000000000)<<1, uint64(0x0010000000000000)<<1, uint8(51), uint8(63)
	if double {
		b.MovRM(rA, e.fr(o.rs1), true)
	} else {
		inf, minNorm, quiet, sign = 0x7f800000<<1, 0x00800000<<1, 22, 31
		e.unbox(rA, o.rs1, rD)
	}
	b.MovRR(rC, rA, true)
	b.ShiftRI(asm.SHL, rC, 1, double) // a single: in 32 bits, dropping the sign
	b.MovRI(rD, int64(inf))
	b.AluRR(asm.CMP, rC, rD, true)
	nan := b.Jcc(asm.CondA)
	b.MovRI(r8, 7)
	isInf := b.Jcc(asm.CondE)
	b.MovRI(r8, 4)
	b.TestRR(rC, rC, true)
	isZero := b.Jcc(asm.CondE)
	b.MovRI(r8, 5)
	b.MovRI(rD, int64(minNorm))
	b.AluRR(asm.CMP, rC, rD, true)
	isSub := b.Jcc(asm.CondB)
	b.MovRI(r8, 6)
	signed := b.Len()
	b.Patch(isInf, signed)
	b.Patch(isZero, signed)
	b.Patch(isSub, signed)
	b.ShiftRI(asm.SHR, rA, sign, double)
	positive := b.Jcc(asm.CondE)
	b.Neg(r8, false)
	b.AluRI(asm.ADD, r8, 7, false)
	b.Patch(positive, b.Len())
	done := b.Jmp()
	b.Patch(nan, b.Len())
	b.ShiftRI(asm.SHR, rA, quiet, true)
	b.AluRI(asm.AND, rA, 1, false)
	b.Lea(r8, asm.Mem{Base: rA, Disp: 8}, false)
	b.Patch(done, b.Len())
	b.MovRR(rC, r8, false)
	b.MovRI(rA, 1)
	b.ShiftRCL(asm.SHL, rA, false)
	b.MovMR(xr(o.rd), rA, true)
}

// fpInsn translates the F and D instructions past the loads and stores.
func (e *emitter) fpInsn(o *op, pc uint64) insnResult {
	b := &e.b
	switch o.kind {
	case kFADDS, kFADDD:
		return e.fpArith(o, asm.ADDS, o.kind == kFADDD, pc)
	case kFSUBS, kFSUBD:
		return e.fpArith(o, asm.SUBS, o.kind == kFSUBD, pc)
	case kFMULS, kFMULD:
		return e.fpArith(o, asm.MULS, o.kind == kFMULD, pc)
	case kFDIVS, kFDIVD:
		return e.fpArith(o, asm.DIVS, o.kind == kFDIVD, pc)
	case kFSQRTS, kFSQRTD:
		return e.fpArith(o, asm.SQRT, o.kind == kFSQRTD, pc)
	case kFSGNJS, kFSGNJNS, kFSGNJXS:
		e.fpSgnj(o, false)
	case kFSGNJD, kFSGNJND, kFSGNJXD:
		e.fpSgnj(o, true)
	case kFMINS, kFMAXS, kFMIND, kFMAXD:
		e.fpMinMax(o, o.kind >= kFMIND, o.kind == kFMAXS || o.kind == kFMAXD, pc)
	case kFEQS, kFLTS, kFLES:
		e.fpCompare(o, false)
	case kFEQD, kFLTD, kFLED:
		e.fpCompare(o, true)
	case kFCVTWS, kFCVTWUS, kFCVTLS, kFCVTLUS, kFCVTWD, kFCVTWUD, kFCVTLD, kFCVTLUD:
		return e.fpToInt(o, pc)
	case kFCVTSW, kFCVTSWU, kFCVTSL, kFCVTSLU, kFCVTDW, kFCVTDWU, kFCVTDL, kFCVTDLU:
		return e.fpFromInt(o, pc)
	case kFCVTSD:
		return e.fpCvtFP(o, true, pc)
	case kFCVTDS:
		return e.fpCvtFP(o, false, pc)
	case kFMADDS, kFMSUBS, kFNMSUBS, kFNMADDS, kFMADDD, kFMSUBD, kFNMSUBD, kFNMADDD:
		return e.fpFMA(o, pc)
	case kFCLASSS, kFCLASSD:
		e.fpClass(o, o.kind == kFCLASSD)
	case kFMVXW:
		b.MovRM(rA, e.fr(o.rs1), false)
		b.Movx(rA, rA, 4, true)
		b.MovMR(xr(o.rd), rA, true)
	case kFMVXD:
		b.MovRM(rA, e.fr(o.rs1), true)
		b.MovMR(xr(o.rd), rA, true)
	case kFMVWX:
		b.MovRM(rA, xr(o.rs1), false)
		e.box(rA, rC)
		b.MovMR(e.fr(o.rd), rA, true)
	case kFMVDX:
		b.MovRM(rA, xr(o.rs1), true)
		b.MovMR(e.fr(o.rd), rA, true)
	default:
		return insnNo
	}
	return insnNext
}
