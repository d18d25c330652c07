package riscv

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

func d(v float64) uint64 { return math.Float64bits(v) }
func s(v float32) uint64 { return boxMask | uint64(math.Float32bits(v)) }

// fop encodes an OP-FP instruction rd=10 (f or x), rs1=1, rs2=2.
func fop(f7, rs2, rm uint32) uint32 { return rtype(f7, rs2, 1, rm, 10, opFP) }

const (
	fNX, fUF, fOF, fDZ, fNV = flagNX, flagUF, flagOF, flagDZ, flagNV
	qnanPayload             = 0x7ff8000000000123
	snan64                  = 0x7ff0000000000001
	snan32                  = boxMask | 0x7f800001
)

// fpRun runs one instruction with f1, f2, f3, x11 and fcsr set and returns
// f10, x10 and fcsr after it; ok is false if it was illegal.
func fpRun(m *machine, insn uint32, f1, f2, f3, x11 uint64, fcsr uint32) (uint64, uint64, uint32, bool) {
	m.t.Helper()
	m.load(insn)
	st := make([]byte, arch.RISCV64FPStateSize)
	binary.LittleEndian.PutUint64(st[8:], f1)
	binary.LittleEndian.PutUint64(st[16:], f2)
	binary.LittleEndian.PutUint64(st[24:], f3)
	binary.LittleEndian.PutUint32(st[256:], fcsr)
	if err := m.ctx.SetFPState(st); err != nil {
		m.t.Fatal(err)
	}
	var r arch.Regs
	r.RISCV64.X[11] = x11
	ev := m.run(&r)
	if ev.Kind == platform.EventSignal && ev.Signo == 4 {
		return 0, 0, 0, false
	}
	if ev.Kind != platform.EventSyscall {
		m.t.Fatalf("stopped with %+v", ev)
	}
	st, _ = m.ctx.FPState()
	return binary.LittleEndian.Uint64(st[80:]), r.RISCV64.X[10], binary.LittleEndian.Uint32(st[256:]), true
}

