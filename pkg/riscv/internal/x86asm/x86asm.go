// Package x86asm encodes the fixed subset of x86-64 that pkg/riscv's JIT
// emits as host code: moves, loads and stores, integer ALU operations,
// shifts, multiplies, condition codes and rel32 control flow, on the
// sixteen general-purpose registers and [base + index*scale + disp]
// memory operands; and scalar SSE arithmetic, conversions and compares on
// XMM registers, with ldmxcsr/stmxcsr.
//
// It owns nothing but the encoding. A Buf only appends to its slice (so a
// slice over an executable mapping with spare capacity is filled in place)
// and never allocates except by append's growth of that slice. Every
// operand comes from the JIT's own code, never from the guest, so an
// operand that cannot be encoded (an RSP index, a scale other than
// 0/1/2/4/8, a load size other than 1/2/4/8) is a programmer error and
// panics rather than returning an error.
//
// All encodings go through two helpers, rr (register, register) and rm
// (register, memory), which emit mandatory prefix, REX, opcode and
// ModRM/SIB/displacement; the instruction methods are thin tables over
// them. Every encoding is checked against GNU objdump by the tests.
//
// The package is internal to pkg/riscv, whose JIT is its only caller.
package x86asm

import "encoding/binary"

// Reg is a 64-bit general-purpose register, numbered as in the encoding.
type Reg uint8

// The general-purpose registers.
const (
	RAX Reg = iota
	RCX
	RDX
	RBX
	RSP
	RBP
	RSI
	RDI
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
)

// Mem is a memory operand [Base + Index*Scale + Disp]. Scale 0 means no
// index. Base is always present (no absolute or RIP-relative forms needed).
type Mem struct {
	Base  Reg
	Index Reg
	Scale uint8 // 0 (no index), 1, 2, 4 or 8
	Disp  int32
}

// Cond is an x86 condition code (the low nibble of Jcc/SETcc/CMOVcc).
type Cond uint8

// The condition codes.
const (
	CondO  Cond = 0x0
	CondNO Cond = 0x1
	CondB  Cond = 0x2 // unsigned <
	CondAE Cond = 0x3 // unsigned >=
	CondE  Cond = 0x4
	CondNE Cond = 0x5
	CondBE Cond = 0x6 // unsigned <=
	CondA  Cond = 0x7 // unsigned >
	CondS  Cond = 0x8
	CondNS Cond = 0x9
	CondP  Cond = 0xa // parity: unordered after ucomis/comis
	CondNP Cond = 0xb
	CondL  Cond = 0xc // signed <
	CondGE Cond = 0xd // signed >=
	CondLE Cond = 0xe // signed <=
	CondG  Cond = 0xf // signed >
)

// Invert returns the opposite condition.
func (c Cond) Invert() Cond { return c ^ 1 }

// AluOp is the /digit of the 0x81 group: ADD=0 OR=1 ADC=2 SBB=3 AND=4
// SUB=5 XOR=6 CMP=7.
type AluOp uint8

// The ALU operations.
const (
	ADD AluOp = 0
	OR  AluOp = 1
	AND AluOp = 4
	SUB AluOp = 5
	XOR AluOp = 6
	CMP AluOp = 7
)

// ShiftOp is the /digit of the 0xC1/0xD3 group.
type ShiftOp uint8

// The shift and rotate operations.
const (
	ROL ShiftOp = 0
	ROR ShiftOp = 1
	SHL ShiftOp = 4
	SHR ShiftOp = 5
	SAR ShiftOp = 7
)

// Buf accumulates machine code. B may be a slice over an executable mapping
// with spare capacity; methods append to it.
type Buf struct{ B []byte }

// Len returns the number of bytes emitted so far.
func (b *Buf) Len() int { return len(b.B) }

// Encoding flags for rr and rm.
const (
	fW      = 1 << iota // REX.W: 64-bit operand size
	fByteR              // the ModRM reg field names an 8-bit register
	fByteRM             // the ModRM r/m field names an 8-bit register
)

// Mandatory / operand-size prefixes (0 means none).
const (
	p66 = 0x66
	pF2 = 0xF2
	pF3 = 0xF3
)

// hiByte reports whether r, used as an 8-bit register, is SPL/BPL/SIL/DIL,
// which need a REX prefix (without one they would be AH/CH/DH/BH).
func hiByte(r Reg) bool { return r >= RSP && r <= RDI }

