package riscv

import (
	asm "sentry/pkg/riscv/internal/x86asm"
)

// Host registers of translated code (see jit_amd64.go).
const (
	rCPU = asm.R15
	rMem = asm.R14
	rA   = asm.RAX
	rC   = asm.RCX
	rD   = asm.RDX
	r8   = asm.R8
)

// emitter translates one block.
type emitter struct {
	b    asm.Buf
	j    *jitState
	c    *cpu
	at   int // region offset of b.B[0]
	slow []slowExit
	cold []coldPath
	// mx is the MXCSR translated code has loaded in this block so far:
	// a rounding mode (rmRNE..rmRUP, or rmDyn for frm's), or mxUnknown.
	mx int8
}

// mxUnknown: no MXCSR loaded yet in the block (or fcsr written since).
const mxUnknown = -1

// coldPath is rarely run code placed after the block: the jump at jcc
// goes to emit's code, which then jumps back to resume.
type coldPath struct {
	jcc    int
	resume int
	emit   func()
}

// Bounds for ending a block before its code could overrun jitMaxBlock:
// no instruction emits more than jitInsnMax bytes inline, no slow exit
// (with its refill) more than jitSlowMax, no cold path more than
// jitColdMax.
const (
	jitInsnMax = 512
	jitSlowMax = 256
	jitColdMax = 64
)

// slowExit is a jump to patch to an exitStep at pc, or, for a TLB miss
// (perm != 0), to a page-table walk that fills the TLB entry and jumps
// back to resume.
type slowExit struct {
	jcc    int
	pc     uint64
	perm   uint64
	tlb    int32
	resume int
}

// translate emits the block starting at pc and returns its offset in the
// region, or false if pc cannot be fetched.
func (c *cpu) translate(pc uint64) (int32, bool) {
	j := c.jit
	start := pc
	o, ok := c.decodeAt(pc)
	if !ok {
		return 0, false
	}
	if len(j.code)-j.used < jitMaxBlock {
		j.reset()
		j.refills++
	}
	e := &emitter{j: j, c: c, at: j.used, b: asm.Buf{B: j.code[j.used:j.used:len(j.code)]}, mx: mxUnknown}
	page := pc >> pageShift
	for n := 0; ; n++ {
		switch e.insn(&o, pc) {
		case insnEnd:
			goto done
		case insnNo:
			e.exit(pc, exitStep)
			goto done
		}
		pc += uint64(o.len)
		if n+1 >= jitMaxInsns || pc>>pageShift != page || !e.room() {
			e.chain(pc)
			goto done
		}
		if o, ok = c.decodeAt(pc); !ok {
			c.faultAddr, c.faultCode = 0, 0
			e.exit(pc, exitStep) // the interpreter faults there
			goto done
		}
	}
done:
	for _, p := range e.cold {
		e.b.Patch(p.jcc, e.b.Len())
		p.emit()
		e.b.Patch(e.b.Jmp(), p.resume)
	}
	for _, s := range e.slow {
		e.b.Patch(s.jcc, e.b.Len())
		if s.perm != 0 && e.j.pt != 0 {
			e.refill(s)
		}
		e.exit(s.pc, exitStep)
	}
	if len(e.b.B) > jitMaxBlock {
		panic("riscv: translated block overran its bound")
	}
	off := int32(j.used)
	j.used += len(e.b.B)
	j.blocks[start] = off
	return off, true
}

type insnResult int

const (
	insnNext insnResult = iota // translated; the block goes on
	insnEnd                    // translated a jump or branch: the block is over
	insnNo                     // not translated: nothing emitted
)

// room reports whether one more instruction, its slow exits and cold
// paths, and the block's end still fit in jitMaxBlock.
func (e *emitter) room() bool {
	return e.b.Len()+(len(e.slow)+8)*jitSlowMax+(len(e.cold)+4)*jitColdMax+2*jitInsnMax <= jitMaxBlock
}

// coldJump makes the jump at jcc run emit out of line and come back to
// buffer offset resume.
func (e *emitter) coldJump(jcc, resume int, emit func()) {
	e.cold = append(e.cold, coldPath{jcc: jcc, resume: resume, emit: emit})
}

// xr is guest register r in the cpu.
func xr(r uint8) asm.Mem { return asm.Mem{Base: rCPU, Disp: int32(r) * 8} }

// fr is FP register r in the cpu.
func (e *emitter) fr(r uint8) asm.Mem { return asm.Mem{Base: rCPU, Disp: e.j.lay.f + int32(r)*8} }

func (e *emitter) field(disp int32) asm.Mem { return asm.Mem{Base: rCPU, Disp: disp} }

// setPC stores v to c.pc.
func (e *emitter) setPC(v uint64) {
	e.storeImm(e.field(e.j.lay.pc), v)
}

