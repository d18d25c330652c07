package riscv

import (
	"math"
)

const (
	canonNaN32 = 0x7fc00000
	canonNaN64 = 0x7ff8000000000000
	boxMask    = 0xffffffff00000000
)

// rmode resolves an instruction's rounding mode; false if it is reserved.
func (c *cpu) rmode(o *op) (uint8, bool) {
	rm := o.rm
	if rm == rmDyn {
		rm = uint8(c.fcsr>>5) & 7
	}
	return rm, rm <= rmRMM
}

func (c *cpu) setFlags(f uint32) { c.fcsr |= f & 0x1f }

// s returns single register r unboxed: a value not NaN-boxed reads as the
// canonical NaN.
func (c *cpu) s(r uint8) uint32 {
	v := c.f[r]
	if v&boxMask != boxMask {
		return canonNaN32
	}
	return uint32(v)
}

func (c *cpu) setS(r uint8, v uint32) { c.f[r] = boxMask | uint64(v) }

// sD/setD move double bits.
func (c *cpu) setD(r uint8, v uint64) { c.f[r] = v }

func isSNaN32(v uint32) bool { return v&0x7f800000 == 0x7f800000 && v&0x7fffff != 0 && v&0x400000 == 0 }
func isSNaN64(v uint64) bool {
	return v&0x7ff0000000000000 == 0x7ff0000000000000 && v&0xfffffffffffff != 0 && v&(1<<51) == 0
}

// operand is one input of an arithmetic op as a float64 and whether it
// was a signaling NaN (checked on the raw bits: converting a single to a
// double quiets it).
func (c *cpu) operand(r uint8, single bool) (float64, bool) {
	if single {
		v := c.s(r)
		return float64(math.Float32frombits(v)), isSNaN32(v)
	}
	v := c.f[r]
	return math.Float64frombits(v), isSNaN64(v)
}

// writeResult stores v (a value of the format) in rd, canonicalising NaNs.
func (c *cpu) writeResult(rd uint8, v float64, single bool) {
	if single {
		if v != v {
			c.setS(rd, canonNaN32)
			return
		}
		c.setS(rd, math.Float32bits(float32(v)))
		return
	}
	if v != v {
		c.setD(rd, canonNaN64)
		return
	}
	c.setD(rd, math.Float64bits(v))
}