// head emits prefix, REX (if any bit or force is set) and the opcode. opc
// holds 1 to 3 opcode bytes, most significant first; no opcode of this
// package begins with 0x00.
func (b *Buf) head(pfx byte, rex byte, force bool, opc uint32) {
	if pfx != 0 {
		b.B = append(b.B, pfx)
	}
	if rex != 0 || force {
		b.B = append(b.B, 0x40|rex)
	}
	switch {
	case opc > 0xFFFF:
		b.B = append(b.B, byte(opc>>16), byte(opc>>8), byte(opc))
	case opc > 0xFF:
		b.B = append(b.B, byte(opc>>8), byte(opc))
	default:
		b.B = append(b.B, byte(opc))
	}
}

// rr emits an instruction whose ModRM names two registers: reg (a register
// or a /digit) and rm.
func (b *Buf) rr(pfx byte, flags int, opc uint32, reg, rm Reg) {
	if reg > R15 || rm > R15 {
		panic("x86asm: bad register")
	}
	var rex byte
	if flags&fW != 0 {
		rex |= 8
	}
	rex |= byte(reg>>3)<<2 | byte(rm>>3)
	force := flags&fByteR != 0 && hiByte(reg) || flags&fByteRM != 0 && hiByte(rm)
	b.head(pfx, rex, force, opc)
	b.B = append(b.B, 0xC0|byte(reg&7)<<3|byte(rm&7))
}

// rm emits an instruction whose ModRM names a register (or /digit) reg and
// the memory operand m, followed by SIB and displacement as needed. The
// caller appends any immediate.
func (b *Buf) rm(pfx byte, flags int, opc uint32, reg Reg, m Mem) {
	if reg > R15 || m.Base > R15 || m.Index > R15 {
		panic("x86asm: bad register")
	}
	var ss byte
	switch m.Scale {
	case 0:
	case 1:
		ss = 0
	case 2:
		ss = 1
	case 4:
		ss = 2
	case 8:
		ss = 3
	default:
		panic("x86asm: bad scale")
	}
	hasIndex := m.Scale != 0
	if hasIndex && m.Index == RSP {
		panic("x86asm: RSP cannot be an index")
	}
	var rex byte
	if flags&fW != 0 {
		rex |= 8
	}
	rex |= byte(reg>>3)<<2 | byte(m.Base>>3)
	if hasIndex {
		rex |= byte(m.Index>>3) << 1
	}
	b.head(pfx, rex, flags&fByteR != 0 && hiByte(reg), opc)

	var mod byte
	switch {
	case m.Disp == 0 && m.Base&7 != RBP:
		mod = 0
	case m.Disp >= -128 && m.Disp <= 127:
		mod = 1
	default:
		mod = 2
	}
	needSIB := hasIndex || m.Base&7 == RSP
	if needSIB {
		idx := byte(4) // no index
		if hasIndex {
			idx = byte(m.Index & 7)
		}
		b.B = append(b.B, mod<<6|byte(reg&7)<<3|4, ss<<6|idx<<3|byte(m.Base&7))
	} else {
		b.B = append(b.B, mod<<6|byte(reg&7)<<3|byte(m.Base&7))
	}
	switch mod {
	case 1:
		b.B = append(b.B, byte(int8(m.Disp)))
	case 2:
		b.B = binary.LittleEndian.AppendUint32(b.B, uint32(m.Disp))
	}
}

func w(w64 bool) int {
	if w64 {
		return fW
	}
	return 0
}

func fitsInt8(v int32) bool { return v >= -128 && v <= 127 }

func (b *Buf) imm32(v int32) { b.B = binary.LittleEndian.AppendUint32(b.B, uint32(v)) }

// MovRR emits mov dst, src. w64 false means the 32-bit form (which
// zero-extends into the upper half).
func (b *Buf) MovRR(dst, src Reg, w64 bool) { b.rr(0, w(w64), 0x89, src, dst) }

