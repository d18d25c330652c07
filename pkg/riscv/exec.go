package riscv

import (
	"math/bits"
	"sync/atomic"
)

// stop says why run returned.
type stop int

const (
	stopSyscall  stop = iota // ecall; pc is past it
	stopFault                // bad access; faultAddr/faultCode set, pc at the instruction
	stopIllegal              // illegal instruction at pc
	stopBreak                // ebreak at pc
	stopMisalign             // misaligned atomic at faultAddr
	stopPoke                 // poke was set: re-check interrupts and generations
)

// run interprets from c.pc until something needs the caller. poke is read
// at every taken branch and jump, so a loop notices Interrupt and other
// threads' unmaps promptly.
func (c *cpu) run(poke *atomic.Uint32) stop {
	pc := c.pc
	x := &c.x
	var cp *codePage
	cpPage := ^uint64(0)
	for {
		if pc>>pageShift != cpPage {
			var ok bool
			if cp, ok = c.fetchPage(pc); !ok {
				c.pc = pc
				return stopFault
			}
			cpPage = pc >> pageShift
		}
		o := &cp.ops[(pc>>1)&(pageSize/2-1)]
		switch o.kind {
		case kUndecoded:
			d, ok := c.decodeAt(pc)
			if !ok {
				c.pc = pc
				return stopFault
			}
			*o = c.fuse(d, pc)
			continue
		case kIllegal:
			c.pc = pc
			return stopIllegal
		case kLUI:
			x[o.rd] = uint64(o.imm)
		case kLI:
			x[o.rd] = uint64(o.imm)
		case kAUIPCLD:
			addr := uint64(o.imm)
			t := &c.tlbR[(addr>>pageShift)%tlbSize]
			var v uint64
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-8 {
				v = c.mem.ld64(t.off | addr&pageMask)
			} else {
				var ok bool
				if v, ok = c.load(addr, 8); !ok {
					// The auipc is done; the ld faults.
					x[o.rd] = addr - uint64(o.lo12())
					c.pc = pc + 4 // auipc is never compressed
					return stopFault
				}
			}
			x[o.rd] = v
		case kLD2:
			addr := x[o.rs1] + uint64(int64(int32(o.imm)))
			t := &c.tlbR[(addr>>pageShift)%tlbSize]
			var v uint64
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-8 {
				v = c.mem.ld64(t.off | addr&pageMask)
			} else {
				var ok bool
				if v, ok = c.load(addr, 8); !ok {
					c.pc = pc
					return stopFault
				}
			}
			x[o.rd] = v
			addr = x[o.rs3] + uint64(o.imm>>32)
			t = &c.tlbR[(addr>>pageShift)%tlbSize]
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-8 {
				v = c.mem.ld64(t.off | addr&pageMask)
			} else {
				var ok bool
				if v, ok = c.load(addr, 8); !ok {
					c.pc = pc + uint64(o.rm)
					return stopFault
				}
			}
			x[o.rs2] = v
		case kSD2:
			addr := x[o.rs1] + uint64(int64(int32(o.imm)))
			t := &c.tlbW[(addr>>pageShift)%tlbSize]
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-8 {
				c.mem.st64(t.off|addr&pageMask, x[o.rs2])
			} else if !c.store(addr, 8, x[o.rs2]) {
				c.pc = pc
				return stopFault
			}
			addr = x[o.rd] + uint64(o.imm>>32)
			t = &c.tlbW[(addr>>pageShift)%tlbSize]
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-8 {
				c.mem.st64(t.off|addr&pageMask, x[o.rs3])
			} else if !c.store(addr, 8, x[o.rs3]) {
				c.pc = pc + uint64(o.rm)
				return stopFault
			}
		case kADD2:
			x[o.rd] = x[o.rs1] + x[o.rs2]
			x[o.rs3] = x[uint8(o.imm)] + x[uint8(o.imm>>8)]
		case kADDI2:
			x[o.rd] = x[o.rs1] + uint64(int64(int32(o.imm)))
			x[o.rs2] = x[o.rs3] + uint64(o.imm>>32)
		case kAUIPCJALR:
			x[o.rd] = pc + uint64(o.len)
			pc = uint64(o.imm)
			if poke.Load() != 0 {
				c.pc = pc
				return stopPoke
			}
			continue
		case kAUIPC:
			x[o.rd] = uint64(o.imm)
		case kJAL:
			x[o.rd] = pc + uint64(o.len)
			pc = uint64(o.imm)
			if poke.Load() != 0 {
				c.pc = pc
				return stopPoke
			}
			continue
		case kJALR:
			t := (x[o.rs1] + uint64(o.imm)) &^ 1
			x[o.rd] = pc + uint64(o.len)
			pc = t
			if poke.Load() != 0 {
				c.pc = pc
				return stopPoke
			}
			continue
		case kBEQ:
			if x[o.rs1] == x[o.rs2] {
				pc = uint64(o.imm)
				if poke.Load() != 0 {
					c.pc = pc
					return stopPoke
				}
				continue
			}
		case kBNE:
			if x[o.rs1] != x[o.rs2] {
				pc = uint64(o.imm)
				if poke.Load() != 0 {
					c.pc = pc
					return stopPoke
				}
				continue
			}
		case kBLT:
			if int64(x[o.rs1]) < int64(x[o.rs2]) {
				pc = uint64(o.imm)
				if poke.Load() != 0 {
					c.pc = pc
					return stopPoke
				}
				continue
			}
		case kBGE:
			if int64(x[o.rs1]) >= int64(x[o.rs2]) {
				pc = uint64(o.imm)
				if poke.Load() != 0 {
					c.pc = pc
					return stopPoke
				}
				continue
			}
		case kBLTU:
			if x[o.rs1] < x[o.rs2] {
				pc = uint64(o.imm)
				if poke.Load() != 0 {
					c.pc = pc
					return stopPoke
				}
				continue
			}
		case kBGEU:
			if x[o.rs1] >= x[o.rs2] {
				pc = uint64(o.imm)
				if poke.Load() != 0 {
					c.pc = pc
					return stopPoke
				}
				continue
			}
		case kLB:
			addr := x[o.rs1] + uint64(o.imm)
			t := &c.tlbR[(addr>>pageShift)%tlbSize]
			var v uint64
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-1 {
				v = c.mem.ld8(t.off | addr&pageMask)
			} else {
				var ok bool
				if v, ok = c.load(addr, 1); !ok {
					c.pc = pc
					return stopFault
				}
			}
			x[o.rd] = uint64(int8(v))
		case kLH:
			addr := x[o.rs1] + uint64(o.imm)
			t := &c.tlbR[(addr>>pageShift)%tlbSize]
			var v uint64
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-2 {
				v = c.mem.ld16(t.off | addr&pageMask)
			} else {
				var ok bool
				if v, ok = c.load(addr, 2); !ok {
					c.pc = pc
					return stopFault
				}
			}
			x[o.rd] = uint64(int16(v))
		case kLW:
			addr := x[o.rs1] + uint64(o.imm)
			t := &c.tlbR[(addr>>pageShift)%tlbSize]
			var v uint64
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-4 {
				v = c.mem.ld32(t.off | addr&pageMask)
			} else {
				var ok bool
				if v, ok = c.load(addr, 4); !ok {
					c.pc = pc
					return stopFault
				}
			}
			x[o.rd] = uint64(int32(v))
		case kLD:
			addr := x[o.rs1] + uint64(o.imm)
			t := &c.tlbR[(addr>>pageShift)%tlbSize]
			var v uint64
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-8 {
				v = c.mem.ld64(t.off | addr&pageMask)
			} else {
				var ok bool
				if v, ok = c.load(addr, 8); !ok {
					c.pc = pc
					return stopFault
				}
			}
			x[o.rd] = v
		case kLBU:
			addr := x[o.rs1] + uint64(o.imm)
			t := &c.tlbR[(addr>>pageShift)%tlbSize]
			var v uint64
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-1 {
				v = c.mem.ld8(t.off | addr&pageMask)
			} else {
				var ok bool
				if v, ok = c.load(addr, 1); !ok {
					c.pc = pc
					return stopFault
				}
			}
			x[o.rd] = v
		case kLHU:
			addr := x[o.rs1] + uint64(o.imm)
			t := &c.tlbR[(addr>>pageShift)%tlbSize]
			var v uint64
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-2 {
				v = c.mem.ld16(t.off | addr&pageMask)
			} else {
				var ok bool
				if v, ok = c.load(addr, 2); !ok {
					c.pc = pc
					return stopFault
				}
			}
			x[o.rd] = v
		case kLWU:
			addr := x[o.rs1] + uint64(o.imm)
			t := &c.tlbR[(addr>>pageShift)%tlbSize]
			var v uint64
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-4 {
				v = c.mem.ld32(t.off | addr&pageMask)
			} else {
				var ok bool
				if v, ok = c.load(addr, 4); !ok {
					c.pc = pc
					return stopFault
				}
			}
			x[o.rd] = v
		case kSB:
			addr := x[o.rs1] + uint64(o.imm)
			t := &c.tlbW[(addr>>pageShift)%tlbSize]
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-1 {
				c.mem.st8(t.off|addr&pageMask, x[o.rs2])
			} else if !c.store(addr, 1, x[o.rs2]) {
				c.pc = pc
				return stopFault
			}
		case kSH:
			addr := x[o.rs1] + uint64(o.imm)
			t := &c.tlbW[(addr>>pageShift)%tlbSize]
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-2 {
				c.mem.st16(t.off|addr&pageMask, x[o.rs2])
			} else if !c.store(addr, 2, x[o.rs2]) {
				c.pc = pc
				return stopFault
			}
		case kSW:
			addr := x[o.rs1] + uint64(o.imm)
			t := &c.tlbW[(addr>>pageShift)%tlbSize]
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-4 {
				c.mem.st32(t.off|addr&pageMask, x[o.rs2])
			} else if !c.store(addr, 4, x[o.rs2]) {
				c.pc = pc
				return stopFault
			}
		case kSD:
			addr := x[o.rs1] + uint64(o.imm)
			t := &c.tlbW[(addr>>pageShift)%tlbSize]
			if t.tag == addr>>pageShift+1 && addr&pageMask <= pageSize-8 {
				c.mem.st64(t.off|addr&pageMask, x[o.rs2])
			} else if !c.store(addr, 8, x[o.rs2]) {
				c.pc = pc
				return stopFault
			}
		case kADDI:
			x[o.rd] = x[o.rs1] + uint64(o.imm)
		case kSLTI:
			x[o.rd] = b2u(int64(x[o.rs1]) < o.imm)
		case kSLTIU:
			x[o.rd] = b2u(x[o.rs1] < uint64(o.imm))
		case kXORI:
			x[o.rd] = x[o.rs1] ^ uint64(o.imm)
		case kORI:
			x[o.rd] = x[o.rs1] | uint64(o.imm)
		case kANDI:
			x[o.rd] = x[o.rs1] & uint64(o.imm)
		case kSLLI:
			x[o.rd] = x[o.rs1] << (o.imm & 63)
		case kSRLI:
			x[o.rd] = x[o.rs1] >> (o.imm & 63)
		case kSRAI:
			x[o.rd] = uint64(int64(x[o.rs1]) >> (o.imm & 63))
		case kADD:
			x[o.rd] = x[o.rs1] + x[o.rs2]
		case kSUB:
			x[o.rd] = x[o.rs1] - x[o.rs2]
		case kSLL:
			x[o.rd] = x[o.rs1] << (x[o.rs2] & 63)
		case kSLT:
			x[o.rd] = b2u(int64(x[o.rs1]) < int64(x[o.rs2]))
		case kSLTU:
			x[o.rd] = b2u(x[o.rs1] < x[o.rs2])
		case kXOR:
			x[o.rd] = x[o.rs1] ^ x[o.rs2]
		case kSRL:
			x[o.rd] = x[o.rs1] >> (x[o.rs2] & 63)
		case kSRA:
			x[o.rd] = uint64(int64(x[o.rs1]) >> (x[o.rs2] & 63))
		case kOR:
			x[o.rd] = x[o.rs1] | x[o.rs2]
		case kAND:
			x[o.rd] = x[o.rs1] & x[o.rs2]
		case kADDIW:
			x[o.rd] = sx32(x[o.rs1] + uint64(o.imm))
		case kSLLIW:
			x[o.rd] = sx32(x[o.rs1] << (o.imm & 31))
		case kSRLIW:
			x[o.rd] = sx32(uint64(uint32(x[o.rs1]) >> (o.imm & 31)))
		case kSRAIW:
			x[o.rd] = uint64(int64(int32(x[o.rs1]) >> (o.imm & 31)))
		case kADDW:
			x[o.rd] = sx32(x[o.rs1] + x[o.rs2])
		case kSUBW:
			x[o.rd] = sx32(x[o.rs1] - x[o.rs2])
		case kSLLW:
			x[o.rd] = sx32(x[o.rs1] << (x[o.rs2] & 31))
		case kSRLW:
			x[o.rd] = sx32(uint64(uint32(x[o.rs1]) >> (x[o.rs2] & 31)))
		case kSRAW:
			x[o.rd] = uint64(int64(int32(x[o.rs1]) >> (x[o.rs2] & 31)))
		case kFENCE:
			if o.imm&0x12 == 0x12 {
				// W before R: the one order a host may not keep
				// on its own; a sequentially consistent atomic
				// operation is a full barrier.
				c.fence.Add(0)
			}
		case kFENCEI:
			c.pc = pc + uint64(o.len)
			c.flushCaches()
			return stopPoke
		case kECALL:
			if c.vdsoTime && c.fastClock() {
				break
			}
			c.pc = pc + uint64(o.len)
			return stopSyscall
		case kEBREAK:
			c.pc = pc
			return stopBreak
		case kCSRRW, kCSRRS, kCSRRC, kCSRRWI, kCSRRSI, kCSRRCI:
			if !c.csr(o) {
				c.pc = pc
				return stopIllegal
			}
		case kMUL:
			x[o.rd] = x[o.rs1] * x[o.rs2]
		case kMULH:
			x[o.rd] = mulh(int64(x[o.rs1]), int64(x[o.rs2]))
		case kMULHSU:
			x[o.rd] = mulhsu(int64(x[o.rs1]), x[o.rs2])
		case kMULHU:
			hi, _ := bits.Mul64(x[o.rs1], x[o.rs2])
			x[o.rd] = hi
		case kDIV:
			x[o.rd] = div64(int64(x[o.rs1]), int64(x[o.rs2]))
		case kDIVU:
			if d := x[o.rs2]; d == 0 {
				x[o.rd] = ^uint64(0)
			} else {
				x[o.rd] = x[o.rs1] / d
			}
		case kREM:
			x[o.rd] = rem64(int64(x[o.rs1]), int64(x[o.rs2]))
		case kREMU:
			if d := x[o.rs2]; d == 0 {
				x[o.rd] = x[o.rs1]
			} else {
				x[o.rd] = x[o.rs1] % d
			}
		case kMULW:
			x[o.rd] = sx32(x[o.rs1] * x[o.rs2])
		case kDIVW:
			x[o.rd] = uint64(int64(div32(int32(x[o.rs1]), int32(x[o.rs2]))))
		case kDIVUW:
			if d := uint32(x[o.rs2]); d == 0 {
				x[o.rd] = ^uint64(0)
			} else {
				x[o.rd] = sx32(uint64(uint32(x[o.rs1]) / d))
			}
		case kREMW:
			x[o.rd] = uint64(int64(rem32(int32(x[o.rs1]), int32(x[o.rs2]))))
		case kREMUW:
			if d := uint32(x[o.rs2]); d == 0 {
				x[o.rd] = sx32(x[o.rs1])
			} else {
				x[o.rd] = sx32(uint64(uint32(x[o.rs1]) % d))
			}
		case kSH1ADD:
			x[o.rd] = x[o.rs1]<<1 + x[o.rs2]
		case kSH2ADD:
			x[o.rd] = x[o.rs1]<<2 + x[o.rs2]
		case kSH3ADD:
			x[o.rd] = x[o.rs1]<<3 + x[o.rs2]
		case kADDUW:
			x[o.rd] = uint64(uint32(x[o.rs1])) + x[o.rs2]
		case kSH1ADDUW:
			x[o.rd] = uint64(uint32(x[o.rs1]))<<1 + x[o.rs2]
		case kSH2ADDUW:
			x[o.rd] = uint64(uint32(x[o.rs1]))<<2 + x[o.rs2]
		case kSH3ADDUW:
			x[o.rd] = uint64(uint32(x[o.rs1]))<<3 + x[o.rs2]
		case kSLLIUW:
			x[o.rd] = uint64(uint32(x[o.rs1])) << (o.imm & 63)
		case kANDN:
			x[o.rd] = x[o.rs1] &^ x[o.rs2]
		case kORN:
			x[o.rd] = x[o.rs1] | ^x[o.rs2]
		case kXNOR:
			x[o.rd] = ^(x[o.rs1] ^ x[o.rs2])
		case kCLZ:
			x[o.rd] = uint64(bits.LeadingZeros64(x[o.rs1]))
		case kCLZW:
			x[o.rd] = uint64(bits.LeadingZeros32(uint32(x[o.rs1])))
		case kCTZ:
			x[o.rd] = uint64(bits.TrailingZeros64(x[o.rs1]))
		case kCTZW:
			x[o.rd] = uint64(bits.TrailingZeros32(uint32(x[o.rs1])))
		case kCPOP:
			x[o.rd] = cpop64(x[o.rs1])
		case kCPOPW:
			x[o.rd] = cpop64(uint64(uint32(x[o.rs1])))
		case kMAX:
			x[o.rd] = uint64(max(int64(x[o.rs1]), int64(x[o.rs2])))
		case kMAXU:
			x[o.rd] = max(x[o.rs1], x[o.rs2])
		case kMIN:
			x[o.rd] = uint64(min(int64(x[o.rs1]), int64(x[o.rs2])))
		case kMINU:
			x[o.rd] = min(x[o.rs1], x[o.rs2])
		case kSEXTB:
			x[o.rd] = uint64(int8(x[o.rs1]))
		case kSEXTH:
			x[o.rd] = uint64(int16(x[o.rs1]))
		case kZEXTH:
			x[o.rd] = uint64(uint16(x[o.rs1]))
		case kROL:
			x[o.rd] = bits.RotateLeft64(x[o.rs1], int(x[o.rs2]&63))
		case kROLW:
			x[o.rd] = sx32(uint64(bits.RotateLeft32(uint32(x[o.rs1]), int(x[o.rs2]&31))))
		case kROR:
			x[o.rd] = bits.RotateLeft64(x[o.rs1], -int(x[o.rs2]&63))
		case kRORI:
			x[o.rd] = bits.RotateLeft64(x[o.rs1], -int(o.imm&63))
		case kRORIW:
			x[o.rd] = sx32(uint64(bits.RotateLeft32(uint32(x[o.rs1]), -int(o.imm&31))))
		case kRORW:
			x[o.rd] = sx32(uint64(bits.RotateLeft32(uint32(x[o.rs1]), -int(x[o.rs2]&31))))
		case kORCB:
			x[o.rd] = orcb(x[o.rs1])
		case kREV8:
			x[o.rd] = bits.ReverseBytes64(x[o.rs1])
		default:
			if o.kind >= kLRW && o.kind <= kAMOMAXUD {
				if s, ok := c.amo(o); !ok {
					c.pc = pc
					return s
				}
				break
			}
			if !c.fpInstr(o) {
				c.pc = pc
				if c.faultCode != 0 {
					return stopFault
				}
				return stopIllegal
			}
		}
		pc += uint64(o.len)
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func sx32(v uint64) uint64 { return uint64(int64(int32(v))) }

func mulh(a, b int64) uint64 {
	hi, _ := bits.Mul64(uint64(a), uint64(b))
	if a < 0 {
		hi -= uint64(b)
	}
	if b < 0 {
		hi -= uint64(a)
	}
	return hi
}

func mulhsu(a int64, b uint64) uint64 {
	hi, _ := bits.Mul64(uint64(a), b)
	if a < 0 {
		hi -= b
	}
	return hi
}

func div64(a, b int64) uint64 {
	switch {
	case b == 0:
		return ^uint64(0)
	case b == -1 && a == -1<<63:
		return uint64(a)
	}
	return uint64(a / b)
}

func rem64(a, b int64) uint64 {
	switch {
	case b == 0:
		return uint64(a)
	case b == -1:
		return 0
	}
	return uint64(a % b)
}

func div32(a, b int32) int32 {
	switch {
	case b == 0:
		return -1
	case b == -1 && a == -1<<31:
		return a
	}
	return a / b
}

func rem32(a, b int32) int32 {
	switch {
	case b == 0:
		return a
	case b == -1:
		return 0
	}
	return a % b
}

// orcb sets each byte to 0xff if it is non-zero.
func orcb(v uint64) uint64 {
	var r uint64
	for i := 0; i < 64; i += 8 {
		if (v>>i)&0xff != 0 {
			r |= 0xff << i
		}
	}
	return r
}

// cpop64 is out of line: bits.OnesCount inlined into run makes every
// iteration of the interpreter loop test for the POPCNT instruction.
//
//go:noinline
func cpop64(v uint64) uint64 { return uint64(bits.OnesCount64(v)) }