// storeImm stores the 64-bit value v at m.
func (e *emitter) storeImm(m asm.Mem, v uint64) { e.storeImmVia(m, v, rA) }

// storeImmVia is storeImm using scratch for a value wider than an
// immediate, for callers that hold something in RAX.
func (e *emitter) storeImmVia(m asm.Mem, v uint64, scratch asm.Reg) {
	if int64(v) == int64(int32(v)) {
		e.b.MovMI(m, int32(v), true)
		return
	}
	e.b.MovRI(scratch, int64(v))
	e.b.MovMR(m, scratch, true)
}

// exit returns kind from translated code with c.pc = pc.
func (e *emitter) exit(pc uint64, kind int32) {
	e.setPC(pc)
	e.b.MovRI(rA, int64(kind))
	e.b.Ret()
}

// checks counts down the budget and reads poke; it returns the two jumps
// to patch to the code that leaves.
func (e *emitter) checks() (int, int) {
	e.b.AluMI(asm.SUB, e.field(e.j.lay.budget), 1, false)
	js := e.b.Jcc(asm.CondS)
	e.b.AluMI(asm.CMP, e.field(e.j.lay.poke), 0, false)
	jne := e.b.Jcc(asm.CondNE)
	return js, jne
}

// chain jumps to the block at target: directly once it is translated,
// until then through an exitLookup that asks for the patch.
func (e *emitter) chain(target uint64) {
	js, jne := e.checks()
	site := e.b.Jmp() // rel32 0: falls into the lookup exit below
	e.setPC(target)
	e.b.MovMI(e.field(e.j.lay.site), int32(e.at+site), false)
	e.b.MovRI(rA, exitLookup)
	e.b.Ret()
	e.b.Patch(js, e.b.Len())
	e.b.Patch(jne, e.b.Len())
	e.exit(target, exitPoke)
}

// jumpIndirect jumps to the guest address in RAX.
func (e *emitter) jumpIndirect() {
	js, jne := e.checks()
	e.b.MovRR(rC, rA, false)
	e.b.ShiftRI(asm.SHR, rC, 1, false)
	e.b.AluRI(asm.AND, rC, jitTabSize-1, false)
	e.b.ShiftRI(asm.SHL, rC, jitTabShift, false)
	e.b.MovRI(rD, int64(tabAddr(e.j.tab)))
	e.b.AluRM(asm.CMP, rA, asm.Mem{Base: rD, Index: rC, Scale: 1}, true)
	miss := e.b.Jcc(asm.CondNE)
	e.b.JmpM(asm.Mem{Base: rD, Index: rC, Scale: 1, Disp: 8})
	e.b.Patch(miss, e.b.Len())
	e.b.MovMR(e.field(e.j.lay.pc), rA, true)
	e.b.MovMI(e.field(e.j.lay.site), jitNoSite, false)
	e.b.MovRI(rA, exitLookup)
	e.b.Ret()
	e.b.Patch(js, e.b.Len())
	e.b.Patch(jne, e.b.Len())
	e.b.MovMR(e.field(e.j.lay.pc), rA, true)
	e.b.MovRI(rA, exitPoke)
	e.b.Ret()
}

// slowPath makes the last emitted jump leave for the interpreter at pc.
func (e *emitter) slowPath(jcc int, pc uint64) {
	e.slow = append(e.slow, slowExit{jcc: jcc, pc: pc})
}

// address leaves in RAX the host address (an offset from R14) of the
// size-byte access at x[rs1]+imm through tlb, jumping to the slow path
// when the TLB misses or the access crosses a page.
func (e *emitter) address(rs1 uint8, imm int64, size int, tlb int32, pc uint64) {
	b := &e.b
	b.MovRM(rA, xr(rs1), true)
	if imm != 0 {
		b.AluRI(asm.ADD, rA, int32(imm), true)
	}
	b.MovRR(rC, rA, true)
	b.ShiftRI(asm.SHR, rC, pageShift, true)
	b.Movx(rD, rC, 1, false) // page % tlbSize
	b.ShiftRI(asm.SHL, rD, 4, false)
	b.AluRI(asm.ADD, rC, 1, true)
	b.AluRM(asm.CMP, rC, asm.Mem{Base: rCPU, Index: rD, Scale: 1, Disp: tlb}, true)
	perm := uint64(permR)
	if tlb == e.j.lay.tlbW {
		perm = permW
	}
	e.slow = append(e.slow, slowExit{jcc: b.Jcc(asm.CondNE), pc: pc, perm: perm, tlb: tlb, resume: b.Len()})
	if size > 1 {
		b.MovRR(rC, rA, false)
		b.AluRI(asm.AND, rC, pageMask, false)
		b.AluRI(asm.CMP, rC, int32(pageSize-size), false)
		e.slowPath(b.Jcc(asm.CondA), pc)
	}
	b.AluRI(asm.AND, rA, pageMask, false)
	b.AluRM(asm.ADD, rA, asm.Mem{Base: rCPU, Index: rD, Scale: 1, Disp: tlb + 8}, true)
}