// MovRI sets the 64-bit register dst to imm with the shortest correct form:
// mov r32, imm32 when 0 <= imm < 2^32; mov r/m64, sign-extended imm32 when
// imm fits int32; movabs otherwise. It never uses xor, so flags are
// preserved.
func (b *Buf) MovRI(dst Reg, imm int64) {
	if dst > R15 {
		panic("x86asm: bad register")
	}
	switch {
	case imm >= 0 && imm <= 0xFFFFFFFF:
		b.head(0, byte(dst>>3), false, 0xB8+uint32(dst&7))
		b.B = binary.LittleEndian.AppendUint32(b.B, uint32(imm))
	case imm == int64(int32(imm)):
		b.rr(0, fW, 0xC7, 0, dst)
		b.imm32(int32(imm))
	default:
		b.head(0, 8|byte(dst>>3), false, 0xB8+uint32(dst&7))
		b.B = binary.LittleEndian.AppendUint64(b.B, uint64(imm))
	}
}

// MovRM emits mov dst, [m].
func (b *Buf) MovRM(dst Reg, m Mem, w64 bool) { b.rm(0, w(w64), 0x8B, dst, m) }

// MovMR emits mov [m], src.
func (b *Buf) MovMR(m Mem, src Reg, w64 bool) { b.rm(0, w(w64), 0x89, src, m) }

// MovMI emits mov dword/qword [m], imm32 (sign-extended for qword).
func (b *Buf) MovMI(m Mem, imm int32, w64 bool) {
	b.rm(0, w(w64), 0xC7, 0, m)
	b.imm32(imm)
}

// Load loads size (1, 2, 4 or 8) bytes from m into dst, zero- or
// sign-extended to 64 bits: movzx r32, byte/word; movsx r64, byte/word;
// mov r32 (size 4 unsigned); movsxd r64 (size 4 signed); mov r64 (size 8).
func (b *Buf) Load(dst Reg, m Mem, size int, signed bool) {
	switch {
	case size == 1 && !signed:
		b.rm(0, 0, 0x0FB6, dst, m)
	case size == 1:
		b.rm(0, fW, 0x0FBE, dst, m)
	case size == 2 && !signed:
		b.rm(0, 0, 0x0FB7, dst, m)
	case size == 2:
		b.rm(0, fW, 0x0FBF, dst, m)
	case size == 4 && !signed:
		b.rm(0, 0, 0x8B, dst, m)
	case size == 4:
		b.rm(0, fW, 0x63, dst, m)
	case size == 8:
		b.rm(0, fW, 0x8B, dst, m)
	default:
		panic("x86asm: bad load size")
	}
}

// Store stores the low size (1, 2, 4 or 8) bytes of src to m.
func (b *Buf) Store(m Mem, src Reg, size int) {
	switch size {
	case 1:
		b.rm(0, fByteR, 0x88, src, m)
	case 2:
		b.rm(p66, 0, 0x89, src, m)
	case 4:
		b.rm(0, 0, 0x89, src, m)
	case 8:
		b.rm(0, fW, 0x89, src, m)
	default:
		panic("x86asm: bad store size")
	}
}

// Lea emits lea dst, [m].
func (b *Buf) Lea(dst Reg, m Mem, w64 bool) { b.rm(0, w(w64), 0x8D, dst, m) }

// Movx extends the low size bytes of src into the 64-bit dst: movzx/movsx
// from 8 or 16 bits, movsxd (signed) or mov r32, r32 (unsigned) from 32
// bits. Size 8 is a plain 64-bit mov.
func (b *Buf) Movx(dst, src Reg, size int, signed bool) {
	switch {
	case size == 1 && !signed:
		b.rr(0, fByteRM, 0x0FB6, dst, src)
	case size == 1:
		b.rr(0, fW|fByteRM, 0x0FBE, dst, src)
	case size == 2 && !signed:
		b.rr(0, 0, 0x0FB7, dst, src)
	case size == 2:
		b.rr(0, fW, 0x0FBF, dst, src)
	case size == 4 && !signed:
		b.MovRR(dst, src, false)
	case size == 4:
		b.rr(0, fW, 0x63, dst, src)
	case size == 8:
		b.MovRR(dst, src, true)
	default:
		panic("x86asm: bad extension size")
	}
}

// AluRR emits op dst, src.
func (b *Buf) AluRR(op AluOp, dst, src Reg, w64 bool) {
	b.rr(0, w(w64), 0x01|uint32(op&7)<<3, src, dst)
}

