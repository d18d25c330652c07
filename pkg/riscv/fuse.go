package riscv

// Superinstructions. Position-independent code builds most addresses and
// constants from a pair: auipc (or lui) followed by an addi, ld or jalr on
// the same register. Decoding fuses such a pair into one op, so the pair
// costs one dispatch instead of two. The fused op sits in the first
// instruction's slot only: a jump to the second instruction finds that
// instruction decoded on its own, and the decode cache is dropped as a
// whole, so the two halves never go stale separately.
//
// A fused op leaves the registers exactly as the pair does. A fused load
// that faults leaves the auipc done and reports the load's pc.

// The fused kinds (declared with the others in decode.go, so that the
// interpreter's switch keeps one dense jump table):
//   - kLI: x[rd] = imm (auipc+addi, lui+addi, lui+addiw);
//   - kAUIPCLD: x[rd] = mem64[imm]; the ld's own offset is in lo12;
//   - kAUIPCJALR: x[rd] = pc + len; pc = imm (auipc ra; jalr ra: a call).

// fuse returns the superinstruction for d (decoded at pc) and the
// instruction after it, or d itself.
func (c *cpu) fuse(d op, pc uint64) op {
	if d.kind != kAUIPC && d.kind != kLUI || d.rd == sink {
		return d
	}
	n, ok := c.decodeAt(pc + uint64(d.len))
	if !ok {
		c.faultAddr, c.faultCode = 0, 0
		return d
	}
	r := d.rd
	if n.rs1 != r || n.rd != r {
		return d
	}
	f := op{rd: r, len: d.len + n.len}
	switch {
	case n.kind == kADDI:
		f.kind, f.imm = kLI, d.imm+n.imm
	case n.kind == kADDIW && d.kind == kLUI:
		f.kind, f.imm = kLI, int64(int32(d.imm+n.imm))
	case n.kind == kLD && d.kind == kAUIPC:
		f.kind, f.imm = kAUIPCLD, d.imm+n.imm
		f.rs2, f.rs3 = uint8(n.imm), uint8(n.imm>>8)
	case n.kind == kJALR && d.kind == kAUIPC:
		f.kind, f.imm = kAUIPCJALR, (d.imm+n.imm)&^1
	default:
		return d
	}
	return f
}

// lo12 is the ld offset a kAUIPCLD op keeps (to recover the auipc value).
func (o *op) lo12() int64 { return int64(int16(uint16(o.rs2) | uint16(o.rs3)<<8)) }