// refill walks the page table for the address in RAX, as pageTable.lookup
// does, and on success fills the TLB entry RDX indexes and jumps back to
// s.resume; it falls through (to the exitStep after it) when a level is
// missing or the entry lacks s.perm, and the interpreter then faults or
// fills the entry itself. Table pointers are read without atomics: x86
// loads of aligned words are atomic, and tables are never freed while the
// page table lives.
func (e *emitter) refill(s slowExit) {
	b := &e.b
	var out []int
	b.MovRR(rC, rA, true)
	b.ShiftRI(asm.SHR, rC, 30, true)
	b.AluRI(asm.CMP, rC, 1<<l1Bits, true)
	out = append(out, b.Jcc(asm.CondAE))
	b.MovRI(r8, int64(e.j.pt))
	b.MovRM(rC, asm.Mem{Base: r8, Index: rC, Scale: 8}, true)
	b.TestRR(rC, rC, true)
	out = append(out, b.Jcc(asm.CondE))
	for _, shift := range []uint8{21, pageShift} {
		b.MovRR(r8, rA, true)
		b.ShiftRI(asm.SHR, r8, shift, true)
		b.AluRI(asm.AND, r8, 1<<lnBits-1, false)
		b.MovRM(rC, asm.Mem{Base: rC, Index: r8, Scale: 8}, true)
		if shift != pageShift {
			b.TestRR(rC, rC, true)
			out = append(out, b.Jcc(asm.CondE))
		}
	}
	b.TestRI(rC, int32(s.perm), false)
	out = append(out, b.Jcc(asm.CondE))
	b.AluRI(asm.AND, rC, -pageSize, true)
	b.MovMR(asm.Mem{Base: rCPU, Index: rD, Scale: 1, Disp: s.tlb + 8}, rC, true)
	b.MovRR(rC, rA, true)
	b.ShiftRI(asm.SHR, rC, pageShift, true)
	b.AluRI(asm.ADD, rC, 1, true)
	b.MovMR(asm.Mem{Base: rCPU, Index: rD, Scale: 1, Disp: s.tlb}, rC, true)
	b.Patch(b.Jmp(), s.resume)
	for _, j := range out {
		b.Patch(j, b.Len())
	}
}

func hostMemAt(r asm.Reg) asm.Mem { return asm.Mem{Base: rMem, Index: r, Scale: 1} }

// Operand helpers: RAX = x[rs1] (op) x[rs2] or imm; x[rd] = RAX.

func (e *emitter) rr(op asm.AluOp, o *op, w64 bool) {
	e.b.MovRM(rA, xr(o.rs1), w64)
	e.b.AluRM(op, rA, xr(o.rs2), w64)
	e.result(w64)
	e.b.MovMR(xr(o.rd), rA, true)
}

func (e *emitter) ri(op asm.AluOp, o *op, w64 bool) {
	e.b.MovRM(rA, xr(o.rs1), w64)
	e.b.AluRI(op, rA, int32(o.imm), w64)
	e.result(w64)
	e.b.MovMR(xr(o.rd), rA, true)
}

// result sign-extends a 32-bit result in EAX (the *W instructions).
func (e *emitter) result(w64 bool) {
	if !w64 {
		e.b.Movx(rA, rA, 4, true)
	}
}

func (e *emitter) shiftImm(op asm.ShiftOp, o *op, w64 bool) {
	mask := int64(63)
	if !w64 {
		mask = 31
	}
	e.b.MovRM(rA, xr(o.rs1), w64)
	if sh := uint8(o.imm & mask); sh != 0 {
		e.b.ShiftRI(op, rA, sh, w64)
	}
	e.result(w64)
	e.b.MovMR(xr(o.rd), rA, true)
}

// shiftReg shifts by x[rs2]: x86 masks the count to 6 (or 5) bits as
// RISC-V does.
func (e *emitter) shiftReg(op asm.ShiftOp, o *op, w64 bool) {
	e.b.MovRM(rC, xr(o.rs2), true)
	e.b.MovRM(rA, xr(o.rs1), w64)
	e.b.ShiftRCL(op, rA, w64)
	e.result(w64)
	e.b.MovMR(xr(o.rd), rA, true)
}

// setIf sets x[rd] to 1 if x[rs1] cc (x[rs2] or imm), else 0.
func (e *emitter) setIf(cc asm.Cond, o *op, imm bool) {
	e.b.MovRM(rA, xr(o.rs1), true)
	if imm {
		e.b.AluRI(asm.CMP, rA, int32(o.imm), true)
	} else {
		e.b.AluRM(asm.CMP, rA, xr(o.rs2), true)
	}
	e.b.Setcc(cc, rA)
	e.b.Movx(rA, rA, 1, false)
	e.b.MovMR(xr(o.rd), rA, true)
}