// AluRI emits op dst, imm, with the imm8 form (0x83) when imm fits int8.
func (b *Buf) AluRI(op AluOp, dst Reg, imm int32, w64 bool) {
	if fitsInt8(imm) {
		b.rr(0, w(w64), 0x83, Reg(op&7), dst)
		b.B = append(b.B, byte(int8(imm)))
		return
	}
	b.rr(0, w(w64), 0x81, Reg(op&7), dst)
	b.imm32(imm)
}

// AluRM emits op dst, [m].
func (b *Buf) AluRM(op AluOp, dst Reg, m Mem, w64 bool) {
	b.rm(0, w(w64), 0x03|uint32(op&7)<<3, dst, m)
}

// AluMR emits op [m], src.
func (b *Buf) AluMR(op AluOp, m Mem, src Reg, w64 bool) {
	b.rm(0, w(w64), 0x01|uint32(op&7)<<3, src, m)
}

// AluMI emits op dword/qword [m], imm, with the imm8 form when it fits.
func (b *Buf) AluMI(op AluOp, m Mem, imm int32, w64 bool) {
	if fitsInt8(imm) {
		b.rm(0, w(w64), 0x83, Reg(op&7), m)
		b.B = append(b.B, byte(int8(imm)))
		return
	}
	b.rm(0, w(w64), 0x81, Reg(op&7), m)
	b.imm32(imm)
}

// TestRR emits test a, c.
func (b *Buf) TestRR(a, c Reg, w64 bool) { b.rr(0, w(w64), 0x85, c, a) }

// TestRI emits test a, imm32 (0xF7 /0).
func (b *Buf) TestRI(a Reg, imm int32, w64 bool) {
	b.rr(0, w(w64), 0xF7, 0, a)
	b.imm32(imm)
}

// ShiftRI emits op dst, imm (0xC1 /op ib).
func (b *Buf) ShiftRI(op ShiftOp, dst Reg, imm uint8, w64 bool) {
	b.rr(0, w(w64), 0xC1, Reg(op&7), dst)
	b.B = append(b.B, imm)
}

// ShiftRCL emits op dst, cl (0xD3 /op).
func (b *Buf) ShiftRCL(op ShiftOp, dst Reg, w64 bool) {
	b.rr(0, w(w64), 0xD3, Reg(op&7), dst)
}

// Imul emits imul dst, src (0F AF).
func (b *Buf) Imul(dst, src Reg, w64 bool) { b.rr(0, w(w64), 0x0FAF, dst, src) }

// Mul1 emits the 64-bit one-operand mul (or imul when signed):
// rdx:rax = rax * src.
func (b *Buf) Mul1(src Reg, signed bool) {
	d := Reg(4)
	if signed {
		d = 5
	}
	b.rr(0, fW, 0xF7, d, src)
}

// Div1 emits the one-operand div (or idiv when signed), 64-bit
// (rdx:rax / src) or 32-bit (edx:eax / src): quotient in rax/eax,
// remainder in rdx/edx. It faults (#DE) on a zero divisor or an
// overflowing quotient, so the caller must rule both out first.
func (b *Buf) Div1(src Reg, signed bool, w64 bool) {
	d := Reg(6)
	if signed {
		d = 7
	}
	b.rr(0, w(w64), 0xF7, d, src)
}

// Cqo sign-extends rax into rdx:rax.
func (b *Buf) Cqo() { b.B = append(b.B, 0x48, 0x99) }

// Cdq sign-extends eax into edx:eax.
func (b *Buf) Cdq() { b.B = append(b.B, 0x99) }

// LockXadd emits lock xadd [m], src: [m] += src atomically, src = the old
// value.
func (b *Buf) LockXadd(m Mem, src Reg, w64 bool) {
	b.B = append(b.B, 0xF0)
	b.rm(0, w(w64), 0x0FC1, src, m)
}

// Xchg emits xchg [m], src, which is atomic (implicitly locked) with a
// memory operand.
func (b *Buf) Xchg(m Mem, src Reg, w64 bool) { b.rm(0, w(w64), 0x87, src, m) }

// LockCmpxchg emits lock cmpxchg [m], src: if [m] == rax/eax then [m] =
// src (ZF set), else rax/eax = [m] (ZF clear), atomically.
func (b *Buf) LockCmpxchg(m Mem, src Reg, w64 bool) {
	b.B = append(b.B, 0xF0)
	b.rm(0, w(w64), 0x0FB1, src, m)
}

