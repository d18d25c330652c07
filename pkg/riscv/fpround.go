package riscv

import (
	"math"
	"math/big"
)

// IEEE exception flags (fflags).
const (
	flagNX = 1
	flagUF = 2
	flagOF = 4
	flagDZ = 8
	flagNV = 16
)

// Rounding modes (frm and the rm field).
const (
	rmRNE = 0
	rmRTZ = 1
	rmRDN = 2
	rmRUP = 3
	rmRMM = 4
	rmDyn = 7
)

// fmtDesc describes a binary floating-point format.
type fmtDesc struct {
	prec int // significand bits including the hidden one
	emin int // exponent of the smallest normal
	emax int
}

var (
	fmtS = fmtDesc{prec: 24, emin: -126, emax: 127}
	fmtD = fmtDesc{prec: 53, emin: -1022, emax: 1023}
)

// workPrec is the precision inexact big results (quotients, roots) are
// computed at before the final rounding; with a sticky bit it makes the
// final rounding correct for every mode.
const workPrec = 128

// roundInt rounds y to an integer with rm; inexact reports y was not one.
func roundInt(y *big.Float, rm uint8) (*big.Int, bool) {
	n, _ := y.Int(nil) // truncates toward zero
	var frac big.Float
	frac.SetPrec(y.Prec() + 64)
	frac.Sub(y, new(big.Float).SetInt(n))
	if frac.Sign() == 0 {
		return n, false
	}
	neg := y.Sign() < 0
	half := big.NewFloat(0.5)
	var cmp int
	if neg {
		cmp = new(big.Float).Neg(&frac).Cmp(half)
	} else {
		cmp = frac.Cmp(half)
	}
	away := false
	switch rm {
	case rmRNE:
		away = cmp > 0 || (cmp == 0 && n.Bit(0) == 1)
	case rmRMM:
		away = cmp >= 0
	case rmRTZ:
	case rmRDN:
		away = neg
	case rmRUP:
		away = !neg
	}
	if away {
		if neg {
			n.Sub(n, big.NewInt(1))
		} else {
			n.Add(n, big.NewInt(1))
		}
	}
	return n, true
}

// roundFmt rounds the finite non-NaN value x (exact, or carrying a sticky
// bit below its precision) to format f with rm, returning the result as a
// float64 (exactly representable in f) and the flags raised.
func roundFmt(x *big.Float, f fmtDesc, rm uint8) (float64, uint32) {
	if x.Sign() == 0 {
		if x.Signbit() {
			return math.Copysign(0, -1), 0
		}
		return 0, 0
	}
	neg := x.Signbit()
	e := x.MantExp(nil) - 1 // x = 1.m * 2^e
	q := e - f.prec + 1
	if e < f.emin {
		q = f.emin - f.prec + 1
	}
	y := new(big.Float).SetPrec(x.Prec()).SetMantExp(x, -q)
	n, inexact := roundInt(y, rm)
	var flags uint32
	if inexact {
		flags |= flagNX
	}
	r := new(big.Float).SetInt(n)
	r.SetMantExp(r, q)
	if r.Sign() != 0 && r.MantExp(nil)-1 > f.emax {
		flags |= flagOF | flagNX
		maxf := math.MaxFloat64
		if f.prec == 24 {
			maxf = math.MaxFloat32
		}
		inf := math.Inf(1)
		var v float64
		switch rm {
		case rmRNE, rmRMM:
			v = inf
		case rmRTZ:
			v = maxf
		case rmRDN:
			if neg {
				v = inf
			} else {
				v = maxf
			}
		case rmRUP:
			if neg {
				v = maxf
			} else {
				v = inf
			}
		}
		if neg {
			v = -v
		}
		return v, flags
	}
	if inexact && e < f.emin {
		// Tininess after rounding: would the result, rounded with an
		// unbounded exponent, be below the smallest normal?
		tiny := true
		if e == f.emin-1 {
			q2 := e - f.prec + 1
			y2 := new(big.Float).SetPrec(x.Prec()).SetMantExp(x, -q2)
			n2, _ := roundInt(y2, rm)
			r2 := new(big.Float).SetInt(n2)
			r2.SetMantExp(r2, q2)
			tiny = r2.MantExp(nil)-1 < f.emin
		}
		if tiny {
			flags |= flagUF
		}
	}
	v, _ := r.Float64()
	if v == 0 && neg {
		v = math.Copysign(0, -1)
	}
	return v, flags
}