// pick sets x[rd] to x[rs2] if x[rs1] cc x[rs2], else x[rs1] (min/max).
func (e *emitter) pick(cc asm.Cond, o *op) {
	e.b.MovRM(rA, xr(o.rs1), true)
	e.b.MovRM(rC, xr(o.rs2), true)
	e.b.AluRR(asm.CMP, rA, rC, true)
	e.b.Cmov(cc, rA, rC, true)
	e.b.MovMR(xr(o.rd), rA, true)
}

// unary applies f to RAX = x[rs1] and stores RAX to x[rd].
func (e *emitter) unary(o *op, w64 bool, f func()) {
	e.b.MovRM(rA, xr(o.rs1), w64)
	f()
	e.b.MovMR(xr(o.rd), rA, true)
}

// shadd sets x[rd] = (x[rs1] or its low word) << sh + x[rs2].
func (e *emitter) shadd(o *op, sh uint8, uw bool) {
	e.b.MovRM(rA, xr(o.rs1), !uw)
	e.b.MovRM(rC, xr(o.rs2), true)
	e.b.Lea(rA, asm.Mem{Base: rC, Index: rA, Scale: 1 << sh}, true)
	e.b.MovMR(xr(o.rd), rA, true)
}

func (e *emitter) load(o *op, size int, signed bool, pc uint64) {
	e.address(o.rs1, o.imm, size, e.j.lay.tlbR, pc)
	e.b.Load(rA, hostMemAt(rA), size, signed)
	e.b.MovMR(xr(o.rd), rA, true)
}

func (e *emitter) store(o *op, size int, pc uint64) {
	e.address(o.rs1, o.imm, size, e.j.lay.tlbW, pc)
	e.b.MovRM(rC, xr(o.rs2), true)
	e.b.Store(hostMemAt(rA), rC, size)
}

// divide sets x[rd] to x[rs1] / x[rs2] (or the remainder), with RISC-V's
// results for a zero divisor and for the most negative value over -1.
// x86 div/idiv fault (#DE) on both, so a zero divisor, and for signed
// division any divisor -1, branch out of line first: x / -1 is -x, which
// wraps to the dividend for the most negative value, and x % -1 is 0.
func (e *emitter) divide(o *op, signed, rem, w64 bool) {
	b := &e.b
	b.MovRM(rA, xr(o.rs1), w64)
	b.MovRM(rC, xr(o.rs2), w64)
	b.TestRR(rC, rC, w64)
	zero := b.Jcc(asm.CondE)
	var minus1 int
	if signed {
		b.AluRI(asm.CMP, rC, -1, w64)
		minus1 = b.Jcc(asm.CondE)
		if w64 {
			b.Cqo()
		} else {
			b.Cdq()
		}
	} else {
		b.AluRR(asm.XOR, rD, rD, false)
	}
	b.Div1(rC, signed, w64)
	if rem {
		b.MovRR(rA, rD, w64)
	}
	done := b.Len()
	e.result(w64)
	b.MovMR(xr(o.rd), rA, true)
	e.coldJump(zero, done, func() {
		// Division by zero: all ones; the remainder is the dividend,
		// already in RAX.
		if !rem {
			b.MovRI(rA, -1)
		}
	})
	if signed {
		e.coldJump(minus1, done, func() {
			if rem {
				b.MovRI(rA, 0)
			} else {
				b.Neg(rA, w64)
			}
		})
	}
}

// fload sets f[rd] to the size-byte value at x[rs1]+imm, NaN-boxing a
// single.
func (e *emitter) fload(o *op, size int, pc uint64) {
	e.address(o.rs1, o.imm, size, e.j.lay.tlbR, pc)
	e.b.Load(rA, hostMemAt(rA), size, false)
	if size == 4 {
		e.b.MovRI(rC, -1<<32)
		e.b.AluRR(asm.OR, rA, rC, true)
	}
	e.b.MovMR(e.fr(o.rd), rA, true)
}

// fstore stores the low size bytes of f[rs2] at x[rs1]+imm.
func (e *emitter) fstore(o *op, size int, pc uint64) {
	e.address(o.rs1, o.imm, size, e.j.lay.tlbW, pc)
	e.b.MovRM(rC, e.fr(o.rs2), true)
	e.b.Store(hostMemAt(rA), rC, size)
}