// Neg emits neg dst.
func (b *Buf) Neg(dst Reg, w64 bool) { b.rr(0, w(w64), 0xF7, 3, dst) }

// Not emits not dst.
func (b *Buf) Not(dst Reg, w64 bool) { b.rr(0, w(w64), 0xF7, 2, dst) }

// Setcc emits setcc on the low byte of dst.
func (b *Buf) Setcc(c Cond, dst Reg) {
	b.rr(0, fByteRM, 0x0F90|uint32(c&15), 0, dst)
}

// Cmov emits cmovcc dst, src.
func (b *Buf) Cmov(c Cond, dst, src Reg, w64 bool) {
	b.rr(0, w(w64), 0x0F40|uint32(c&15), dst, src)
}

// Bswap emits bswap dst.
func (b *Buf) Bswap(dst Reg, w64 bool) {
	if dst > R15 {
		panic("x86asm: bad register")
	}
	var rex byte
	if w64 {
		rex = 8
	}
	b.head(0, rex|byte(dst>>3), false, 0x0FC8+uint32(dst&7))
}

// Lzcnt emits lzcnt dst, src (F3 0F BD).
func (b *Buf) Lzcnt(dst, src Reg, w64 bool) { b.rr(pF3, w(w64), 0x0FBD, dst, src) }

// Tzcnt emits tzcnt dst, src (F3 0F BC).
func (b *Buf) Tzcnt(dst, src Reg, w64 bool) { b.rr(pF3, w(w64), 0x0FBC, dst, src) }

// Popcnt emits popcnt dst, src (F3 0F B8).
func (b *Buf) Popcnt(dst, src Reg, w64 bool) { b.rr(pF3, w(w64), 0x0FB8, dst, src) }

// Jcc emits jcc rel32 and returns the buffer offset of its displacement,
// which initially targets the next instruction.
func (b *Buf) Jcc(c Cond) int {
	b.B = append(b.B, 0x0F, 0x80|byte(c&15), 0, 0, 0, 0)
	return len(b.B) - 4
}

// Jmp emits jmp rel32 and returns the buffer offset of its displacement,
// which initially targets the next instruction.
func (b *Buf) Jmp() int {
	b.B = append(b.B, 0xE9, 0, 0, 0, 0)
	return len(b.B) - 4
}

// JmpR emits jmp r.
func (b *Buf) JmpR(r Reg) { b.rr(0, 0, 0xFF, 4, r) }

// JmpM emits jmp qword [m].
func (b *Buf) JmpM(m Mem) { b.rm(0, 0, 0xFF, 4, m) }

// Ret emits ret.
func (b *Buf) Ret() { b.B = append(b.B, 0xC3) }

// Mfence orders every earlier load and store before every later one (the
// store-to-load order x86 does not give by itself).
func (b *Buf) Mfence() { b.B = append(b.B, 0x0F, 0xAE, 0xF0) }

// Patch makes the rel32 field at offset at (as returned by Jcc/Jmp) jump to
// buffer offset target: rel32 = target - (at+4).
func (b *Buf) Patch(at, target int) { PatchRel32(b.B, at, target) }

// PatchRel32 is Patch for a buffer that is not b: it writes into code, a
// slice over the whole code region, at the given offsets (same formula).
// It panics if the displacement does not fit in 32 bits.
func PatchRel32(code []byte, at, target int) {
	rel := int64(target) - int64(at+4)
	if rel != int64(int32(rel)) {
		panic("x86asm: rel32 out of range")
	}
	binary.LittleEndian.PutUint32(code[at:at+4], uint32(int32(rel)))
}

// The SSE registers share the general registers' numbering in ModRM, so
// they are Regs too; the SSE methods say which operand is which.
const (
	X0 Reg = iota
	X1
	X2
)

// SseOp is a scalar SSE arithmetic opcode (the byte after 0F).
type SseOp uint8

// The scalar SSE operations.
const (
	SQRT SseOp = 0x51
	ADDS SseOp = 0x58
	MULS SseOp = 0x59
	CVTS SseOp = 0x5A // cvtsd2ss (double) or cvtss2sd (single source)
	SUBS SseOp = 0x5C
	DIVS SseOp = 0x5E
)