// TestFloatingPoint runs each case interpreted and (on amd64) translated.
func TestFloatingPoint(t *testing.T) {
	const (
		rne, rtz, rdn, rup, rmm, dyn = 0, 1, 2, 3, 4, 7
		faddD, fsubD, fmulD, fdivD   = 0x01, 0x05, 0x09, 0x0d
		fsqrtD, faddS, fsgnjS        = 0x2d, 0x00, 0x10
		fminD, fcvtWD, fcvtSD        = 0x15, 0x61, 0x20
		fcvtDS, fcvtDL, fcmpD        = 0x21, 0x69, 0x51
		fclassD, fmvXW               = 0x71, 0x70
	)
	tiny := 0x1p-60
	lowA, lowB := 1.5*0x1p-1022, 1+0x1p-52 // variables: computed at run time, not exactly
	one1 := math.Nextafter(1, 2)
	third := 1.0 / 3
	type fpCase struct {
		name        string
		insn        uint32
		f1, f2, f3  uint64
		x11         uint64
		fcsr        uint32
		wantF       *uint64 // f10
		wantX       *uint64 // x10
		wantFlags   uint32
		wantIllegal bool
	}
	u := func(v uint64) *uint64 { return &v }
	tests := []fpCase{
		{name: "add RNE rounds to even", insn: fop(faddD, 2, rne), f1: d(1), f2: d(tiny), wantF: u(d(1)), wantFlags: fNX},
		{name: "add RUP rounds up", insn: fop(faddD, 2, rup), f1: d(1), f2: d(tiny), wantF: u(d(one1)), wantFlags: fNX},
		{name: "add RDN of negative rounds away", insn: fop(faddD, 2, rdn), f1: d(-1), f2: d(-tiny), wantF: u(d(-one1)), wantFlags: fNX},
		{name: "add RTZ", insn: fop(faddD, 2, rtz), f1: d(-1), f2: d(-tiny), wantF: u(d(-1)), wantFlags: fNX},
		{name: "exact add has no flags", insn: fop(faddD, 2, rne), f1: d(1), f2: d(2), wantF: u(d(3))},
		{name: "dynamic rm from frm", insn: fop(faddD, 2, dyn), f1: d(1), f2: d(tiny), fcsr: rup << 5, wantF: u(d(one1)), wantFlags: fNX},
		{name: "x-x is +0 in RNE", insn: fop(fsubD, 2, rne), f1: d(5), f2: d(5), wantF: u(d(0))},
		{name: "x-x is -0 in RDN", insn: fop(fsubD, 2, rdn), f1: d(5), f2: d(5), wantF: u(d(math.Copysign(0, -1)))},
		{name: "div RUP vs RDN", insn: fop(fdivD, 2, rup), f1: d(1), f2: d(3), wantF: u(d(third) + 1), wantFlags: fNX},
		{name: "div RDN", insn: fop(fdivD, 2, rdn), f1: d(1), f2: d(3), wantF: u(d(third)), wantFlags: fNX},
		{name: "div by zero", insn: fop(fdivD, 2, rne), f1: d(-1), f2: d(0), wantF: u(d(math.Inf(-1))), wantFlags: fDZ},
		{name: "0/0 is the canonical NaN", insn: fop(fdivD, 2, rne), f1: d(0), f2: d(0), wantF: u(canonNaN64), wantFlags: fNV},
		{name: "sqrt(-1)", insn: fop(fsqrtD, 0, rne), f1: d(-1), wantF: u(canonNaN64), wantFlags: fNV},
		{name: "sqrt(-0) is -0", insn: fop(fsqrtD, 0, rne), f1: d(math.Copysign(0, -1)), wantF: u(d(math.Copysign(0, -1)))},
		{name: "sqrt(2) RUP", insn: fop(fsqrtD, 0, rup), f1: d(2), wantF: u(d(math.Sqrt(2))), wantFlags: fNX}, // RNE rounded up
		{name: "sqrt(2) RTZ", insn: fop(fsqrtD, 0, rtz), f1: d(2), wantF: u(d(math.Sqrt(2)) - 1), wantFlags: fNX},
		{name: "sqrt(4) exact", insn: fop(fsqrtD, 0, rup), f1: d(4), wantF: u(d(2))},
		{name: "overflow RNE", insn: fop(fmulD, 2, rne), f1: d(math.MaxFloat64), f2: d(2), wantF: u(d(math.Inf(1))), wantFlags: fOF | fNX},
		{name: "overflow RTZ saturates", insn: fop(fmulD, 2, rtz), f1: d(math.MaxFloat64), f2: d(2), wantF: u(d(math.MaxFloat64)), wantFlags: fOF | fNX},
		{name: "overflow RDN of negative", insn: fop(fmulD, 2, rdn), f1: d(math.MaxFloat64), f2: d(-2), wantF: u(d(math.Inf(-1))), wantFlags: fOF | fNX},
		{name: "inexact normal near the bottom", insn: fop(fmulD, 2, rne), f1: d(lowA), f2: d(lowB), wantF: u(d(lowA * lowB)), wantFlags: fNX},
		{name: "tiny inexact", insn: fop(fmulD, 2, rne), f1: d(0x1p-1060), f2: d(1 + 0x1p-30), wantF: u(d(0x1p-1060)), wantFlags: fUF | fNX},
		{name: "exact normal product of a subnormal", insn: fop(fmulD, 2, rne), f1: 0xc1e0000000100000, f2: 0xc0200000, wantF: u(0x80b8040000180400)},
		{name: "underflow rounding up to the smallest normal", insn: fop(fmulD, 2, rne), f1: 0x3fefffffffffffff, f2: 0x0010000000000000, wantF: u(0x0010000000000000), wantFlags: fUF | fNX},
		{name: "single underflow rounding up to the smallest normal", insn: fop(0x08, 2, rne), f1: boxMask | 0x3f7fffff, f2: boxMask | 0x00800000, wantF: u(boxMask | 0x00800000), wantFlags: fUF | fNX},
		{name: "fma underflow after an earlier NX", insn: 3<<27 | 1<<25 | 2<<20 | 1<<15 | 10<<7 | 0x43, f1: 0x7f800001, f2: d(0.5), f3: 1 << 63, fcsr: fNX, wantF: u(0x3fc00000), wantFlags: fUF | fNX},
		{name: "exact subnormal", insn: fop(fmulD, 2, rne), f1: d(0x1p-1022), f2: d(0.5), wantF: u(d(0x1p-1023))},
		{name: "quiet NaN in: canonical out, no flags", insn: fop(faddD, 2, rne), f1: qnanPayload, f2: d(1), wantF: u(canonNaN64)},
		{name: "signaling NaN in: NV", insn: fop(faddD, 2, rne), f1: snan64, f2: d(1), wantF: u(canonNaN64), wantFlags: fNV},
		{name: "inf-inf", insn: fop(fsubD, 2, rne), f1: d(math.Inf(1)), f2: d(math.Inf(1)), wantF: u(canonNaN64), wantFlags: fNV},
		{name: "single result is NaN-boxed", insn: fop(faddS, 2, rne), f1: s(1.5), f2: s(2), wantF: u(s(3.5))},
		{name: "unboxed single reads as NaN", insn: fop(faddS, 2, rne), f1: uint64(math.Float32bits(1)), f2: s(2), wantF: u(boxMask | canonNaN32)},
		{name: "single rounding RUP", insn: fop(faddS, 2, rup), f1: s(1), f2: s(0x1p-30), wantF: u(s(math.Nextafter32(1, 2))), wantFlags: fNX},
		{name: "fsgnj.s of unboxed uses canonical NaN", insn: fop(fsgnjS, 2, 0), f1: 1, f2: s(-1), wantF: u(boxMask | 0xffc00000)},
		{name: "fmin -0,+0", insn: fop(fminD, 2, 0), f1: d(0), f2: d(math.Copysign(0, -1)), wantF: u(d(math.Copysign(0, -1)))},
		{name: "fmax qNaN,1", insn: fop(fminD, 2, 1), f1: qnanPayload, f2: d(1), wantF: u(d(1))},
		{name: "fmin sNaN,1 signals", insn: fop(fminD, 2, 0), f1: snan64, f2: d(1), wantF: u(d(1)), wantFlags: fNV},
		{name: "fmin NaN,NaN is canonical", insn: fop(fminD, 2, 0), f1: qnanPayload, f2: qnanPayload, wantF: u(canonNaN64)},
		{name: "fcvt.w.d saturates high", insn: fop(fcvtWD, 0, rtz), f1: d(3e10), wantX: u(0x7fffffff), wantFlags: fNV},
		{name: "fcvt.w.d saturates low", insn: fop(fcvtWD, 0, rtz), f1: d(-3e10), wantX: u(0xffffffff80000000), wantFlags: fNV},
		{name: "fcvt.w.d NaN is max", insn: fop(fcvtWD, 0, rtz), f1: canonNaN64, wantX: u(0x7fffffff), wantFlags: fNV},
		{name: "fcvt.w.d -inf", insn: fop(fcvtWD, 0, rtz), f1: d(math.Inf(-1)), wantX: u(0xffffffff80000000), wantFlags: fNV},
		{name: "fcvt.w.d 2.5 RNE", insn: fop(fcvtWD, 0, rne), f1: d(2.5), wantX: u(2), wantFlags: fNX},
		{name: "fcvt.w.d -2.5 RMM", insn: fop(fcvtWD, 0, rmm), f1: d(-2.5), wantX: u(^uint64(2)), wantFlags: fNX},
		{name: "fcvt.l.d 0.5 RMM", insn: fop(fcvtWD, 2, rmm), f1: d(0.5), wantX: u(1), wantFlags: fNX},
		{name: "fcvt.l.d below a half RMM", insn: fop(fcvtWD, 2, rmm), f1: d(math.Nextafter(2.5, 0)), wantX: u(2), wantFlags: fNX},
		{name: "fcvt.lu.d -0.5 RMM is invalid", insn: fop(fcvtWD, 3, rmm), f1: d(-0.5), wantX: u(0), wantFlags: fNV},
		{name: "fcvt.wu.s 2.5 RMM", insn: fop(0x60, 1, rmm), f1: s(2.5), wantX: u(3), wantFlags: fNX},
		{name: "fcvt.l.d 2^62 RMM is exact", insn: fop(fcvtWD, 2, rmm), f1: d(0x1p62), wantX: u(1 << 62)},
		{name: "fcvt.w.d 2.5 RUP", insn: fop(fcvtWD, 0, rup), f1: d(2.5), wantX: u(3), wantFlags: fNX},
		{name: "fcvt.wu.d -1 is 0", insn: fop(fcvtWD, 1, rtz), f1: d(-1), wantX: u(0), wantFlags: fNV},
		{name: "fcvt.wu.d -0.5 RTZ is 0, inexact", insn: fop(fcvtWD, 1, rtz), f1: d(-0.5), wantX: u(0), wantFlags: fNX},
		{name: "fcvt.wu.d max is sign-extended", insn: fop(fcvtWD, 1, rtz), f1: d(4294967295), wantX: u(^uint64(0))},
		{name: "fcvt.l.d 2^63 saturates", insn: fop(fcvtWD, 2, rtz), f1: d(0x1p63), wantX: u(1<<63 - 1), wantFlags: fNV},
		{name: "fcvt.l.d -2^63 is exact", insn: fop(fcvtWD, 2, rtz), f1: d(-0x1p63), wantX: u(1 << 63)},
		{name: "fcvt.lu.d 2^64 saturates", insn: fop(fcvtWD, 3, rtz), f1: d(0x1p64), wantX: u(^uint64(0)), wantFlags: fNV},
		{name: "fcvt.s.d RTZ", insn: fop(fcvtSD, 1, rtz), f1: d(1 + 0x1p-30), wantF: u(s(1)), wantFlags: fNX},
		{name: "fcvt.s.d RUP", insn: fop(fcvtSD, 1, rup), f1: d(1 + 0x1p-30), wantF: u(s(math.Nextafter32(1, 2))), wantFlags: fNX},
		{name: "fcvt.s.d overflow", insn: fop(fcvtSD, 1, rne), f1: d(1e300), wantF: u(s(float32(math.Inf(1)))), wantFlags: fOF | fNX},
		{name: "fcvt.s.d NaN", insn: fop(fcvtSD, 1, rne), f1: qnanPayload, wantF: u(boxMask | canonNaN32)},
		{name: "fcvt.d.s sNaN", insn: fop(fcvtDS, 0, rne), f1: snan32, wantF: u(canonNaN64), wantFlags: fNV},
		{name: "fcvt.d.l RNE", insn: fop(fcvtDL, 2, rne)&^(31<<15) | 11<<15, x11: 1<<63 - 1, wantF: u(d(0x1p63)), wantFlags: fNX},
		{name: "fcvt.d.l RDN", insn: fop(fcvtDL, 2, rdn)&^(31<<15) | 11<<15, x11: 1<<63 - 1, wantF: u(d(0x1p63 - 1024)), wantFlags: fNX},
		{name: "feq qNaN is quiet", insn: fop(fcmpD, 2, 2), f1: qnanPayload, f2: d(1), wantX: u(0)},
		{name: "feq sNaN signals", insn: fop(fcmpD, 2, 2), f1: snan64, f2: d(1), wantX: u(0), wantFlags: fNV},
		{name: "flt qNaN signals", insn: fop(fcmpD, 2, 1), f1: qnanPayload, f2: d(1), wantX: u(0), wantFlags: fNV},
		{name: "fle -0,+0", insn: fop(fcmpD, 2, 0), f1: d(math.Copysign(0, -1)), f2: d(0), wantX: u(1)},
		{name: "fclass -inf", insn: fop(fclassD, 0, 1), f1: d(math.Inf(-1)), wantX: u(1)},
		{name: "fclass +subnormal", insn: fop(fclassD, 0, 1), f1: d(0x1p-1030), wantX: u(1 << 5)},
		{name: "fclass -normal", insn: fop(fclassD, 0, 1), f1: d(-1), wantX: u(1 << 1)},
		{name: "fclass sNaN", insn: fop(fclassD, 0, 1), f1: snan64, wantX: u(1 << 8)},
		{name: "fclass qNaN", insn: fop(fclassD, 0, 1), f1: canonNaN64, wantX: u(1 << 9)},
		{name: "fmv.x.w sign-extends", insn: fop(fmvXW, 0, 0), f1: boxMask | 0x80000000, wantX: u(0xffffffff80000000)},
		{name: "fmadd.d is fused", insn: r4type(3, 1, 2, 1, rne, 10, 0x43), f1: d(1 + 0x1p-52), f2: d(1 - 0x1p-52), f3: d(-1), wantF: u(d(-0x1p-104))},
		{name: "fnmadd.d", insn: r4type(3, 1, 2, 1, rne, 10, 0x4f), f1: d(2), f2: d(3), f3: d(1), wantF: u(d(-7))},
		{name: "fmsub.d", insn: r4type(3, 1, 2, 1, rne, 10, 0x47), f1: d(2), f2: d(3), f3: d(1), wantF: u(d(5))},
		{name: "fnmsub.d", insn: r4type(3, 1, 2, 1, rne, 10, 0x4b), f1: d(2), f2: d(3), f3: d(1), wantF: u(d(-5))},
		{name: "fma inf*0+qNaN is invalid", insn: r4type(3, 1, 2, 1, rne, 10, 0x43), f1: d(math.Inf(1)), f2: d(0), f3: qnanPayload, wantF: u(canonNaN64), wantFlags: fNV},
		{name: "fmadd.s RTZ", insn: r4type(3, 0, 2, 1, rtz, 10, 0x43), f1: s(1), f2: s(1), f3: s(-0x1p-30), wantF: u(s(math.Nextafter32(1, 0))), wantFlags: fNX},
		{name: "reserved static rm", insn: fop(faddD, 2, 5), f1: d(1), f2: d(1), wantIllegal: true},
		{name: "reserved dynamic frm", insn: fop(faddD, 2, dyn), f1: d(1), f2: d(1), fcsr: 5 << 5, wantIllegal: true},
	}
	for _, jit := range []bool{false, true} {
		m := newBareMachine(t, jit)
		if err := m.as.MapFile(dataBase, 0x10000, dataOff, platform.Perms{Read: true, Write: true}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range tests {
			t.Run(fmt.Sprintf("jit=%v/%s", jit, tc.name), func(t *testing.T) {
				f, x, fcsr, ok := fpRun(m, tc.insn, tc.f1, tc.f2, tc.f3, tc.x11, tc.fcsr)
				if !ok {
					if !tc.wantIllegal {
						t.Fatalf("illegal instruction")
					}
					return
				}
				if tc.wantIllegal {
					t.Fatalf("ran; want illegal")
				}
				if tc.wantF != nil && f != *tc.wantF {
					t.Errorf("f10 = %#x (%g), want %#x (%g)", f, math.Float64frombits(f), *tc.wantF, math.Float64frombits(*tc.wantF))
				}
				if tc.wantX != nil && x != *tc.wantX {
					t.Errorf("x10 = %#x, want %#x", x, *tc.wantX)
				}
				if got := fcsr & 0x1f; got != tc.wantFlags {
					t.Errorf("fflags = %05b, want %05b", got, tc.wantFlags)
				}
			})
		}
	}
}

func TestFCSRAccess(t *testing.T) {
	m := newMachine(t)
	// csrrw a0, fcsr, a1 ; csrrs a2, frm, x0 ; csrrs a3, fflags, x0
	m.load(csrrw(10, csrFcsr, 11), csrrs(12, csrFrm, 0), csrrs(13, csrFflags, 0))
	var r arch.Regs
	r.RISCV64.X[11] = 0x1ff // bits above 7 are dropped
	m.run(&r)
	if x := r.RISCV64.X; x[12] != 7 || x[13] != 0x1f {
		t.Errorf("frm %d fflags %#x", x[12], x[13])
	}
	m.load(csrrw(0, csrCycle, 11)) // counters are read-only
	r = arch.Regs{}
	if ev := m.run(&r); ev.Signo != 4 {
		t.Errorf("write to cycle: %+v", ev)
	}
}
