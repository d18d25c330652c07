//go:build amd64

package riscv

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

// FP operands and instructions for the differential test
// (jit_diff_test.go): every translated F and D kind, and the ones left to
// the interpreter, on operands that reach every special case.

// fpDoubles are double bit patterns where FP instructions have edges:
// zeros, infinities, quiet and signalling NaNs of both signs, the
// smallest and largest subnormals and normals, the largest finite value,
// values next to 1, halves (ties), the integer ranges' bounds.
var fpDoubles = []uint64{
	0, 1 << 63, 0x3ff0000000000000, 0xbff0000000000000, 0x7ff0000000000000, 0xfff0000000000000,
	0x7ff8000000000000, 0xfff8000000000001, 0x7ff0000000000001, 0xfff4000000000000,
	1, 0x000fffffffffffff, 0x0010000000000000, 0x001fffffffffffff, 0x8010000000000000, 0x800fffffffffffff,
	0x7fefffffffffffff, 0xffefffffffffffff, 0x3fefffffffffffff, 0x3ff0000000000001,
	0x3fe0000000000000, 0xbfe0000000000000, 0x4004000000000000, 0xc004000000000000, 0x400c000000000000,
	0x43e0000000000000, 0xc3e0000000000000, 0x43f0000000000000, 0x43dfffffffffffff, 0x43efffffffffffff,
	0x41e0000000000000, 0xc1e0000000000000, 0x41efffffffe00000, 0x41f0000000000000, 0x41dfffffffc00000,
	0xc1e0000000100000, 0x3fb999999999999a, 0x4008000000000000, 0x3810000000000000, 0x47efffffe0000000,
	0x36a0000000000000, 0x380fffffffffffff,
}

// fpSingles are the same edges for singles.
var fpSingles = []uint32{
	0, 1 << 31, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000,
	0x7fc00000, 0xffc00001, 0x7f800001, 0xffa00000,
	1, 0x007fffff, 0x00800000, 0x00ffffff, 0x80800000, 0x807fffff,
	0x7f7fffff, 0xff7fffff, 0x3f7fffff, 0x3f800001,
	0x3f000000, 0xbf000000, 0x40200000, 0xc0200000, 0x40600000,
	0x5f000000, 0xdf000000, 0x5f800000, 0x5effffff, 0x5f7fffff,
	0x4f000000, 0xcf000000, 0x4f7fffff, 0x4f800000, 0x4effffff,
	0xcf000001, 0x3dcccccd, 0x40400000, 0x1f800000, 0x20000000,
}

// fpValue is an FP register value: an edge, a NaN-boxed single edge, a
// single not NaN-boxed (which reads as the canonical NaN), or a random
// value, often one whose products and quotients are subnormal or
// overflow.
func (g *gen) fpValue() uint64 {
	r := g.r
	switch r.IntN(10) {
	case 0, 1, 2:
		return fpDoubles[r.IntN(len(fpDoubles))]
	case 3, 4, 5:
		return 0xffffffff00000000 | uint64(fpSingles[r.IntN(len(fpSingles))])
	case 6:
		hi := []uint64{0, 0xfffffffe00000000, 0x7fffffff00000000, r.Uint64() &^ 0xffffffff}[r.IntN(4)]
		return hi | uint64(fpSingles[r.IntN(len(fpSingles))])
	case 7:
		// A double with an exponent near an edge.
		exp := []uint64{0, 1, 2, 0x1fe, 0x1ff, 0x200, 0x201, 0x3fe, 0x3ff, 0x400, 0x5fe, 0x5ff, 0x600, 0x7fd, 0x7fe, 0x7ff,
			0x3c9, 0x3ca, 0x433, 0x434, 0x41d, 0x41e, 0x43d, 0x43e}[r.IntN(24)]
		return uint64(r.IntN(2))<<63 | exp<<52 | r.Uint64()&(1<<52-1)>>uint(r.IntN(53))
	case 8:
		exp := []uint32{0, 1, 2, 0x3e, 0x3f, 0x40, 0x41, 0x7e, 0x7f, 0x80, 0xbe, 0xbf, 0xc0, 0xfd, 0xfe, 0xff,
			0x96, 0x97, 0x9d, 0x9e, 0xbd}[r.IntN(21)]
		return 0xffffffff00000000 | uint64(uint32(r.IntN(2))<<31|exp<<23|r.Uint32()&(1<<23-1)>>uint(r.IntN(24)))
	}
	if r.IntN(2) == 0 {
		return 0xffffffff00000000 | uint64(r.Uint32())
	}
	return r.Uint64()
}