func sseP(double bool) byte {
	if double {
		return pF2
	}
	return pF3
}

// SseRR emits the scalar op dst, src on XMM registers, in double or
// single precision (addsd/addss ...).
func (b *Buf) SseRR(op SseOp, dst, src Reg, double bool) {
	b.rr(sseP(double), 0, 0x0F00|uint32(op), dst, src)
}

// SseRM emits the scalar op dst, [m].
func (b *Buf) SseRM(op SseOp, dst Reg, m Mem, double bool) {
	b.rm(sseP(double), 0, 0x0F00|uint32(op), dst, m)
}

// MovsXM emits movsd (or movss) xmm, [m].
func (b *Buf) MovsXM(x Reg, m Mem, double bool) { b.rm(sseP(double), 0, 0x0F10, x, m) }

// MovqXR emits movq xmm, r64 (movd xmm, r32 when !w64), zeroing the rest
// of xmm.
func (b *Buf) MovqXR(x, r Reg, w64 bool) { b.rr(p66, w(w64), 0x0F6E, x, r) }

// MovqRX emits movq r64, xmm (movd r32, xmm when !w64).
func (b *Buf) MovqRX(r, x Reg, w64 bool) { b.rr(p66, w(w64), 0x0F7E, x, r) }

// Ucomis emits ucomisd (or ucomiss) a, b: a quiet compare (invalid only
// for a signalling NaN) setting ZF, PF, CF.
func (b *Buf) Ucomis(a, c Reg, double bool) { b.rr(dblP(double), 0, 0x0F2E, a, c) }

// Comis emits comisd (or comiss) a, b: a signalling compare (invalid for
// any NaN).
func (b *Buf) Comis(a, c Reg, double bool) { b.rr(dblP(double), 0, 0x0F2F, a, c) }

func dblP(double bool) byte {
	if double {
		return p66
	}
	return 0
}

// Cvtsi2s emits cvtsi2sd (or cvtsi2ss) xmm, r (r64 when w64), rounding
// by MXCSR.
func (b *Buf) Cvtsi2s(x, r Reg, double, w64 bool) { b.rr(sseP(double), w(w64), 0x0F2A, x, r) }

// Cvts2si emits cvtsd2si (or cvtss2si) r, xmm (r64 when w64), rounding by
// MXCSR.
func (b *Buf) Cvts2si(r, x Reg, double, w64 bool) { b.rr(sseP(double), w(w64), 0x0F2D, r, x) }

// Cvtts2si emits cvttsd2si (or cvttss2si) r, xmm (r64 when w64),
// truncating.
func (b *Buf) Cvtts2si(r, x Reg, double, w64 bool) { b.rr(sseP(double), w(w64), 0x0F2C, r, x) }

// Ldmxcsr emits ldmxcsr [m].
func (b *Buf) Ldmxcsr(m Mem) { b.rm(0, 0, 0x0FAE, 2, m) }

// Stmxcsr emits stmxcsr [m].
func (b *Buf) Stmxcsr(m Mem) { b.rm(0, 0, 0x0FAE, 3, m) }

// FmaOp is the opcode byte of a VEX scalar fused multiply-add, 213 form:
// dst = src1*dst (op) src2, rounded once.
type FmaOp uint8

// The 213 forms: a*b+c, a*b-c, -(a*b)+c, -(a*b)-c.
const (
	VFMADD213  FmaOp = 0xA9
	VFMSUB213  FmaOp = 0xAB
	VFNMADD213 FmaOp = 0xAD
	VFNMSUB213 FmaOp = 0xAF
)

// Vfma emits op dst, src1, src2 (vfmadd213sd ... on XMM registers;
// the ss form when !double). It needs FMA3.
func (b *Buf) Vfma(op FmaOp, dst, src1, src2 Reg, double bool) {
	if dst > R15 || src1 > R15 || src2 > R15 {
		panic("x86asm: bad register")
	}
	var wb byte
	if double {
		wb = 0x80
	}
	b.B = append(b.B, 0xC4,
		(^byte(dst>>3)&1)<<7|1<<6|(^byte(src2>>3)&1)<<5|0x02, // R X B, map 0F38
		wb|(^byte(src1)&15)<<3|0x01,                          // W vvvv L=0 pp=66
		byte(op), 0xC0|byte(dst&7)<<3|byte(src2&7))
}
