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
//
// Runs of one kind are the other common case (a dispatch count of a redis
// run: ld;ld 5.3%, sd;sd 4.0%, add;add (mostly mv;mv) 2.6%, addi;addi
// 1.8% of all pairs): kLD2, kSD2, kADD2 and kADDI2 run two of them. The
// second instruction's operands go in the fields the first leaves free;
// rm holds the first's length, so a fault in the second reports its pc
// with the first done.
//   - kLD2: x[rd] = mem64[x[rs1]+lo32(imm)]; x[rs2] = mem64[x[rs3]+hi32(imm)]
//   - kSD2: mem64[x[rs1]+lo32(imm)] = x[rs2]; mem64[x[rd]+hi32(imm)] = x[rs3]
//   - kADD2: x[rd] = x[rs1]+x[rs2]; x[rs3] = x[imm&255]+x[imm>>8&255]
//   - kADDI2: x[rd] = x[rs1]+lo32(imm); x[rs2] = x[rs3]+hi32(imm)

// fuse returns the superinstruction for d (decoded at pc) and the
// instruction after it, or d itself.
func (c *cpu) fuse(d op, pc uint64) op {
	switch d.kind {
	case kAUIPC, kLUI:
		if d.rd == sink {
			return d
		}
	case kLD, kSD, kADD, kADDI:
	default:
		return d
	}
	n, ok := c.decodeAt(pc + uint64(d.len))
	if !ok {
		c.faultAddr, c.faultCode = 0, 0
		return d
	}
	if d.kind != kAUIPC && d.kind != kLUI {
		if n.kind == d.kind {
			return fuseSame(d, n)
		}
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

// fuseSame fuses two instructions of one kind (kLD, kSD, kADD, kADDI).
func fuseSame(d, n op) op {
	f := d
	f.len, f.rm = d.len+n.len, d.len
	lo := uint64(uint32(int32(d.imm))) // 12-bit immediates: both fit 32 bits
	switch d.kind {
	case kLD:
		f.kind, f.rs2, f.rs3, f.imm = kLD2, n.rd, n.rs1, int64(lo|uint64(n.imm)<<32)
	case kSD:
		f.kind, f.rd, f.rs3, f.imm = kSD2, n.rs1, n.rs2, int64(lo|uint64(n.imm)<<32)
	case kADDI:
		f.kind, f.rs2, f.rs3, f.imm = kADDI2, n.rd, n.rs1, int64(lo|uint64(n.imm)<<32)
	case kADD:
		f.kind, f.rs3, f.imm = kADD2, n.rd, int64(n.rs1)|int64(n.rs2)<<8
	default:
		return d
	}
	return f
}

// lo12 is the ld offset a kAUIPCLD op keeps (to recover the auipc value).
func (o *op) lo12() int64 { return int64(int16(uint16(o.rs2) | uint16(o.rs3)<<8)) }