// arith runs add, sub, mul, div, sqrt or fma (kind a*) in one format.
func (c *cpu) arith(o *op, kind int, single bool) bool {
	rm, ok := c.rmode(o)
	if !ok {
		return false
	}
	a, sa := c.operand(o.rs1, single)
	b, sb := 0.0, false
	cc, sc := 0.0, false
	if kind != aSqrt {
		b, sb = c.operand(o.rs2, single)
	}
	if kind == aFMA {
		cc, sc = c.operand(o.rs3, single)
	}
	if sa || sb || sc {
		c.setFlags(flagNV)
	}
	f := fmtD
	if single {
		f = fmtS
	}
	// NaNs in, NaN out.
	if a != a || b != b || cc != cc {
		// fma(inf, 0, qNaN) is still invalid.
		if kind == aFMA && ((math.IsInf(a, 0) && b == 0) || (a == 0 && math.IsInf(b, 0))) {
			c.setFlags(flagNV)
		}
		c.writeResult(o.rd, math.NaN(), single)
		return true
	}
	// Invalid operations and infinities.
	switch kind {
	case aAdd, aSub:
		bb := b
		if kind == aSub {
			bb = -b
		}
		if math.IsInf(a, 0) && math.IsInf(bb, 0) && math.Signbit(a) != math.Signbit(bb) {
			c.setFlags(flagNV)
			c.writeResult(o.rd, math.NaN(), single)
			return true
		}
		if math.IsInf(a, 0) || math.IsInf(bb, 0) {
			c.writeResult(o.rd, a+bb, single)
			return true
		}
	case aMul, aFMA:
		if (math.IsInf(a, 0) && b == 0) || (a == 0 && math.IsInf(b, 0)) {
			c.setFlags(flagNV)
			c.writeResult(o.rd, math.NaN(), single)
			return true
		}
		if math.IsInf(a, 0) || math.IsInf(b, 0) {
			p := a * b
			if kind == aMul {
				c.writeResult(o.rd, p, single)
				return true
			}
			if math.IsInf(cc, 0) && math.Signbit(cc) != math.Signbit(p) {
				c.setFlags(flagNV)
				c.writeResult(o.rd, math.NaN(), single)
				return true
			}
			c.writeResult(o.rd, p, single)
			return true
		}
		if kind == aFMA && math.IsInf(cc, 0) {
			c.writeResult(o.rd, cc, single)
			return true
		}
	case aDiv:
		switch {
		case (a == 0 && b == 0) || (math.IsInf(a, 0) && math.IsInf(b, 0)):
			c.setFlags(flagNV)
			c.writeResult(o.rd, math.NaN(), single)
			return true
		case math.IsInf(a, 0) || b == 0:
			if b == 0 && !math.IsInf(a, 0) {
				c.setFlags(flagDZ)
			}
			c.writeResult(o.rd, a/b, single)
			return true
		case math.IsInf(b, 0):
			c.writeResult(o.rd, a/b, single)
			return true
		}
	case aSqrt:
		switch {
		case a < 0:
			c.setFlags(flagNV)
			c.writeResult(o.rd, math.NaN(), single)
			return true
		case math.IsInf(a, 0) || a == 0:
			c.writeResult(o.rd, a, single)
			return true
		}
	}
	// Finite operands. The native path gives the value for RNE; its
	// exactness and tininess are only worked out while NX is still clear
	// (flags are sticky, so once NX is set nothing more can be learnt).
	if rm == rmRNE && kind != aFMA {
		r, exact, known := nativeRNE(kind, a, b)
		if !known {
			// Exactness is not decidable natively: the exact path.
			r, fl := bigArith(kind, a, b, cc, f, rm)
			c.setFlags(fl)
			c.writeResult(o.rd, r, single)
			return true
		}
		if single {
			r32 := float64(float32(r))
			exact = exact && r32 == r
			r = r32
		}
		if math.IsInf(r, 0) {
			c.setFlags(flagOF | flagNX)
			c.writeResult(o.rd, r, single)
			return true
		}
		tinyBound := 0x1p-1022
		if single {
			tinyBound = 0x1p-126
		}
		if math.Abs(r) > tinyBound || exact {
			// A normal result, or an exact tiny one (no flags). The
			// smallest normal itself may come from a value that is
			// tiny after rounding (underflow): the exact path decides.
			if !exact {
				c.setFlags(flagNX)
			}
			c.writeResult(o.rd, r, single)
			return true
		}
	}
	r, fl := bigArith(kind, a, b, cc, f, rm)
	c.setFlags(fl)
	c.writeResult(o.rd, r, single)
	return true
}

// fmaSafe bounds the magnitudes where an FMA residual (the exact error of
// a product) is itself representable: below it, the slow path decides.
const fmaSafe = 0x1p-900

// nativeRNE computes a finite op in float64 and whether it was exact;
// known is false when that cannot be decided natively (an FMA residual
// near the subnormal range may itself be inexact), and the caller takes
// the exact path.
func nativeRNE(kind int, a, b float64) (r float64, exact, known bool) {
	switch kind {
	case aAdd, aSub:
		if kind == aSub {
			b = -b
		}
		s := a + b
		if math.IsInf(s, 0) {
			return s, false, true
		}
		// TwoSum: the rounding error of s.
		bv := s - a
		av := s - bv
		err := (a - av) + (b - bv)
		return s, err == 0, true
	case aMul:
		p := a * b
		if math.IsInf(p, 0) || p == 0 {
			return p, p == 0 && (a == 0 || b == 0), true
		}
		if math.Abs(p) < fmaSafe {
			return p, false, false
		}
		return p, math.FMA(a, b, -p) == 0, true
	case aDiv:
		q := a / b
		if math.IsInf(q, 0) || q == 0 {
			return q, q == 0 && a == 0, true
		}
		if math.Abs(q) < fmaSafe || math.Abs(a) < fmaSafe {
			return q, false, false
		}
		return q, math.FMA(q, b, -a) == 0, true
	case aSqrt:
		r := math.Sqrt(a)
		if a < fmaSafe {
			return r, false, false
		}
		return r, math.FMA(r, r, -a) == 0, true
	}
	return 0, false, false
}