// amo runs an AMO on x[rs1] with a host atomic and sets x[rd] to the old
// value (sign-extended for a word). A misaligned address exits to the
// interpreter, which raises the misaligned fault; an aligned one cannot
// cross a page. The locked instructions are full barriers, stronger than
// any aq/rl ordering asks for, and atomic against the interpreter's
// sync/atomic operations on the same memory in other threads.
func (e *emitter) amo(o *op, size int, pc uint64) {
	b := &e.b
	w64 := size == 8
	b.MovRM(rA, xr(o.rs1), true)
	b.TestRI(rA, int32(size-1), false)
	e.slowPath(b.Jcc(asm.CondNE), pc)
	e.address(o.rs1, 0, size, e.j.lay.tlbW, pc)
	res := rC
	switch o.kind {
	case kAMOSWAPW, kAMOSWAPD:
		b.MovRM(rC, xr(o.rs2), w64)
		b.Xchg(hostMemAt(rA), rC, w64)
	case kAMOADDW, kAMOADDD:
		b.MovRM(rC, xr(o.rs2), w64)
		b.LockXadd(hostMemAt(rA), rC, w64)
	default:
		// A compare-and-swap loop: RDX = the address, R8 = x[rs2],
		// RAX = the value seen, RCX = the value to put. The min/max
		// kinds put x[rs2] where the value seen is on the wrong side of
		// it (a CMOV on the comparison of the operation's width).
		op, minmax := asm.AND, false
		var take asm.Cond
		switch o.kind {
		case kAMOORW, kAMOORD:
			op = asm.OR
		case kAMOXORW, kAMOXORD:
			op = asm.XOR
		case kAMOMINW, kAMOMIND:
			minmax, take = true, asm.CondG
		case kAMOMAXW, kAMOMAXD:
			minmax, take = true, asm.CondL
		case kAMOMINUW, kAMOMINUD:
			minmax, take = true, asm.CondA
		case kAMOMAXUW, kAMOMAXUD:
			minmax, take = true, asm.CondB
		}
		b.MovRR(rD, rA, true)
		b.MovRM(r8, xr(o.rs2), w64)
		b.Load(rA, hostMemAt(rD), size, false)
		loop := b.Len()
		b.MovRR(rC, rA, w64)
		if minmax {
			b.AluRR(asm.CMP, rC, r8, w64)
			b.Cmov(take, rC, r8, w64)
		} else {
			b.AluRR(op, rC, r8, w64)
		}
		b.LockCmpxchg(hostMemAt(rD), rC, w64)
		b.Patch(b.Jcc(asm.CondNE), loop)
		res = rA
	}
	if !w64 {
		b.Movx(res, res, 4, true)
	}
	b.MovMR(xr(o.rd), res, true)
}

// lr loads the size-byte word at x[rs1] into x[rd] (sign-extended for a
// word) and takes the reservation exactly as the interpreter's amo does:
// c.resAddr = the address, c.resVal = the value loaded (sign-extended),
// c.resValid = true, so that an exit or a context switch after it finds
// the interpreter's state. A plain load is atomic for an aligned word on
// x86; a misaligned address exits to the interpreter, which faults.
func (e *emitter) lr(o *op, size int, pc uint64) {
	b := &e.b
	b.MovRM(rA, xr(o.rs1), true)
	b.TestRI(rA, int32(size-1), false)
	e.slowPath(b.Jcc(asm.CondNE), pc)
	e.address(o.rs1, 0, size, e.j.lay.tlbR, pc)
	b.Load(rC, hostMemAt(rA), size, true)
	b.MovRM(rA, xr(o.rs1), true)
	b.MovMR(e.field(e.j.lay.resAddr), rA, true)
	b.MovMR(e.field(e.j.lay.resVal), rC, true)
	b.MovRI(rA, 1)
	b.Store(e.field(e.j.lay.resValid), rA, 1)
	b.MovMR(xr(o.rd), rC, true)
}

// sc stores x[rs2] at x[rs1] if the reservation is held for that address
// and the word still holds the value LR read (a LOCK CMPXCHG of c.resVal
// to x[rs2]), as the interpreter's amo does; x[rd] = 0 on success, 1 on
// failure, and the reservation is dropped either way. The address is
// translated for writing first, as in the interpreter, so an SC without a
// reservation to an unwritable page still faults (by exiting to it).
func (e *emitter) sc(o *op, size int, pc uint64) {
	b := &e.b
	w64 := size == 8
	b.MovRM(rA, xr(o.rs1), true)
	b.TestRI(rA, int32(size-1), false)
	e.slowPath(b.Jcc(asm.CondNE), pc)
	e.address(o.rs1, 0, size, e.j.lay.tlbW, pc)
	// RDX = the host address, R8 = the result, RAX = the expected
	// value, RCX = the new one.
	b.MovRR(rD, rA, true)
	b.MovRI(r8, 1)
	b.Load(rA, e.field(e.j.lay.resValid), 1, false)
	b.TestRR(rA, rA, false)
	var fail []int
	fail = append(fail, b.Jcc(asm.CondE))
	b.MovRM(rA, xr(o.rs1), true)
	b.AluRM(asm.CMP, rA, e.field(e.j.lay.resAddr), true)
	fail = append(fail, b.Jcc(asm.CondNE))
	b.MovRM(rA, e.field(e.j.lay.resVal), w64)
	b.MovRM(rC, xr(o.rs2), w64)
	b.LockCmpxchg(hostMemAt(rD), rC, w64)
	fail = append(fail, b.Jcc(asm.CondNE))
	b.AluRR(asm.XOR, r8, r8, false)
	for _, j := range fail {
		b.Patch(j, b.Len())
	}
	b.AluRR(asm.XOR, rA, rA, false)
	b.Store(e.field(e.j.lay.resValid), rA, 1)
	b.MovMR(xr(o.rd), r8, true)
}

