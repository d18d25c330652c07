package riscv

// amo executes LR, SC and the AMOs with host atomics on the shared
// mapping, so they are atomic against every other thread of the address
// space. On failure it returns the stop to report.
func (c *cpu) amo(o *op) (stop, bool) {
	addr := c.x[o.rs1]
	word := o.kind <= kAMOMAXUW
	size := uint64(8)
	if word {
		size = 4
	}
	if misaligned(addr, size) {
		c.faultAddr = addr
		return stopMisalign, false
	}
	var off uint64
	var ok bool
	if o.kind == kLRW || o.kind == kLRD {
		off, ok = c.translateR(addr)
	} else {
		off, ok = c.translateW(addr)
		if ok {
			// An AMO reads too; a write-only page cannot exist here
			// (pkg/vm never maps W without R), but keep the check.
			_, ok = c.translateR(addr)
		}
	}
	if !ok {
		return stopFault, false
	}
	m := c.mem
	rs2 := c.x[o.rs2]
	var old uint64
	switch o.kind {
	case kLRW:
		old = sx32(uint64(m.atomicLoad32(off)))
		c.resAddr, c.resVal, c.resValid = addr, old, true
	case kLRD:
		old = m.atomicLoad64(off)
		c.resAddr, c.resVal, c.resValid = addr, old, true
	case kSCW:
		old = 1
		if c.resValid && c.resAddr == addr && m.cas32(off, uint32(c.resVal), uint32(rs2)) {
			old = 0
		}
		c.resValid = false
	case kSCD:
		old = 1
		if c.resValid && c.resAddr == addr && m.cas64(off, c.resVal, rs2) {
			old = 0
		}
		c.resValid = false
	case kAMOSWAPW:
		old = sx32(uint64(m.swap32(off, uint32(rs2))))
	case kAMOADDW:
		old = sx32(uint64(m.add32(off, uint32(rs2))))
	case kAMOXORW:
		old = sx32(uint64(c.casLoop32(off, func(v uint32) uint32 { return v ^ uint32(rs2) })))
	case kAMOANDW:
		old = sx32(uint64(m.and32(off, uint32(rs2))))
	case kAMOORW:
		old = sx32(uint64(m.or32(off, uint32(rs2))))
	case kAMOMINW:
		old = sx32(uint64(c.casLoop32(off, func(v uint32) uint32 { return uint32(min(int32(v), int32(rs2))) })))
	case kAMOMAXW:
		old = sx32(uint64(c.casLoop32(off, func(v uint32) uint32 { return uint32(max(int32(v), int32(rs2))) })))
	case kAMOMINUW:
		old = sx32(uint64(c.casLoop32(off, func(v uint32) uint32 { return min(v, uint32(rs2)) })))
	case kAMOMAXUW:
		old = sx32(uint64(c.casLoop32(off, func(v uint32) uint32 { return max(v, uint32(rs2)) })))
	case kAMOSWAPD:
		old = m.swap64(off, rs2)
	case kAMOADDD:
		old = m.add64(off, rs2)
	case kAMOXORD:
		old = c.casLoop64(off, func(v uint64) uint64 { return v ^ rs2 })
	case kAMOANDD:
		old = m.and64(off, rs2)
	case kAMOORD:
		old = m.or64(off, rs2)
	case kAMOMIND:
		old = c.casLoop64(off, func(v uint64) uint64 { return uint64(min(int64(v), int64(rs2))) })
	case kAMOMAXD:
		old = c.casLoop64(off, func(v uint64) uint64 { return uint64(max(int64(v), int64(rs2))) })
	case kAMOMINUD:
		old = c.casLoop64(off, func(v uint64) uint64 { return min(v, rs2) })
	case kAMOMAXUD:
		old = c.casLoop64(off, func(v uint64) uint64 { return max(v, rs2) })
	}
	c.x[o.rd] = old
	return 0, true
}

func (c *cpu) casLoop32(off uint64, f func(uint32) uint32) uint32 {
	for {
		v := c.mem.atomicLoad32(off)
		if c.mem.cas32(off, v, f(v)) {
			return v
		}
	}
}

func (c *cpu) casLoop64(off uint64, f func(uint64) uint64) uint64 {
	for {
		v := c.mem.atomicLoad64(off)
		if c.mem.cas64(off, v, f(v)) {
			return v
		}
	}
}