// fpInstr executes the F and D instructions that are not arithmetic
// fast paths of the main loop. False means illegal (or a fault when
// c.faultCode was set).
func (c *cpu) fpInstr(o *op) bool {
	c.faultCode = 0
	switch o.kind {
	case kFLW:
		v, ok := c.load(c.x[o.rs1]+uint64(o.imm), 4)
		if !ok {
			return false
		}
		c.setS(o.rd, uint32(v))
	case kFLD:
		v, ok := c.load(c.x[o.rs1]+uint64(o.imm), 8)
		if !ok {
			return false
		}
		c.f[o.rd] = v
	case kFSW:
		return c.store(c.x[o.rs1]+uint64(o.imm), 4, c.f[o.rs2])
	case kFSD:
		return c.store(c.x[o.rs1]+uint64(o.imm), 8, c.f[o.rs2])
	case kFADDS:
		return c.arith(o, aAdd, true)
	case kFSUBS:
		return c.arith(o, aSub, true)
	case kFMULS:
		return c.arith(o, aMul, true)
	case kFDIVS:
		return c.arith(o, aDiv, true)
	case kFSQRTS:
		return c.arith(o, aSqrt, true)
	case kFADDD:
		return c.arith(o, aAdd, false)
	case kFSUBD:
		return c.arith(o, aSub, false)
	case kFMULD:
		return c.arith(o, aMul, false)
	case kFDIVD:
		return c.arith(o, aDiv, false)
	case kFSQRTD:
		return c.arith(o, aSqrt, false)
	case kFMADDS, kFMSUBS, kFNMSUBS, kFNMADDS, kFMADDD, kFMSUBD, kFNMSUBD, kFNMADDD:
		return c.fma(o)
	case kFSGNJS, kFSGNJNS, kFSGNJXS:
		a, b := c.s(o.rs1), c.s(o.rs2)
		var sign uint32
		switch o.kind {
		case kFSGNJS:
			sign = b & (1 << 31)
		case kFSGNJNS:
			sign = ^b & (1 << 31)
		default:
			sign = (a ^ b) & (1 << 31)
		}
		c.setS(o.rd, a&^(1<<31)|sign)
	case kFSGNJD, kFSGNJND, kFSGNJXD:
		a, b := c.f[o.rs1], c.f[o.rs2]
		var sign uint64
		switch o.kind {
		case kFSGNJD:
			sign = b & (1 << 63)
		case kFSGNJND:
			sign = ^b & (1 << 63)
		default:
			sign = (a ^ b) & (1 << 63)
		}
		c.f[o.rd] = a&^(1<<63) | sign
	case kFMINS, kFMAXS, kFMIND, kFMAXD:
		c.minmax(o)
	case kFCVTWS, kFCVTWUS, kFCVTLS, kFCVTLUS, kFCVTWD, kFCVTWUD, kFCVTLD, kFCVTLUD:
		return c.fcvtToInt(o)
	case kFCVTSW, kFCVTSWU, kFCVTSL, kFCVTSLU, kFCVTDW, kFCVTDWU, kFCVTDL, kFCVTDLU:
		return c.fcvtFromInt(o)
	case kFCVTSD:
		rm, ok := c.rmode(o)
		if !ok {
			return false
		}
		v := c.f[o.rs1]
		d := math.Float64frombits(v)
		switch {
		case d != d:
			if isSNaN64(v) {
				c.setFlags(flagNV)
			}
			c.setS(o.rd, canonNaN32)
		case math.IsInf(d, 0) || d == 0:
			c.setS(o.rd, math.Float32bits(float32(d)))
		default:
			r, fl := roundFmt(exact(d), fmtS, rm)
			c.setFlags(fl)
			c.setS(o.rd, math.Float32bits(float32(r)))
		}
	case kFCVTDS:
		if _, ok := c.rmode(o); !ok {
			return false
		}
		v := c.s(o.rs1)
		if isSNaN32(v) {
			c.setFlags(flagNV)
		}
		c.writeResult(o.rd, float64(math.Float32frombits(v)), false)
	case kFMVXW:
		c.x[o.rd] = sx32(c.f[o.rs1])
	case kFMVXD:
		c.x[o.rd] = c.f[o.rs1]
	case kFMVWX:
		c.setS(o.rd, uint32(c.x[o.rs1]))
	case kFMVDX:
		c.f[o.rd] = c.x[o.rs1]
	case kFEQS, kFLTS, kFLES, kFEQD, kFLTD, kFLED:
		c.compare(o)
	case kFCLASSS:
		c.x[o.rd] = fclass(float64(math.Float32frombits(c.s(o.rs1))), isSNaN32(c.s(o.rs1)), 0x1p-126)
	case kFCLASSD:
		c.x[o.rd] = fclass(math.Float64frombits(c.f[o.rs1]), isSNaN64(c.f[o.rs1]), 0x1p-1022)
	default:
		return false
	}
	return true
}