// fpReg is an FP register: mostly f0..f7, so values flow between
// instructions.
func (g *gen) fpReg() uint32 {
	if g.r.IntN(8) == 0 {
		return uint32(g.r.IntN(32))
	}
	return uint32(g.r.IntN(8))
}

// fpRM is a rounding-mode field: a static mode (RMM included), the
// dynamic one, and in fault-hunting programs a reserved one (SIGILL).
func (g *gen) fpRM() uint32 {
	if g.faults && g.r.IntN(30) == 0 {
		return 5 + uint32(g.r.IntN(2))
	}
	return []uint32{0, 1, 2, 3, 4, 7, 7, 7}[g.r.IntN(8)]
}

var rmName = [8]string{"rne", "rtz", "rdn", "rup", "rmm", "rm5", "rm6", "dyn"}

// fpOpDesc is an OP-FP instruction of the test: funct7 (single; the
// double is f7|1), a fixed rs2 (or -1: an FP source), a fixed funct3 (or
// -1: the rounding mode), and whether its source and destination are
// integer registers.
type fpOpDesc struct {
	name       string
	f7         uint32
	rs2        int
	f3         int
	xIn, xOut  bool
	noDouble   bool
	doubleOnly bool
}

var fpOps = []fpOpDesc{
	{name: "fadd", f7: 0x00, rs2: -1, f3: -1},
	{name: "fsub", f7: 0x04, rs2: -1, f3: -1},
	{name: "fmul", f7: 0x08, rs2: -1, f3: -1},
	{name: "fdiv", f7: 0x0c, rs2: -1, f3: -1},
	{name: "fsqrt", f7: 0x2c, rs2: 0, f3: -1},
	{name: "fsgnj", f7: 0x10, rs2: -1, f3: 0},
	{name: "fsgnjn", f7: 0x10, rs2: -1, f3: 1},
	{name: "fsgnjx", f7: 0x10, rs2: -1, f3: 2},
	{name: "fmin", f7: 0x14, rs2: -1, f3: 0},
	{name: "fmax", f7: 0x14, rs2: -1, f3: 1},
	{name: "fcvt.s.d", f7: 0x20, rs2: 1, f3: -1, noDouble: true},
	{name: "fcvt.d.s", f7: 0x21, rs2: 0, f3: -1, doubleOnly: true},
	{name: "feq", f7: 0x50, rs2: -1, f3: 2, xOut: true},
	{name: "flt", f7: 0x50, rs2: -1, f3: 1, xOut: true},
	{name: "fle", f7: 0x50, rs2: -1, f3: 0, xOut: true},
	{name: "fcvt.w", f7: 0x60, rs2: 0, f3: -1, xOut: true},
	{name: "fcvt.wu", f7: 0x60, rs2: 1, f3: -1, xOut: true},
	{name: "fcvt.l", f7: 0x60, rs2: 2, f3: -1, xOut: true},
	{name: "fcvt.lu", f7: 0x60, rs2: 3, f3: -1, xOut: true},
	{name: "fcvt.from.w", f7: 0x68, rs2: 0, f3: -1, xIn: true},
	{name: "fcvt.from.wu", f7: 0x68, rs2: 1, f3: -1, xIn: true},
	{name: "fcvt.from.l", f7: 0x68, rs2: 2, f3: -1, xIn: true},
	{name: "fcvt.from.lu", f7: 0x68, rs2: 3, f3: -1, xIn: true},
	{name: "fmv.x", f7: 0x70, rs2: 0, f3: 0, xOut: true},
	{name: "fclass", f7: 0x70, rs2: 0, f3: 1, xOut: true},
	{name: "fmv.from.x", f7: 0x78, rs2: 0, f3: 0, xIn: true},
}