// fpCSR runs a CSR instruction on fflags, frm or fcsr as the
// interpreter's csr does: x[rd] = the old value; the new one (the source,
// or old with the source's bits set or cleared) is written unless a set or
// clear has rs1 (or the immediate) 0. It reports false, emitting nothing,
// for the other CSRs (the counters read the host clock in Go; an unknown
// CSR is illegal), which stay with the interpreter.
func (e *emitter) fpCSR(o *op) bool {
	num := uint32(o.imm) & 0xfff
	if num != csrFflags && num != csrFrm && num != csrFcsr {
		return false
	}
	b := &e.b
	fcsr := e.field(e.j.lay.fcsr)
	// RCX = the source, RAX = fcsr, RDX = the old value.
	if o.kind >= kCSRRWI {
		b.MovRI(rC, int64(o.rs1))
	} else {
		b.MovRM(rC, xr(o.rs1), true)
	}
	b.MovRM(rA, fcsr, false)
	b.MovRR(rD, rA, false)
	switch num {
	case csrFflags:
		b.AluRI(asm.AND, rD, 0x1f, false)
	case csrFrm:
		b.ShiftRI(asm.SHR, rD, 5, false)
		b.AluRI(asm.AND, rD, 7, false)
	default:
		b.AluRI(asm.AND, rD, 0xff, false)
	}
	write := true
	switch o.kind {
	case kCSRRS, kCSRRSI:
		b.AluRR(asm.OR, rC, rD, true)
		write = o.rs1 != 0
	case kCSRRC, kCSRRCI:
		b.Not(rC, true)
		b.AluRR(asm.AND, rC, rD, true)
		write = o.rs1 != 0
	}
	if write {
		switch num {
		case csrFflags:
			b.AluRI(asm.AND, rC, 0x1f, false)
			b.AluRI(asm.AND, rA, ^0x1f, false)
			b.AluRR(asm.OR, rA, rC, false)
		case csrFrm:
			b.AluRI(asm.AND, rC, 7, false)
			b.ShiftRI(asm.SHL, rC, 5, false)
			b.AluRI(asm.AND, rA, ^0xe0, false)
			b.AluRR(asm.OR, rA, rC, false)
		default:
			b.AluRI(asm.AND, rC, 0xff, false)
			b.MovRR(rA, rC, false)
		}
		b.MovMR(fcsr, rA, false)
	}
	b.MovMR(xr(o.rd), rD, true)
	return true
}

// branchCond is the x86 condition of each branch kind, kBEQ to kBGEU.
var branchCond = [...]asm.Cond{asm.CondE, asm.CondNE, asm.CondL, asm.CondGE, asm.CondB, asm.CondAE}

func (e *emitter) branch(cc asm.Cond, o *op, pc uint64) {
	e.b.MovRM(rA, xr(o.rs1), true)
	e.b.AluRM(asm.CMP, rA, xr(o.rs2), true)
	taken := e.b.Jcc(cc)
	e.chain(pc + uint64(o.len))
	e.b.Patch(taken, e.b.Len())
	e.chain(uint64(o.imm))
}

