package riscv

import (
	"math"
	"math/big"
	"time"
)

// roundFloat rounds finite v to an integer value with rm.
func roundFloat(v float64, rm uint8) float64 {
	switch rm {
	case rmRTZ:
		return math.Trunc(v)
	case rmRDN:
		return math.Floor(v)
	case rmRUP:
		return math.Ceil(v)
	case rmRMM:
		return math.Round(v)
	}
	return math.RoundToEven(v)
}

// fcvtToInt converts to a 32- or 64-bit integer, saturating with NV on
// NaN and out-of-range inputs as the spec's table says.
func (c *cpu) fcvtToInt(o *op) bool {
	rm, ok := c.rmode(o)
	if !ok {
		return false
	}
	single := o.kind <= kFCVTLUS
	v, _ := c.operand(o.rs1, single)
	var lo, hi float64 // the valid range of rounded values
	var minR, maxR uint64
	k := o.kind
	if !single {
		k -= kFCVTWD - kFCVTWS
	}
	switch k {
	case kFCVTWS:
		lo, hi, minR, maxR = -0x1p31, 0x1p31-1, sx32(1<<31), 1<<31-1
	case kFCVTWUS:
		lo, hi, minR, maxR = 0, 0x1p32-1, 0, ^uint64(0)
	case kFCVTLS:
		lo, hi, minR, maxR = -0x1p63, 0x1p63, 1<<63, 1<<63-1
	case kFCVTLUS:
		lo, hi, minR, maxR = 0, 0x1p64, 0, ^uint64(0)
	}
	if v != v {
		c.setFlags(flagNV)
		c.x[o.rd] = maxR
		return true
	}
	r := roundFloat(v, rm)
	// hi is exclusive for the 64-bit kinds (2^63, 2^64 are not valid).
	over := r > hi || (hi >= 0x1p63 && r == hi)
	if r < lo || over {
		c.setFlags(flagNV)
		if math.Signbit(v) && v != 0 {
			c.x[o.rd] = minR
		} else {
			c.x[o.rd] = maxR
		}
		return true
	}
	if r != v {
		c.setFlags(flagNX)
	}
	switch k {
	case kFCVTWS:
		c.x[o.rd] = uint64(int64(r))
	case kFCVTWUS:
		c.x[o.rd] = sx32(uint64(r))
	case kFCVTLS:
		c.x[o.rd] = uint64(int64(r))
	case kFCVTLUS:
		c.x[o.rd] = uint64(r)
	}
	return true
}

// fcvtFromInt converts a 32- or 64-bit integer to single or double.
func (c *cpu) fcvtFromInt(o *op) bool {
	rm, ok := c.rmode(o)
	if !ok {
		return false
	}
	single := o.kind <= kFCVTSLU
	k := o.kind
	if !single {
		k -= kFCVTDW - kFCVTSW
	}
	x := c.x[o.rs1]
	// Fast path: values the format holds exactly (no rounding, no flags).
	var small bool
	var fv float64
	switch k {
	case kFCVTSW:
		fv = float64(int32(x))
		small = !single || fv == float64(float32(fv))
	case kFCVTSWU:
		fv = float64(uint32(x))
		small = !single || fv == float64(float32(fv))
	case kFCVTSL:
		small = int64(x) >= -1<<53 && int64(x) <= 1<<53
		fv = float64(int64(x))
		small = small && (!single || fv == float64(float32(fv)))
	case kFCVTSLU:
		small = x <= 1<<53
		fv = float64(x)
		small = small && (!single || fv == float64(float32(fv)))
	}
	if small {
		c.writeResult(o.rd, fv, single)
		return true
	}
	n := new(big.Int)
	switch k {
	case kFCVTSW:
		n.SetInt64(int64(int32(x)))
	case kFCVTSWU:
		n.SetUint64(uint64(uint32(x)))
	case kFCVTSL:
		n.SetInt64(int64(x))
	case kFCVTSLU:
		n.SetUint64(x)
	}
	f := fmtD
	if single {
		f = fmtS
	}
	var r float64
	if n.BitLen() <= f.prec {
		r, _ = new(big.Float).SetInt(n).Float64()
	} else {
		var fl uint32
		r, fl = roundFmt(new(big.Float).SetInt(n), f, rm)
		c.setFlags(fl)
	}
	c.writeResult(o.rd, r, single)
	return true
}

// CSR numbers user code may touch.
const (
	csrFflags  = 0x001
	csrFrm     = 0x002
	csrFcsr    = 0x003
	csrCycle   = 0xc00
	csrTime    = 0xc01
	csrInstret = 0xc02
)

// timebaseHz is the rate of the time CSR (what qemu's virt machine and
// most boards use).
const timebaseHz = 10_000_000

var timeOrigin = time.Now()

// csr executes the Zicsr instructions on the CSRs user mode may use.
func (c *cpu) csr(o *op) bool {
	num := uint32(o.imm) & 0xfff
	var old uint64
	switch num {
	case csrFflags:
		old = uint64(c.fcsr & 0x1f)
	case csrFrm:
		old = uint64(c.fcsr>>5) & 7
	case csrFcsr:
		old = uint64(c.fcsr & 0xff)
	case csrCycle, csrTime, csrInstret:
		old = uint64(time.Since(timeOrigin).Nanoseconds()) / (1e9 / timebaseHz)
	default:
		return false
	}
	var src uint64
	imm := o.kind >= kCSRRWI
	if imm {
		src = uint64(o.rs1)
	} else {
		src = c.x[o.rs1]
	}
	var nv uint64
	write := true
	switch o.kind {
	case kCSRRW, kCSRRWI:
		nv = src
	case kCSRRS, kCSRRSI:
		nv = old | src
		write = o.rs1 != 0
	default:
		nv = old &^ src
		write = o.rs1 != 0
	}
	if write {
		switch num {
		case csrFflags:
			c.fcsr = c.fcsr&^0x1f | uint32(nv&0x1f)
		case csrFrm:
			c.fcsr = c.fcsr&^0xe0 | uint32(nv&7)<<5
		case csrFcsr:
			c.fcsr = uint32(nv & 0xff)
		default:
			return false // counters are read-only
		}
	}
	c.x[o.rd] = old
	return true
}