// fpOp emits one F or D instruction on random registers, or a value for
// an FP register from an integer one, or a write of frm (so the dynamic
// mode changes within a program), or an FMA (left to the interpreter), or
// FMIN/FMAX of a value and its negation.
func (g *gen) fpOp() {
	r := g.r
	switch r.IntN(20) {
	case 3:
		// x and -x (±0 when x is a zero) into FMIN or FMAX, whose
		// result for equal operands depends on their signs.
		a, t := g.fpReg(), g.fpReg()
		f7 := uint32(0x10 | r.IntN(2))
		g.fixed32(fmt.Sprintf("fsgnjn(%#x) f%d, f%d, f%d", f7, t, a, a), rtype(f7, a, a, 1, t, opFP))
		f7 = 0x14 | f7&1
		rd, f3 := g.fpReg(), uint32(r.IntN(2))
		g.fixed32(fmt.Sprintf("fmin/max(%#x, %d) f%d, f%d, f%d", f7, f3, rd, t, a), rtype(f7, a, t, f3, rd, opFP))
		return
	case 0:
		rm := uint32(r.IntN(5))
		if g.faults && r.IntN(4) == 0 {
			rm = 5 + uint32(r.IntN(3))
		}
		g.fixed32(fmt.Sprintf("csrwi frm, %d", rm), itype(csrFrm, rm, 5, 0, 0x73))
		return
	case 1:
		// A new FP value through an integer register.
		t := g.rd()
		for t == 0 {
			t = g.rd()
		}
		v := g.fpValue()
		g.fixed32(fmt.Sprintf("lui x%d, %#x", t, v>>44), lui(t, int32(v>>44)))
		g.fixed32(fmt.Sprintf("slli x%d, x%d, 32", t, t), itype(32, t, 1, t, opOpImm))
		g.fixed32(fmt.Sprintf("addi x%d, x%d, %d", t, t, int32(v<<20)>>20), addi(t, t, int32(v<<20)>>20))
		f := g.fpReg()
		g.fixed32(fmt.Sprintf("fmv.d.x f%d, x%d", f, t), rtype(0x79, 0, t, 0, f, opFP))
		return
	case 2:
		opc := []uint32{0x43, 0x47, 0x4b, 0x4f}[r.IntN(4)]
		fmtBit := uint32(r.IntN(2))
		rd, a, b, c, rm := g.fpReg(), g.fpReg(), g.fpReg(), g.fpReg(), g.fpRM()
		g.fixed32(fmt.Sprintf("fma(%#x).%d f%d, f%d, f%d, f%d, %s", opc, fmtBit, rd, a, b, c, rmName[rm]),
			c<<27|fmtBit<<25|b<<20|a<<15|rm<<12|rd<<7|opc)
		return
	}
	o := fpOps[r.IntN(len(fpOps))]
	double := r.IntN(2) == 0
	if o.noDouble {
		double = false
	}
	if o.doubleOnly {
		double = true
	}
	f7 := o.f7
	sfx := ".s"
	if double {
		f7 |= 1
		sfx = ".d"
	}
	if o.noDouble || o.doubleOnly {
		sfx = ""
	}
	var rd, rs1, rs2 uint32
	if o.xOut {
		rd = g.rd()
	} else {
		rd = g.fpReg()
	}
	if o.xIn {
		rs1 = g.rs()
	} else {
		rs1 = g.fpReg()
	}
	if o.rs2 >= 0 {
		rs2 = uint32(o.rs2)
	} else {
		rs2 = g.fpReg()
	}
	f3, rmText := uint32(o.f3), ""
	if o.f3 < 0 {
		f3 = g.fpRM()
		rmText = ", " + rmName[f3]
	}
	g.fixed32(fmt.Sprintf("%s%s rd=%d, rs1=%d, rs2=%d%s", o.name, sfx, rd, rs1, rs2, rmText), rtype(f7, rs2, rs1, f3, rd, opFP))
}