// insn translates o, decoded at pc.
func (e *emitter) insn(o *op, pc uint64) insnResult {
	b := &e.b
	f := e.j.feat
	switch o.kind {
	case kLUI, kAUIPC:
		e.storeImm(xr(o.rd), uint64(o.imm))
	case kJAL:
		if o.rd != sink {
			e.storeImm(xr(o.rd), pc+uint64(o.len))
		}
		e.chain(uint64(o.imm))
		return insnEnd
	case kJALR:
		b.MovRM(rA, xr(o.rs1), true)
		if o.imm != 0 {
			b.AluRI(asm.ADD, rA, int32(o.imm), true)
		}
		b.AluRI(asm.AND, rA, -2, true)
		if o.rd != sink {
			// After reading rs1, which may be rd; RAX holds the target.
			e.storeImmVia(xr(o.rd), pc+uint64(o.len), rC)
		}
		e.jumpIndirect()
		return insnEnd
	case kBEQ, kBNE, kBLT, kBGE, kBLTU, kBGEU:
		e.branch(branchCond[o.kind-kBEQ], o, pc)
		return insnEnd
	case kLB:
		e.load(o, 1, true, pc)
	case kLH:
		e.load(o, 2, true, pc)
	case kLW:
		e.load(o, 4, true, pc)
	case kLD:
		e.load(o, 8, false, pc)
	case kLBU:
		e.load(o, 1, false, pc)
	case kLHU:
		e.load(o, 2, false, pc)
	case kLWU:
		e.load(o, 4, false, pc)
	case kSB:
		e.store(o, 1, pc)
	case kSH:
		e.store(o, 2, pc)
	case kSW:
		e.store(o, 4, pc)
	case kSD:
		e.store(o, 8, pc)
	case kADDI:
		if o.rs1 == 0 {
			e.storeImm(xr(o.rd), uint64(o.imm))
			break
		}
		e.ri(asm.ADD, o, true)
	case kSLTI:
		e.setIf(asm.CondL, o, true)
	case kSLTIU:
		e.setIf(asm.CondB, o, true)
	case kXORI:
		e.ri(asm.XOR, o, true)
	case kORI:
		e.ri(asm.OR, o, true)
	case kANDI:
		e.ri(asm.AND, o, true)
	case kSLLI:
		e.shiftImm(asm.SHL, o, true)
	case kSRLI:
		e.shiftImm(asm.SHR, o, true)
	case kSRAI:
		e.shiftImm(asm.SAR, o, true)
	case kADD:
		e.rr(asm.ADD, o, true)
	case kSUB:
		e.rr(asm.SUB, o, true)
	case kSLL:
		e.shiftReg(asm.SHL, o, true)
	case kSLT:
		e.setIf(asm.CondL, o, false)
	case kSLTU:
		e.setIf(asm.CondB, o, false)
	case kXOR:
		e.rr(asm.XOR, o, true)
	case kSRL:
		e.shiftReg(asm.SHR, o, true)
	case kSRA:
		e.shiftReg(asm.SAR, o, true)
	case kOR:
		e.rr(asm.OR, o, true)
	case kAND:
		e.rr(asm.AND, o, true)
	case kADDIW:
		e.ri(asm.ADD, o, false)
	case kSLLIW:
		e.shiftImm(asm.SHL, o, false)
	case kSRLIW:
		e.shiftImm(asm.SHR, o, false)
	case kSRAIW:
		e.shiftImm(asm.SAR, o, false)
	case kADDW:
		e.rr(asm.ADD, o, false)
	case kSUBW:
		e.rr(asm.SUB, o, false)
	case kSLLW:
		e.shiftReg(asm.SHL, o, false)
	case kSRLW:
		e.shiftReg(asm.SHR, o, false)
	case kSRAW:
		e.shiftReg(asm.SAR, o, false)
	case kFENCE:
		// x86 keeps every order but a store before a later load: only
		// a fence with W in its predecessors and R in its successors
		// needs an instruction (as qemu's TCG emits for its x86 host).
		if o.imm&0x10 != 0 && o.imm&0x02 != 0 {
			b.Mfence()
		}
	case kMUL, kMULW:
		w64 := o.kind == kMUL
		b.MovRM(rA, xr(o.rs1), w64)
		b.MovRM(rC, xr(o.rs2), w64)
		b.Imul(rA, rC, w64)
		e.result(w64)
		b.MovMR(xr(o.rd), rA, true)
	case kMULH, kMULHU:
		b.MovRM(rA, xr(o.rs1), true)
		b.MovRM(rC, xr(o.rs2), true)
		b.Mul1(rC, o.kind == kMULH)
		b.MovMR(xr(o.rd), rD, true)
	case kDIV, kDIVU, kREM, kREMU, kDIVW, kDIVUW, kREMW, kREMUW:
		signed := o.kind == kDIV || o.kind == kREM || o.kind == kDIVW || o.kind == kREMW
		rem := o.kind == kREM || o.kind == kREMU || o.kind == kREMW || o.kind == kREMUW
		e.divide(o, signed, rem, o.kind <= kREMU)
	case kFLW:
		e.fload(o, 4, pc)
	case kFLD:
		e.fload(o, 8, pc)
	case kFSW:
		e.fstore(o, 4, pc)
	case kFSD:
		e.fstore(o, 8, pc)
	case kCSRRW, kCSRRS, kCSRRC, kCSRRWI, kCSRRSI, kCSRRCI:
		if !e.fpCSR(o) {
			return insnNo
		}
		e.mx = mxUnknown // fflags may be cleared, frm changed
	case kLRW:
		e.lr(o, 4, pc)
	case kLRD:
		e.lr(o, 8, pc)
	case kSCW:
		e.sc(o, 4, pc)
	case kSCD:
		e.sc(o, 8, pc)
	case kAMOSWAPW, kAMOADDW, kAMOANDW, kAMOORW, kAMOXORW, kAMOMINW, kAMOMAXW, kAMOMINUW, kAMOMAXUW:
		e.amo(o, 4, pc)
	case kAMOSWAPD, kAMOADDD, kAMOANDD, kAMOORD, kAMOXORD, kAMOMIND, kAMOMAXD, kAMOMINUD, kAMOMAXUD:
		e.amo(o, 8, pc)
	case kSH1ADD:
		e.shadd(o, 1, false)
	case kSH2ADD:
		e.shadd(o, 2, false)
	case kSH3ADD:
		e.shadd(o, 3, false)
	case kADDUW:
		e.shadd(o, 0, true)
	case kSH1ADDUW:
		e.shadd(o, 1, true)
	case kSH2ADDUW:
		e.shadd(o, 2, true)
	case kSH3ADDUW:
		e.shadd(o, 3, true)
	case kSLLIUW:
		e.unary(o, false, func() {
			if sh := uint8(o.imm & 63); sh != 0 {
				b.ShiftRI(asm.SHL, rA, sh, true)
			}
		})
	case kANDN, kORN:
		b.MovRM(rA, xr(o.rs2), true)
		b.Not(rA, true)
		op := asm.AND
		if o.kind == kORN {
			op = asm.OR
		}
		b.AluRM(op, rA, xr(o.rs1), true)
		b.MovMR(xr(o.rd), rA, true)
	case kXNOR:
		b.MovRM(rA, xr(o.rs1), true)
		b.AluRM(asm.XOR, rA, xr(o.rs2), true)
		b.Not(rA, true)
		b.MovMR(xr(o.rd), rA, true)
	case kCLZ, kCLZW:
		if !f.lzcnt {
			return insnNo
		}
		w64 := o.kind == kCLZ
		e.unary(o, w64, func() { b.Lzcnt(rA, rA, w64) })
	case kCTZ, kCTZW:
		if !f.tzcnt {
			return insnNo
		}
		w64 := o.kind == kCTZ
		e.unary(o, w64, func() { b.Tzcnt(rA, rA, w64) })
	case kCPOP, kCPOPW:
		if !f.popcnt {
			return insnNo
		}
		w64 := o.kind == kCPOP
		e.unary(o, w64, func() { b.Popcnt(rA, rA, w64) })
	case kMAX:
		e.pick(asm.CondL, o)
	case kMAXU:
		e.pick(asm.CondB, o)
	case kMIN:
		e.pick(asm.CondG, o)
	case kMINU:
		e.pick(asm.CondA, o)
	case kSEXTB:
		e.unary(o, true, func() { b.Movx(rA, rA, 1, true) })
	case kSEXTH:
		e.unary(o, true, func() { b.Movx(rA, rA, 2, true) })
	case kZEXTH:
		e.unary(o, true, func() { b.Movx(rA, rA, 2, false) })
	case kROL, kROLW, kROR, kRORW:
		op := asm.ROL
		if o.kind == kROR || o.kind == kRORW {
			op = asm.ROR
		}
		e.shiftReg(op, o, o.kind == kROL || o.kind == kROR)
	case kRORI:
		e.shiftImm(asm.ROR, o, true)
	case kRORIW:
		e.shiftImm(asm.ROR, o, false)
	case kREV8:
		e.unary(o, true, func() { b.Bswap(rA, true) })
	case kORCB:
		// Bit 7 of each byte of h = (x&0x7f..)+0x7f.. | x is set iff
		// the byte is non-zero; h - h>>7 | h spreads it to the byte.
		e.unary(o, true, func() {
			b.MovRI(rC, 0x7f7f7f7f7f7f7f7f)
			b.MovRR(rD, rA, true)
			b.AluRR(asm.AND, rD, rC, true)
			b.AluRR(asm.ADD, rD, rC, true)
			b.AluRR(asm.OR, rD, rA, true)
			b.Not(rC, true)
			b.AluRR(asm.AND, rD, rC, true)
			b.MovRR(rA, rD, true)
			b.ShiftRI(asm.SHR, rA, 7, true)
			b.MovRR(rC, rD, true)
			b.AluRR(asm.SUB, rC, rA, true)
			b.AluRR(asm.OR, rC, rD, true)
			b.MovRR(rA, rC, true)
		})
	default:
		if o.kind > kFPFirstArith {
			return e.fpInsn(o, pc)
		}
		return insnNo
	}
	return insnNext
}