// sticky makes z (computed with mode ToZero and accuracy acc) carry a
// sticky bit: if it was inexact, one more bit set below its precision.
func sticky(z *big.Float, acc big.Accuracy) *big.Float {
	if acc == big.Exact || z.Sign() == 0 {
		return z
	}
	p := z.Prec()
	e := z.MantExp(nil)
	bit := new(big.Float).SetMantExp(big.NewFloat(1), e-int(p)-1)
	if z.Signbit() {
		bit.Neg(bit)
	}
	z.SetPrec(p + 1)
	z.Add(z, bit)
	return z
}

func exact(v float64) *big.Float { return new(big.Float).SetPrec(0).SetFloat64(v) }

// Op codes of bigArith.
const (
	aAdd = iota
	aSub
	aMul
	aDiv
	aSqrt
	aFMA
)

// bigArith computes op on finite a, b, c in format f with rm, for the
// cases the native fast path does not cover. The caller has handled NaNs,
// infinities, invalid operations and division by zero.
func bigArith(kind int, a, b, c float64, f fmtDesc, rm uint8) (float64, uint32) {
	const big0 = 4096 // enough bits for any exact sum or product of doubles
	z := new(big.Float).SetPrec(big0).SetMode(big.ToZero)
	var acc big.Accuracy
	switch kind {
	case aAdd:
		z.Add(exact(a), exact(b))
	case aSub:
		z.Sub(exact(a), exact(b))
	case aMul:
		z.Mul(exact(a), exact(b))
	case aFMA:
		z.Mul(exact(a), exact(b))
		z.Add(z, exact(c))
		if z.Sign() == 0 {
			// Exact zero sum: its sign follows IEEE's rules.
			p := math.Signbit(a) != math.Signbit(b)
			if a == 0 || b == 0 || c == 0 {
				if p == math.Signbit(c) {
					return math.Copysign(0, b2f(p)), 0
				}
			}
			if rm == rmRDN {
				return math.Copysign(0, -1), 0
			}
			return 0, 0
		}
	case aDiv:
		z.SetPrec(workPrec)
		z.Quo(exact(a), exact(b))
		acc = z.Acc()
		z = sticky(z, acc)
	case aSqrt:
		z.SetPrec(workPrec)
		z.Sqrt(exact(a))
		// Sqrt does not report accuracy: check by squaring.
		sq := new(big.Float).SetPrec(2*workPrec).Mul(z, z)
		switch sq.Cmp(exact(a)) {
		case 1: // rounded up: step below the true root
			ulp := new(big.Float).SetMantExp(big.NewFloat(1), z.MantExp(nil)-workPrec)
			z.Sub(z, ulp)
			acc = big.Below
		case -1:
			acc = big.Below
		}
		z = sticky(z, acc)
	}
	if (kind == aAdd || kind == aSub) && z.Sign() == 0 {
		// x + (-x): +0, or -0 when rounding down; (-0) + (-0) is -0.
		bb := b
		if kind == aSub {
			bb = -b
		}
		if math.Signbit(a) && math.Signbit(bb) {
			return math.Copysign(0, -1), 0
		}
		if rm == rmRDN && !(a == 0 && bb == 0 && !math.Signbit(a) && !math.Signbit(bb)) {
			return math.Copysign(0, -1), 0
		}
		return 0, 0
	}
	return roundFmt(z, f, rm)
}

func b2f(neg bool) float64 {
	if neg {
		return -1
	}
	return 1
}