// TestJITRunsFPLoopInTranslatedCode runs a loop of F and D arithmetic,
// conversions, compares, sign injection and min with the dynamic rounding
// mode set to RUP, FCLASS and an FMA: translated, it must not leave for the interpreter, and
// it must leave the registers and fcsr the interpreter leaves.
func TestJITRunsFPLoopInTranslatedCode(t *testing.T) {
	const t0, t1, t2, a3 = 5, 6, 7, 13
	const iters = 20000
	fp := func(f7, rs2, rs1, rm, rd uint32) uint32 { return rtype(f7, rs2, rs1, rm, rd, opFP) }
	code := []uint32{
		fp(0x69, 0, a3, 7, 2),                                // 0x00 fcvt.d.w f2, a3
		fp(0x0d, 2, 1, 7, 3),                                 // 0x04 fdiv.d f3, f1, f2
		fp(0x01, 3, 4, 7, 4),                                 // 0x08 fadd.d f4, f4, f3
		fp(0x09, 3, 3, 7, 5),                                 // 0x0c fmul.d f5, f3, f3
		fp(0x2d, 0, 5, 7, 6),                                 // 0x10 fsqrt.d f6, f5
		fp(0x11, 6, 6, 1, 7),                                 // 0x14 fneg.d f7, f6
		fp(0x15, 4, 7, 0, 8),                                 // 0x18 fmin.d f8, f7, f4
		fp(0x20, 1, 4, 7, 9),                                 // 0x1c fcvt.s.d f9, f4
		fp(0x00, 9, 10, 7, 10),                               // 0x20 fadd.s f10, f10, f9
		fp(0x51, 4, 3, 1, t0),                                // 0x24 flt.d t0, f3, f4
		rtype(0, t0, t1, 0, t1, opOp),                        // 0x28 add t1, t1, t0
		fp(0x61, 2, 4, 1, t2),                                // 0x2c fcvt.l.d t2, f4, rtz
		fp(0x71, 0, 8, 1, t0),                                // 0x30 fclass.d t0, f8
		rtype(0, t0, t1, 0, t1, opOp),                        // 0x34 add t1, t1, t0
		4<<27 | 1<<25 | 2<<20 | 3<<15 | 7<<12 | 11<<7 | 0x43, // 0x38 fmadd.d f11, f3, f2, f4
		addi(a3, a3, -1),                                     // 0x3c
		btype(-0x40, 0, a3, 1),                               // 0x40 bnez a3, 0x00
	}
	var want outcome
	for _, jit := range []bool{false, true} {
		m := newMachineJIT(t, jit)
		m.load(code...)
		st := make([]byte, arch.RISCV64FPStateSize)
		binary.LittleEndian.PutUint64(st[8:], math.Float64bits(1))
		binary.LittleEndian.PutUint32(st[256:], rmRUP<<5)
		if err := m.ctx.SetFPState(st); err != nil {
			t.Fatal(err)
		}
		var got outcome
		got.regs.RISCV64.X[a3] = iters
		if ev := m.run(&got.regs); ev.Kind != platform.EventSyscall {
			t.Fatalf("jit=%v: stopped with %+v at pc %#x", jit, ev, got.regs.RISCV64.PC)
		}
		got.fp, _ = m.ctx.FPState()
		if !jit {
			want = got
			if x := got.regs.RISCV64.X; x[t1] == 0 || x[t2] != 10 { // H(20000) = 10.48
				t.Fatalf("interpreter: t1 %d, t2 %d: the loop did not compute", x[t1], x[t2])
			}
			continue
		}
		if d := got.diff(&want); d != "" {
			t.Errorf("translated loop differs from the interpreter:\n%s", d)
		}
		if !m.ctx.cpu.jit.feat.fma {
			t.Logf("the host has no FMA3: fmadd.d runs interpreted")
		} else if s := m.ctx.cpu.jit.steps; s > 16 {
			t.Errorf("translated code left for the interpreter %d times in %d iterations", s, iters)
		}
	}
}