func (c *cpu) fma(o *op) bool {
	single := o.kind <= kFNMADDS
	base := kFMADDS
	if !single {
		base = kFMADDD
	}
	v := o.kind - base // 0 fmadd, 1 fmsub, 2 fnmsub, 3 fnmadd
	// Negations flip signs of the NaN-free inputs; apply them to the raw
	// operand registers through a copy of the op reading negated values.
	rm, ok := c.rmode(o)
	if !ok {
		return false
	}
	a, sa := c.operand(o.rs1, single)
	b, sb := c.operand(o.rs2, single)
	cc, sc := c.operand(o.rs3, single)
	if v == 2 || v == 3 {
		a = -a
	}
	if v == 1 || v == 3 {
		cc = -cc
	}
	if sa || sb || sc {
		c.setFlags(flagNV)
	}
	if a != a || b != b || cc != cc {
		if (math.IsInf(a, 0) && b == 0) || (a == 0 && math.IsInf(b, 0)) {
			c.setFlags(flagNV)
		}
		c.writeResult(o.rd, math.NaN(), single)
		return true
	}
	if (math.IsInf(a, 0) && b == 0) || (a == 0 && math.IsInf(b, 0)) {
		c.setFlags(flagNV)
		c.writeResult(o.rd, math.NaN(), single)
		return true
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		p := a * b
		if math.IsInf(cc, 0) && math.Signbit(cc) != math.Signbit(p) {
			c.setFlags(flagNV)
			c.writeResult(o.rd, math.NaN(), single)
			return true
		}
		c.writeResult(o.rd, p, single)
		return true
	}
	if math.IsInf(cc, 0) {
		c.writeResult(o.rd, cc, single)
		return true
	}
	f := fmtD
	if single {
		f = fmtS
	}
	if rm == rmRNE && !single && c.fcsr&flagNX != 0 {
		// NX is already set, so only OF and UF are left to learn; a
		// result above the smallest normal cannot underflow.
		if r := math.FMA(a, b, cc); math.Abs(r) > 0x1p-1022 {
			if math.IsInf(r, 0) {
				c.setFlags(flagOF)
			}
			c.writeResult(o.rd, r, single)
			return true
		}
	}
	r, fl := bigArith(aFMA, a, b, cc, f, rm)
	c.setFlags(fl)
	c.writeResult(o.rd, r, single)
	return true
}

func (c *cpu) minmax(o *op) {
	single := o.kind == kFMINS || o.kind == kFMAXS
	isMax := o.kind == kFMAXS || o.kind == kFMAXD
	a, sa := c.operand(o.rs1, single)
	b, sb := c.operand(o.rs2, single)
	if sa || sb {
		c.setFlags(flagNV)
	}
	var r float64
	switch {
	case a != a && b != b:
		r = math.NaN()
	case a != a:
		r = b
	case b != b:
		r = a
	case a == b: // equal, possibly zeros of different sign
		if isMax == math.Signbit(a) {
			r = b
		} else {
			r = a
		}
	case (a < b) != isMax:
		r = a
	default:
		r = b
	}
	c.writeResult(o.rd, r, single)
}

func (c *cpu) compare(o *op) {
	single := o.kind <= kFLES
	a, sa := c.operand(o.rs1, single)
	b, sb := c.operand(o.rs2, single)
	eq := o.kind == kFEQS || o.kind == kFEQD
	if a != a || b != b {
		if !eq || sa || sb {
			c.setFlags(flagNV)
		}
		c.x[o.rd] = 0
		return
	}
	var r bool
	switch o.kind {
	case kFEQS, kFEQD:
		r = a == b
	case kFLTS, kFLTD:
		r = a < b
	default:
		r = a <= b
	}
	c.x[o.rd] = b2u(r)
}

// fclass classifies v; tiny is the format's smallest normal.
func fclass(v float64, snan bool, tiny float64) uint64 {
	neg := math.Signbit(v)
	var bit uint
	switch {
	case v != v:
		if snan {
			return 1 << 8
		}
		return 1 << 9
	case math.IsInf(v, 0):
		bit = 7
	case v == 0:
		bit = 4
	case math.Abs(v) < tiny:
		bit = 5
	default:
		bit = 6
	}
	if neg {
		bit = 7 - bit
	}
	return 1 << bit
}
