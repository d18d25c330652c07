//go:build amd64

package riscv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

// Differential tests: random programs run on a machine that translates
// (the JIT) and on one that only interprets; every integer register, the
// pc, the event, the FP state and the whole data mapping must agree.

// newMachineJIT is newMachine with the translator on or off.
func newMachineJIT(t *testing.T, jit bool) *machine {
	t.Helper()
	m := newBareMachine(t, jit)
	// Each data page maps its own file page, in reverse order, so that
	// guest pages adjacent in memory are not adjacent in the file: an
	// access that crosses a page must be split.
	for i := 0; i < dataSize/pageSize; i++ {
		if err := m.as.MapFile(dataBase+uint64(i)*pageSize, pageSize, int64(dataFileOff(i)), platform.Perms{Read: true, Write: true}); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// dataFileOff is the file offset of guest data page i.
func dataFileOff(i int) uint64 { return dataOff + uint64(dataSize/pageSize-1-i)*pageSize }

// setData writes the guest data pages from b.
func (m *machine) setData(b []byte) {
	for i := 0; i < dataSize/pageSize; i++ {
		copy(m.data[dataFileOff(i):][:pageSize], b[i*pageSize:])
	}
}

// getData returns the guest data pages.
func (m *machine) getData() []byte {
	b := make([]byte, dataSize)
	for i := 0; i < dataSize/pageSize; i++ {
		copy(b[i*pageSize:], m.data[dataFileOff(i):][:pageSize])
	}
	return b
}

// ---- Encoders not found in the other test files ----

const (
	opImm32 = 0x1b
	opLUI   = 0x37
)

// Compressed encoders. Registers written rp are x8..x15.
func cAddi(rd uint32, imm int32) uint16 {
	u := uint32(imm)
	return uint16(0<<13 | (u>>5&1)<<12 | rd<<7 | (u&31)<<2 | 1)
}
func cLi(rd uint32, imm int32) uint16 {
	u := uint32(imm)
	return uint16(2<<13 | (u>>5&1)<<12 | rd<<7 | (u&31)<<2 | 1)
}
func cMv(rd, rs2 uint32) uint16  { return uint16(4<<13 | rd<<7 | rs2<<2 | 2) }
func cAdd(rd, rs2 uint32) uint16 { return uint16(4<<13 | 1<<12 | rd<<7 | rs2<<2 | 2) }
func cJr(rs1 uint32) uint16      { return uint16(4<<13 | rs1<<7 | 2) }
func cJalr(rs1 uint32) uint16    { return uint16(4<<13 | 1<<12 | rs1<<7 | 2) }

// cLS encodes c.lw (f3 2), c.ld (3), c.sw (6), c.sd (7): rdp is rd' or rs2'.
func cLS(f3, rdp, rs1p, off uint32) uint16 {
	var mid uint32
	if f3 == 2 || f3 == 6 { // word: off[2]<<6 | off[6]<<5
		mid = (off>>2&1)<<6 | (off>>6&1)<<5
	} else { // double: off[7:6]<<5
		mid = (off >> 6 & 3) << 5
	}
	return uint16(f3<<13 | (off>>3&7)<<10 | (rs1p-8)<<7 | mid | (rdp-8)<<2)
}
func cLdsp(rd, off uint32) uint16 {
	return uint16(3<<13 | (off>>5&1)<<12 | rd<<7 | (off>>3&3)<<5 | (off>>6&7)<<2 | 2)
}
func cSdsp(rs2, off uint32) uint16 {
	return uint16(7<<13 | (off>>3&7)<<10 | (off>>6&7)<<7 | rs2<<2 | 2)
}
func cJ(off int32) uint16 {
	u := uint32(off)
	return uint16(5<<13 | (u>>11&1)<<12 | (u>>4&1)<<11 | (u>>8&3)<<9 | (u>>10&1)<<8 |
		(u>>6&1)<<7 | (u>>7&1)<<6 | (u>>1&7)<<3 | (u>>5&1)<<2 | 1)
}
func cBz(bnez bool, rs1p uint32, off int32) uint16 {
	u := uint32(off)
	f3 := uint32(6)
	if bnez {
		f3 = 7
	}
	return uint16(f3<<13 | (u>>8&1)<<12 | (u>>3&3)<<10 | (rs1p-8)<<7 | (u>>6&3)<<5 | (u>>1&3)<<3 | (u>>5&1)<<2 | 1)
}

// ---- Instruction tables ----

type rop struct {
	name       string
	f7, f3, oc uint32
	kind       uint16
}

var diffROps = []rop{
	{"add", 0, 0, opOp, kADD}, {"sub", 0x20, 0, opOp, kSUB}, {"sll", 0, 1, opOp, kSLL},
	{"slt", 0, 2, opOp, kSLT}, {"sltu", 0, 3, opOp, kSLTU}, {"xor", 0, 4, opOp, kXOR},
	{"srl", 0, 5, opOp, kSRL}, {"sra", 0x20, 5, opOp, kSRA}, {"or", 0, 6, opOp, kOR},
	{"and", 0, 7, opOp, kAND},
	{"addw", 0, 0, opOp32, kADDW}, {"subw", 0x20, 0, opOp32, kSUBW}, {"sllw", 0, 1, opOp32, kSLLW},
	{"srlw", 0, 5, opOp32, kSRLW}, {"sraw", 0x20, 5, opOp32, kSRAW},
	{"mul", 1, 0, opOp, kMUL}, {"mulh", 1, 1, opOp, kMULH}, {"mulhsu", 1, 2, opOp, kMULHSU},
	{"mulhu", 1, 3, opOp, kMULHU}, {"div", 1, 4, opOp, kDIV}, {"divu", 1, 5, opOp, kDIVU},
	{"rem", 1, 6, opOp, kREM}, {"remu", 1, 7, opOp, kREMU},
	{"mulw", 1, 0, opOp32, kMULW}, {"divw", 1, 4, opOp32, kDIVW}, {"divuw", 1, 5, opOp32, kDIVUW},
	{"remw", 1, 6, opOp32, kREMW}, {"remuw", 1, 7, opOp32, kREMUW},
	{"sh1add", 0x10, 2, opOp, kSH1ADD}, {"sh2add", 0x10, 4, opOp, kSH2ADD}, {"sh3add", 0x10, 6, opOp, kSH3ADD},
	{"add.uw", 0x04, 0, opOp32, kADDUW}, {"sh1add.uw", 0x10, 2, opOp32, kSH1ADDUW},
	{"sh2add.uw", 0x10, 4, opOp32, kSH2ADDUW}, {"sh3add.uw", 0x10, 6, opOp32, kSH3ADDUW},
	{"andn", 0x20, 7, opOp, kANDN}, {"orn", 0x20, 6, opOp, kORN}, {"xnor", 0x20, 4, opOp, kXNOR},
	{"max", 0x05, 6, opOp, kMAX}, {"maxu", 0x05, 7, opOp, kMAXU}, {"min", 0x05, 4, opOp, kMIN},
	{"minu", 0x05, 5, opOp, kMINU},
	{"rol", 0x30, 1, opOp, kROL}, {"ror", 0x30, 5, opOp, kROR},
	{"rolw", 0x30, 1, opOp32, kROLW}, {"rorw", 0x30, 5, opOp32, kRORW},
}

// iop is an immediate instruction: imm is the fixed high part of the
// 12-bit field (shifts and unary ops) and bits how many low bits are
// random (12 = a signed immediate).
type iop struct {
	name      string
	hi, bits  int32
	f3, oc    uint32
	kind      uint16
	immRandom bool
}

var diffIOps = []iop{
	{"addi", 0, 12, 0, opOpImm, kADDI, true}, {"slti", 0, 12, 2, opOpImm, kSLTI, true},
	{"sltiu", 0, 12, 3, opOpImm, kSLTIU, true}, {"xori", 0, 12, 4, opOpImm, kXORI, true},
	{"ori", 0, 12, 6, opOpImm, kORI, true}, {"andi", 0, 12, 7, opOpImm, kANDI, true},
	{"slli", 0, 6, 1, opOpImm, kSLLI, false}, {"srli", 0, 6, 5, opOpImm, kSRLI, false},
	{"srai", 0x400, 6, 5, opOpImm, kSRAI, false},
	{"addiw", 0, 12, 0, opImm32, kADDIW, true}, {"slliw", 0, 5, 1, opImm32, kSLLIW, false},
	{"srliw", 0, 5, 5, opImm32, kSRLIW, false}, {"sraiw", 0x400, 5, 5, opImm32, kSRAIW, false},
	{"slli.uw", 0x080, 6, 1, opImm32, kSLLIUW, false},
	{"clz", 0x600, 0, 1, opOpImm, kCLZ, false}, {"ctz", 0x601, 0, 1, opOpImm, kCTZ, false},
	{"cpop", 0x602, 0, 1, opOpImm, kCPOP, false}, {"sext.b", 0x604, 0, 1, opOpImm, kSEXTB, false},
	{"sext.h", 0x605, 0, 1, opOpImm, kSEXTH, false},
	{"clzw", 0x600, 0, 1, opImm32, kCLZW, false}, {"ctzw", 0x601, 0, 1, opImm32, kCTZW, false},
	{"cpopw", 0x602, 0, 1, opImm32, kCPOPW, false},
	{"zext.h", 0x080, 0, 4, opOp32, kZEXTH, false}, // rtype(0x04, 0, ...): imm 0x080
	{"rori", 0x600, 6, 5, opOpImm, kRORI, false}, {"roriw", 0x600, 5, 5, opImm32, kRORIW, false},
	{"orc.b", 0x287, 0, 5, opOpImm, kORCB, false}, {"rev8", 0x6b8, 0, 5, opOpImm, kREV8, false},
}

type memop struct {
	name  string
	f3    uint32
	size  int32
	store bool
	kind  uint16
}

var diffMemOps = []memop{
	{"lb", 0, 1, false, kLB}, {"lh", 1, 2, false, kLH}, {"lw", 2, 4, false, kLW}, {"ld", 3, 8, false, kLD},
	{"lbu", 4, 1, false, kLBU}, {"lhu", 5, 2, false, kLHU}, {"lwu", 6, 4, false, kLWU},
	{"sb", 0, 1, true, kSB}, {"sh", 1, 2, true, kSH}, {"sw", 2, 4, true, kSW}, {"sd", 3, 8, true, kSD},
}

var branchF3 = []uint32{0, 1, 4, 5, 6, 7} // beq bne blt bge bltu bgeu

// Reserved registers of generated programs: never written by random
// instructions.
const (
	rLink = 1 // return address of calls to the subroutine
	rB0   = 2 // data base dataBase+0x800
	rB1   = 3 // data base dataBase+0x2000 (a page boundary)
	rBEnd = 4 // data base at the end of the mapping (faults)
	rCnt  = 5 // loop counter
	rSub  = 6 // the subroutine's address
	rInd  = 7 // indirect jump target
	rCB   = 8 // compressed-access base dataBase+0x2f84
)

const (
	b0Addr   = dataBase + 0x800
	b1Addr   = dataBase + 0x2000
	bEndAddr = dataBase + 0x10000 - 0x40
	cbAddr   = dataBase + 0x2f84
	dataSize = 0x10000
)

// ---- Program representation ----

type itemKind int

const (
	iFixed  itemKind = iota // words as they are
	iBranch                 // B-type to target
	iJal                    // jal rd, target
	iCJ                     // c.j target
	iCBZ                    // c.beqz/c.bnez rs1 (x8..x15), target
	iIndir                  // auipc x7; addi x7, x7, off+extra; jalr rd, imm(x7) or c.jr/c.jalr
	iLabel                  // nothing; marks the subroutine
)

type item struct {
	kind   itemKind
	words  []uint16 // iFixed
	text   string
	f3     uint32 // iBranch; iCBZ: 1 = bnez
	rs1    uint32
	rs2    uint32
	rd     uint32
	extra  int32 // iIndir: added to the target address (then jalr's imm subtracts)
	imm    int32 // iIndir: jalr immediate; -1000 = compressed
	target int
	region int
	keep   bool // the minimiser must not remove it
	noTgt  bool // no branch may target it (a loop's back branch)
}

func (it *item) size() int {
	switch it.kind {
	case iFixed:
		return 2 * len(it.words)
	case iBranch, iJal:
		return 4
	case iCJ, iCBZ:
		return 2
	case iIndir:
		if it.imm == -1000 {
			return 10
		}
		return 12
	}
	return 0
}

type program struct {
	items []item
	start uint64 // offset in the code page
	x     [32]uint64
	f     [32]uint64
	fcsr  uint32
	seed  uint64
	data  []byte // initial data mapping
}

func w32(v uint32) []uint16 { return []uint16{uint16(v), uint16(v >> 16)} }

// assemble lays the program out and returns its code and each item's
// address.
func (p *program) assemble() ([]byte, []uint64) {
	addr := make([]uint64, len(p.items)+1)
	a := codeBase + p.start
	for i := range p.items {
		addr[i] = a
		a += uint64(p.items[i].size())
	}
	addr[len(p.items)] = a
	var code []uint16
	for i := range p.items {
		it := &p.items[i]
		off := int32(0)
		if it.kind != iFixed && it.kind != iLabel {
			off = int32(int64(addr[it.target]) - int64(addr[i]))
		}
		switch it.kind {
		case iFixed:
			code = append(code, it.words...)
		case iBranch:
			code = append(code, w32(btype(off, it.rs2, it.rs1, it.f3))...)
		case iJal:
			code = append(code, w32(jal(it.rd, off))...)
		case iCJ:
			code = append(code, cJ(off))
		case iCBZ:
			code = append(code, cBz(it.f3 == 1, it.rs1, off))
		case iIndir:
			jimm := it.imm
			if jimm == -1000 {
				jimm = 0
			}
			o := off + it.extra - jimm
			hi := (o + 0x800) >> 12
			lo := o - hi<<12
			code = append(code, w32(auipc(rInd, hi))...)
			code = append(code, w32(addi(rInd, rInd, lo))...)
			if it.imm == -1000 {
				if it.rd == 1 {
					code = append(code, cJalr(rInd))
				} else {
					code = append(code, cJr(rInd))
				}
			} else {
				code = append(code, w32(jalr(it.rd, rInd, it.imm))...)
			}
		}
	}
	b := make([]byte, 2*len(code))
	for i, h := range code {
		binary.LittleEndian.PutUint16(b[2*i:], h)
	}
	return b, addr
}

// subAddr is the address of the subroutine label.
func (p *program) subAddr(addr []uint64) uint64 {
	for i := range p.items {
		if p.items[i].kind == iLabel {
			return addr[i]
		}
	}
	return codeBase + p.start
}

func (p *program) String() string {
	_, addr := p.assemble()
	var s strings.Builder
	fmt.Fprintf(&s, "seed %d, start %#x\n", p.seed, codeBase+p.start)
	for i := range p.items {
		it := &p.items[i]
		fmt.Fprintf(&s, "  %#x [%d r%d] ", addr[i], i, it.region)
		switch it.kind {
		case iFixed:
			fmt.Fprintf(&s, "%s (", it.text)
			for _, w := range it.words {
				fmt.Fprintf(&s, " %04x", w)
			}
			s.WriteString(" )")
		case iBranch:
			fmt.Fprintf(&s, "b(f3=%d) x%d, x%d -> %#x", it.f3, it.rs1, it.rs2, addr[it.target])
		case iJal:
			fmt.Fprintf(&s, "jal x%d -> %#x", it.rd, addr[it.target])
		case iCJ:
			fmt.Fprintf(&s, "c.j -> %#x", addr[it.target])
		case iCBZ:
			fmt.Fprintf(&s, "c.b%sz x%d -> %#x", map[uint32]string{0: "eq", 1: "ne"}[it.f3], it.rs1, addr[it.target])
		case iIndir:
			fmt.Fprintf(&s, "la x7, %#x+%d; jalr x%d, %d(x7)", addr[it.target], it.extra, it.rd, it.imm)
		case iLabel:
			s.WriteString("sub:")
		}
		s.WriteString("\n")
	}
	s.WriteString("  x:")
	x := p.x
	x[rSub] = p.subAddr(addr)
	for i, v := range x {
		if v != 0 {
			fmt.Fprintf(&s, " x%d=%#x", i, v)
		}
	}
	fmt.Fprintf(&s, "\n  fcsr=%#x f:", p.fcsr)
	for i, v := range p.f {
		fmt.Fprintf(&s, " f%d=%#x", i, v)
	}
	return s.String()
}

// ---- Generator ----

type gen struct {
	r         *rand.Rand
	p         *program
	faults    bool // may emit faulting accesses
	region    int
	nRegions  int
	inSub     bool
	straight  bool // no reserved registers beyond the data bases
	untrans   bool // mix in instructions the JIT leaves to the interpreter
	compress  bool
	longLoops bool
	fpHeavy   bool // a third of the instructions are F and D ones
}

var interesting = []uint64{
	0, 1, ^uint64(0), 1 << 63, 1 << 31, 0x7fffffff, 0x80000000, 0xffffffff,
	0x7fffffffffffffff, 0xffffffff80000000, 2, 31, 32, 63, 64, 0xfff, 0x800, ^uint64(0x7ff),
	0x8000, 0xff, 0x80, 0x0102030405060708, 0x00ff00ff00ff00ff, 0x8080808080808080,
}

func (g *gen) value() uint64 {
	r := g.r
	switch r.IntN(6) {
	case 0, 1:
		return interesting[r.IntN(len(interesting))]
	case 2:
		return r.Uint64() & 0xffffffff
	case 3:
		return uint64(int64(int32(r.Uint32())))
	case 4:
		return uint64(r.IntN(128)) - 64
	}
	return r.Uint64()
}

func (g *gen) reserved(x uint32) bool {
	switch x {
	case rB0, rB1, rBEnd, rCB:
		return true
	case rLink, rCnt, rSub, rInd:
		return !g.straight
	}
	return false
}

// rd is a destination: any register not reserved, sometimes x0.
func (g *gen) rd() uint32 {
	for {
		x := uint32(g.r.IntN(32))
		if x == 0 && g.r.IntN(4) != 0 {
			continue
		}
		if !g.reserved(x) {
			return x
		}
	}
}

// rs is a source: any register, mostly a non-reserved one.
func (g *gen) rs() uint32 {
	if g.r.IntN(8) == 0 {
		return uint32(g.r.IntN(32))
	}
	return g.rd()
}

// rdc is a destination among x9..x15 (compressed forms).
func (g *gen) rdc() uint32 { return 9 + uint32(g.r.IntN(7)) }

func (g *gen) imm12() int32 {
	switch g.r.IntN(4) {
	case 0:
		return []int32{0, 1, -1, 2047, -2048, 31, 32, 63, -32}[g.r.IntN(9)]
	case 1:
		return int32(g.r.IntN(64)) - 32
	}
	return int32(g.r.IntN(4096)) - 2048
}

func (g *gen) add(it item) {
	it.region = g.region
	g.p.items = append(g.p.items, it)
}

func (g *gen) fixed(text string, words ...uint16) {
	g.add(item{kind: iFixed, words: words, text: text})
}

func (g *gen) fixed32(text string, v uint32) { g.fixed(text, w32(v)...) }

// memOffset picks a base register and an offset for a size-byte access.
func (g *gen) memBase(size int32, store bool) (uint32, int32) {
	r := g.r
	off := int32(r.IntN(0x7f8*2+1)) - 0x7f8
	if r.IntN(2) == 0 {
		off &^= size - 1 // aligned
	}
	if g.faults {
		switch r.IntN(40) {
		case 0:
			if r.IntN(2) == 0 {
				off = 0x40 - size + int32(r.IntN(int(size)+1)) // at the end
			}
			return rBEnd, off // half fault: the mapping ends at +0x40
		case 1:
			return 0, off // page 0 or the top of the address space
		case 2:
			if store {
				return rSub, off & 0x7ff // the code page: not writable
			}
		}
	}
	switch r.IntN(8) {
	case 0, 1, 2:
		return rB1, off // around a page boundary
	case 3:
		if !store && !g.straight {
			return rSub, off & 0x7ff // reading code
		}
	case 4:
		return rBEnd, -int32(r.IntN(0x7f8)) // near the end, mapped
	}
	return rB0, off
}

func (g *gen) insn() {
	r := g.r
	if g.fpHeavy && r.IntN(3) == 0 {
		g.fpOp()
		return
	}
	n := r.IntN(100)
	switch {
	case n < 30:
		o := diffROps[r.IntN(len(diffROps))]
		if !g.untrans && o.kind == kMULHSU {
			o = diffROps[0]
		}
		rd, rs1, rs2 := g.rd(), g.rs(), g.rs()
		g.fixed32(fmt.Sprintf("%s x%d, x%d, x%d", o.name, rd, rs1, rs2), rtype(o.f7, rs2, rs1, o.f3, rd, o.oc))
	case n < 50:
		o := diffIOps[r.IntN(len(diffIOps))]
		imm := o.hi
		if o.immRandom {
			imm = g.imm12()
		} else if o.bits > 0 {
			imm |= int32(r.IntN(1 << o.bits))
		}
		rd, rs1 := g.rd(), g.rs()
		g.fixed32(fmt.Sprintf("%s x%d, x%d, %d", o.name, rd, rs1, imm), itype(imm, rs1, o.f3, rd, o.oc))
	case n < 54:
		rd, hi := g.rd(), int32(r.Uint32()>>12)
		if r.IntN(2) == 0 {
			g.fixed32(fmt.Sprintf("lui x%d, %#x", rd, hi), lui(rd, hi))
		} else {
			g.fixed32(fmt.Sprintf("auipc x%d, %#x", rd, hi), auipc(rd, hi))
		}
	case n < 72:
		o := diffMemOps[r.IntN(len(diffMemOps))]
		base, off := g.memBase(o.size, o.store)
		if o.store {
			rs2 := g.rs()
			g.fixed32(fmt.Sprintf("%s x%d, %d(x%d)", o.name, rs2, off, base), stype(off, rs2, base, o.f3, opStore))
		} else {
			rd := g.rd()
			g.fixed32(fmt.Sprintf("%s x%d, %d(x%d)", o.name, rd, off, base), itype(off, base, o.f3, rd, opLoad))
		}
	case n < 86:
		if !g.compress {
			g.insn()
			return
		}
		g.compressed()
	case n < 92:
		if !g.untrans {
			g.insn()
			return
		}
		g.untranslated()
	case n < 96:
		g.extra()
	default:
		if r.IntN(3) == 0 {
			g.fixed32("fence", 0x0ff0000f)
			return
		}
		// A value from nowhere: lui+addi, which the interpreter fuses.
		rd := g.rd()
		v := g.value()
		hi := int32((uint32(v) + 0x800) >> 12)
		lo := int32(uint32(v)<<20) >> 20
		g.fixed(fmt.Sprintf("li x%d, %#x", rd, uint32(v)), append(w32(lui(rd, hi)), w32(addi(rd, rd, lo))...)...)
	}
}

func (g *gen) compressed() {
	r := g.r
	switch r.IntN(10) {
	case 0:
		rd, imm := g.rd(), int32(r.IntN(63))-32
		if rd == 0 || imm == 0 {
			imm, rd = 1, 9
		}
		g.fixed(fmt.Sprintf("c.addi x%d, %d", rd, imm), cAddi(rd, imm))
	case 1:
		rd, imm := g.rd(), int32(r.IntN(64))-32
		if rd == 0 {
			rd = 10
		}
		g.fixed(fmt.Sprintf("c.li x%d, %d", rd, imm), cLi(rd, imm))
	case 2, 3:
		rd, rs2 := g.rd(), g.rs()
		if rd == 0 {
			rd = 11
		}
		if rs2 == 0 {
			rs2 = 12
		}
		if r.IntN(2) == 0 {
			g.fixed(fmt.Sprintf("c.mv x%d, x%d", rd, rs2), cMv(rd, rs2))
		} else {
			g.fixed(fmt.Sprintf("c.add x%d, x%d", rd, rs2), cAdd(rd, rs2))
		}
	case 4, 5, 6, 7:
		f3 := []uint32{2, 3, 6, 7}[r.IntN(4)]
		var off uint32
		if f3 == 2 || f3 == 6 {
			off = uint32(r.IntN(32)) * 4
		} else {
			off = uint32(r.IntN(32)) * 8
		}
		rdp := g.rdc()
		name := map[uint32]string{2: "c.lw", 3: "c.ld", 6: "c.sw", 7: "c.sd"}[f3]
		g.fixed(fmt.Sprintf("%s x%d, %d(x8)", name, rdp, off), cLS(f3, rdp, rCB, off))
	case 8:
		rd, off := g.rd(), uint32(r.IntN(64))*8
		if rd == 0 {
			rd = 13
		}
		g.fixed(fmt.Sprintf("c.ldsp x%d, %d(sp)", rd, off), cLdsp(rd, off))
	case 9:
		rs2, off := g.rs(), uint32(r.IntN(64))*8
		g.fixed(fmt.Sprintf("c.sdsp x%d, %d(sp)", rs2, off), cSdsp(rs2, off))
	}
}

// setConst sets x[rd] to v, one of divEdges, without lui+addi fusion.
func (g *gen) setConst(rd uint32, v uint64) {
	switch v {
	case 1 << 63:
		g.fixed32(fmt.Sprintf("addi x%d, x0, 1", rd), addi(rd, 0, 1))
		g.fixed32(fmt.Sprintf("slli x%d, x%d, 63", rd, rd), itype(63, rd, 1, rd, opOpImm))
	case 1 << 32:
		g.fixed32(fmt.Sprintf("addi x%d, x0, 1", rd), addi(rd, 0, 1))
		g.fixed32(fmt.Sprintf("slli x%d, x%d, 32", rd, rd), itype(32, rd, 1, rd, opOpImm))
	case 0xffffffff:
		g.fixed32(fmt.Sprintf("addi x%d, x0, -1", rd), addi(rd, 0, -1))
		g.fixed32(fmt.Sprintf("srli x%d, x%d, 32", rd, rd), itype(32, rd, 5, rd, opOpImm))
	case 0xffffffff80000000:
		g.fixed32(fmt.Sprintf("lui x%d, 0x80000", rd), lui(rd, 0x80000))
	default:
		g.fixed32(fmt.Sprintf("addi x%d, x0, %d", rd, int64(v)), addi(rd, 0, int32(v)))
	}
}

// divEdges are the operands where RISC-V's division differs from a plain
// host divide: zero, -1 and the most negative values (64- and 32-bit),
// and 1<<32 and 0xffffffff, which are 0 and -1 only in their low word.
var divEdges = []uint64{0, ^uint64(0), 1 << 63, 0xffffffff80000000, 1 << 32, 0xffffffff, 7, ^uint64(6)}

var divKinds = []uint16{kDIV, kDIVU, kREM, kREMU, kDIVW, kDIVUW, kREMW, kREMUW}

// extra emits instructions translated since the JIT's first version:
// division with edge operands, FP loads and stores, AMOs and LR/SC
// (sometimes misaligned or faulting), and the FP CSRs.
func (g *gen) extra() {
	r := g.r
	switch r.IntN(5) {
	case 4:
		g.fpCSR()
	case 3:
		g.lrsc()
	case 0:
		rd, rs1, rs2 := g.rd(), g.rd(), g.rd()
		if r.IntN(2) == 0 {
			g.setConst(rs1, divEdges[r.IntN(len(divEdges))])
		}
		if r.IntN(4) != 0 {
			g.setConst(rs2, divEdges[r.IntN(len(divEdges))])
		}
		k := divKinds[r.IntN(len(divKinds))]
		for _, o := range diffROps {
			if o.kind == k {
				g.fixed32(fmt.Sprintf("%s x%d, x%d, x%d", o.name, rd, rs1, rs2), rtype(o.f7, rs2, rs1, o.f3, rd, o.oc))
			}
		}
	case 1:
		size, f3, name := int32(4), uint32(2), "w"
		if r.IntN(2) == 0 {
			size, f3, name = 8, 3, "d"
		}
		store := r.IntN(2) == 0
		base, off := g.memBase(size, store)
		f := uint32(r.IntN(8))
		if store {
			g.fixed32(fmt.Sprintf("fs%s f%d, %d(x%d)", name, f, off, base), stype(off, f, base, f3, 0x27))
		} else {
			g.fixed32(fmt.Sprintf("fl%s f%d, %d(x%d)", name, f, off, base), itype(off, base, f3, f, 0x07))
		}
	case 2:
		ops := []struct {
			name string
			f5   uint32
		}{{"amoadd", 0}, {"amoswap", 1}, {"amoxor", 4}, {"amoor", 8}, {"amoand", 0xc},
			{"amomin", 0x10}, {"amomax", 0x14}, {"amominu", 0x18}, {"amomaxu", 0x1c}}
		o := ops[r.IntN(len(ops))]
		size, f3, sfx := int32(4), uint32(2), "w"
		if r.IntN(2) == 0 {
			size, f3, sfx = 8, 3, "d"
		}
		base, off := g.memBase(size, true)
		if !g.faults || r.IntN(4) != 0 {
			off &^= size - 1
		}
		t := g.rd()
		for t == 0 && !g.faults {
			t = g.rd()
		}
		g.fixed32(fmt.Sprintf("addi x%d, x%d, %d", t, base, off), addi(t, base, off))
		rd, rs2 := g.rd(), g.rs()
		g.fixed32(fmt.Sprintf("%s.%s x%d, x%d, (x%d)", o.name, sfx, rd, rs2, t), amo(o.f5, rs2, t, f3, rd))
	}
}

// lrsc emits an LR and an SC around a few instructions: to the same
// address or another, of the same width or not, sometimes with a store to
// the reserved word in between (the SC's compare-and-swap then fails),
// sometimes one without the other (an SC with no reservation fails; a
// lone LR leaves one for a later SC, perhaps in the next loop iteration);
// misaligned or faulting in fault-hunting programs.
func (g *gen) lrsc() {
	r := g.r
	width := func() (int32, uint32, string) {
		if r.IntN(2) == 0 {
			return 8, 3, "d"
		}
		return 4, 2, "w"
	}
	// addr sets a fresh register to an address for a size-byte LR/SC
	// and returns it.
	addr := func(size int32, store bool) uint32 {
		base, off := g.memBase(size, store)
		if !g.faults || r.IntN(4) != 0 {
			off &^= size - 1
		}
		t := g.rd()
		for t == 0 && !g.faults {
			t = g.rd()
		}
		g.fixed32(fmt.Sprintf("addi x%d, x%d, %d", t, base, off), addi(t, base, off))
		return t
	}
	mode := r.IntN(9)
	size, f3, sfx := width()
	var t, rd uint32
	if mode != 7 { // 7: an SC without an LR before it here
		t = addr(size, true)
		rd = g.rd()
		for rd == t && !g.faults {
			rd = g.rd()
		}
		g.fixed32(fmt.Sprintf("lr.%s x%d, (x%d)", sfx, rd, t), amo(2, 0, t, f3, rd))
		if mode == 6 { // no SC: the reservation stays
			return
		}
		if r.IntN(2) == 0 {
			// What a lock does with the value: a new value to store.
			d := g.rd()
			g.fixed32(fmt.Sprintf("addi x%d, x%d, 1", d, rd), addi(d, rd, 1))
		}
	}
	switch mode {
	case 0, 1, 2:
	case 3:
		// A store to the reserved word changes its value (most of the
		// time): the SC fails.
		v := g.rs()
		g.fixed32(fmt.Sprintf("sd x%d, 0(x%d)", v, t), stype(0, v, t, 3, opStore))
	case 4:
		for range 1 + r.IntN(3) {
			g.insn()
		}
	case 5:
		size, f3, sfx = width() // maybe the other width
	case 8:
		// Another address holding the reserved value: only the
		// reservation's address makes the SC fail.
		t2 := g.rd()
		for (t2 == rd || t2 == 0) && !g.faults {
			t2 = g.rd()
		}
		base, off := g.memBase(size, true)
		off &^= size - 1
		g.fixed32(fmt.Sprintf("addi x%d, x%d, %d", t2, base, off), addi(t2, base, off))
		g.fixed32(fmt.Sprintf("s%s x%d, 0(x%d)", sfx, rd, t2), stype(0, rd, t2, f3, opStore))
		t = t2
	default:
		t = addr(size, true) // another address, maybe the same
	}
	rd, rs2 := g.rd(), g.rs()
	g.fixed32(fmt.Sprintf("sc.%s x%d, x%d, (x%d)", sfx, rd, rs2, t), amo(3, rs2, t, f3, rd))
}

// fpCSR emits a CSR instruction of any of the six kinds on fflags, frm
// or fcsr, with a register or immediate source, sometimes x0 or 0 (a set
// or clear that does not write).
func (g *gen) fpCSR() {
	r := g.r
	csrs := []struct {
		num  int32
		name string
	}{{csrFflags, "fflags"}, {csrFrm, "frm"}, {csrFcsr, "fcsr"}}
	c := csrs[r.IntN(len(csrs))]
	f3 := []uint32{1, 2, 3, 5, 6, 7}[r.IntN(6)]
	name := map[uint32]string{1: "csrrw", 2: "csrrs", 3: "csrrc", 5: "csrrwi", 6: "csrrsi", 7: "csrrci"}[f3]
	rd, src := g.rd(), g.rs()
	if f3 >= 5 {
		src = uint32(r.IntN(32))
	}
	if r.IntN(4) == 0 {
		src = 0
	}
	g.fixed32(fmt.Sprintf("%s x%d, %s, %d", name, rd, c.name, src), itype(c.num, src, f3, rd, 0x73))
}

// untranslated emits an instruction the JIT leaves to the interpreter.
func (g *gen) untranslated() {
	r := g.r
	switch r.IntN(7) {
	case 0:
		// RMM has no x86 rounding mode (but in conversions to an
		// integer).
		rs := g.rs()
		f := uint32(r.IntN(4))
		g.fixed32(fmt.Sprintf("fcvt.d.l f%d, x%d, rmm", f, rs), rtype(0x69, 2, rs, 4, f, opFP))
	case 1:
		fd, f1, f2 := uint32(r.IntN(4)), uint32(r.IntN(4)), uint32(r.IntN(4))
		g.fixed32(fmt.Sprintf("fadd.d f%d, f%d, f%d, rmm", fd, f1, f2), rtype(0x01, f2, f1, 4, fd, opFP))
	case 2:
		fd, f1 := uint32(r.IntN(4)), uint32(r.IntN(4))
		g.fixed32(fmt.Sprintf("fsqrt.s f%d, f%d, rmm", fd, f1), rtype(0x2c, 0, f1, 4, fd, opFP))
	case 3:
		// Sets fflags in the interpreter, which translated code then
		// reads and adds to.
		fd, f := uint32(r.IntN(4)), uint32(r.IntN(4))
		g.fixed32(fmt.Sprintf("fcvt.s.d f%d, f%d, rmm", fd, f), rtype(0x20, 1, f, 4, fd, opFP))
	case 4:
		rd, rs2 := g.rd(), g.rs()
		g.fixed32(fmt.Sprintf("amoadd.d x%d, x%d, (x2)", rd, rs2), amo(0, rs2, rB0, 3, rd))
	case 5:
		rd, rs2 := g.rd(), g.rs()
		g.fixed32(fmt.Sprintf("amoswap.w x%d, x%d, (x3)", rd, rs2), amo(1, rs2, rB1, 2, rd))
	case 6:
		if r.IntN(4) == 0 {
			g.fixed32("fence.i", 0x0000100f)
		} else {
			rd, rs1, rs2 := g.rd(), g.rs(), g.rs()
			g.fixed32(fmt.Sprintf("div x%d, x%d, x%d", rd, rs1, rs2), rtype(1, rs2, rs1, 4, rd, opOp))
		}
	}
}

// branch emits a forward branch; targets are filled in by resolve.
func (g *gen) branch() {
	r := g.r
	switch r.IntN(6) {
	case 0:
		if g.compress {
			g.add(item{kind: iCBZ, f3: uint32(r.IntN(2)), rs1: 8 + uint32(r.IntN(8)), target: -1})
			return
		}
		fallthrough
	case 1, 2, 3:
		g.add(item{kind: iBranch, f3: branchF3[r.IntN(len(branchF3))], rs1: g.rs(), rs2: g.rs(), target: -1})
	case 4:
		rd := uint32(0)
		if r.IntN(3) == 0 {
			rd = g.rd()
		}
		g.add(item{kind: iJal, rd: rd, target: -1})
	case 5:
		if g.compress {
			g.add(item{kind: iCJ, target: -1})
		} else {
			g.add(item{kind: iJal, target: -1})
		}
	}
}

// indirect emits a jump through x7 to a later item (filled in by resolve).
func (g *gen) indirect() {
	r := g.r
	it := item{kind: iIndir, target: -1}
	switch r.IntN(4) {
	case 0:
		if g.compress {
			it.imm = -1000 // c.jr x7
			break
		}
		fallthrough
	case 1:
		it.imm = int32(r.IntN(64)) - 32
		it.extra = int32(r.IntN(2)) // an odd sum: jalr clears bit 0
	case 2:
		it.rd = g.rd()
		it.imm = int32(r.IntN(16)) * 2
	case 3:
		it.rd = rInd // link into the register read
	}
	g.add(it)
}

// call emits a call of the subroutine.
func (g *gen) call() {
	r := g.r
	switch r.IntN(3) {
	case 0:
		g.add(item{kind: iJal, rd: rLink, target: -2})
	case 1:
		g.fixed32("jalr ra, 0(x6)", jalr(rLink, rSub, 0))
	case 2:
		if g.compress {
			g.fixed("c.jalr x6", cJalr(rSub))
		} else {
			g.fixed32("jalr ra, 0(x6)", jalr(rLink, rSub, 0))
		}
	}
}

// body emits n items of straight-line code with forward branches.
func (g *gen) body(n int, ctl bool) {
	for i := 0; i < n; i++ {
		k := g.r.IntN(100)
		switch {
		case ctl && k < 10:
			g.branch()
		case ctl && !g.straight && !g.inSub && k < 14:
			g.indirect()
		case ctl && !g.straight && !g.inSub && k < 17:
			g.call()
		default:
			g.insn()
		}
	}
}

// loop emits a counted loop.
func (g *gen) loop() {
	r := g.r
	n := int32(1 + r.IntN(20))
	if g.longLoops && r.IntN(5) == 0 {
		n = 1000
	}
	g.add(item{kind: iFixed, words: w32(addi(rCnt, 0, n)), text: fmt.Sprintf("li x5, %d", n), keep: true})
	outer := g.region
	g.nRegions++
	g.region = g.nRegions
	start := len(g.p.items)
	g.body(1+r.IntN(12), true)
	if start == len(g.p.items) {
		g.insn()
	}
	if g.compress && r.IntN(2) == 0 {
		g.add(item{kind: iFixed, words: []uint16{cAddi(rCnt, -1)}, text: "c.addi x5, -1", keep: true})
	} else {
		g.add(item{kind: iFixed, words: w32(addi(rCnt, rCnt, -1)), text: "addi x5, x5, -1", keep: true})
	}
	g.add(item{kind: iBranch, f3: 1, rs1: rCnt, rs2: 0, target: start, keep: true, noTgt: true})
	g.region = outer
}

// resolve picks forward targets: the next few items in the same region or
// at top level, never into a loop from outside it.
func (p *program) resolve(r *rand.Rand, sub int) {
	for i := range p.items {
		it := &p.items[i]
		switch it.target {
		case -2:
			it.target = sub
			continue
		case -1:
		default:
			continue
		}
		maxDist := 40
		if it.kind == iCBZ {
			maxDist = 16 // ±256 bytes
		}
		var cands []int
		for j := i + 1; j < len(p.items) && j <= i+maxDist; j++ {
			rj := p.items[j].region
			if rj == it.region || rj == 0 && it.region >= 0 {
				if p.items[j].noTgt {
					continue
				}
				cands = append(cands, j)
			}
		}
		it.target = cands[r.IntN(len(cands))]
	}
}

// genProgram makes a random program from seed.
func genProgram(seed uint64) *program {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	p := &program{seed: seed}
	g := &gen{r: r, p: p}
	g.faults = r.IntN(5) == 0
	g.straight = r.IntN(6) == 0
	g.untrans = r.IntN(3) != 0
	g.compress = r.IntN(4) != 0
	g.longLoops = r.IntN(4) == 0
	if r.IntN(4) == 0 {
		p.start = 0x1000 - 2*uint64(1+r.IntN(0x100)) // straddle a page
	} else {
		p.start = 2 * uint64(r.IntN(16))
	}
	for i := range p.x {
		p.x[i] = g.value()
	}
	p.x[0] = 0
	g.fpHeavy = r.IntN(2) == 0
	for i := range p.f {
		p.f[i] = g.fpValue()
	}
	p.fcsr = uint32(r.IntN(5))<<5 | uint32(r.IntN(32))
	if r.IntN(2) == 0 {
		p.fcsr &= 0x1f // RNE: the common mode
	}
	p.x[rB0], p.x[rB1], p.x[rBEnd], p.x[rCB] = b0Addr, b1Addr, bEndAddr, cbAddr
	p.data = make([]byte, dataSize)
	for i := 0; i < dataSize; i += 8 {
		binary.LittleEndian.PutUint64(p.data[i:], g.value())
	}

	// Main: a few segments of straight code and loops.
	segs := 1 + r.IntN(5)
	for s := 0; s < segs; s++ {
		if !g.straight && r.IntN(2) == 0 {
			g.loop()
		} else {
			g.body(r.IntN(40), !g.straight || r.IntN(2) == 0)
		}
	}
	if g.faults && r.IntN(8) == 0 {
		// An illegal instruction or a breakpoint.
		if r.IntN(2) == 0 {
			g.fixed("c.unimp", 0)
		} else {
			g.fixed32("ebreak", 0x00100073)
		}
	}
	g.add(item{kind: iFixed, words: w32(insnEcall), text: "ecall", keep: true})
	// The subroutine, in a region of its own.
	g.nRegions++
	g.region = g.nRegions
	g.inSub = true
	sub := len(p.items)
	g.add(item{kind: iLabel, keep: true})
	g.body(r.IntN(10), true)
	if g.compress && r.IntN(2) == 0 {
		g.add(item{kind: iFixed, words: []uint16{cJr(rLink)}, text: "c.jr ra", keep: true})
	} else {
		g.add(item{kind: iFixed, words: w32(jalr(0, rLink, 0)), text: "ret", keep: true})
	}
	// The label is a branch barrier for resolve, so it needs a region
	// of its own that nothing branches into.
	p.items[sub].region = -1
	p.resolve(r, sub)
	return p
}

// ---- Running ----

type outcome struct {
	ev   platform.Event
	regs arch.Regs
	fp   []byte
	data []byte
	res  reservation
}

// reservation is the LR reservation a program leaves behind, which
// translated code keeps in the same cpu fields as the interpreter.
type reservation struct {
	addr, val uint64
	valid     bool
}

func (o *outcome) diff(w *outcome) string {
	var s strings.Builder
	if o.ev != w.ev {
		fmt.Fprintf(&s, "event %+v, interpreter %+v\n", o.ev, w.ev)
	}
	if o.regs.RISCV64.PC != w.regs.RISCV64.PC {
		fmt.Fprintf(&s, "pc %#x, interpreter %#x\n", o.regs.RISCV64.PC, w.regs.RISCV64.PC)
	}
	for i := range 32 {
		if a, b := o.regs.RISCV64.X[i], w.regs.RISCV64.X[i]; a != b {
			fmt.Fprintf(&s, "x%d = %#x, interpreter %#x\n", i, a, b)
		}
	}
	if o.res != w.res {
		fmt.Fprintf(&s, "reservation %+v, interpreter %+v\n", o.res, w.res)
	}
	if !bytes.Equal(o.fp, w.fp) {
		for i := 0; i+8 <= len(o.fp); i += 8 {
			if a, b := binary.LittleEndian.Uint64(o.fp[i:]), binary.LittleEndian.Uint64(w.fp[i:]); a != b {
				fmt.Fprintf(&s, "f%d = %#x, interpreter %#x\n", i/8, a, b)
			}
		}
		if a, b := binary.LittleEndian.Uint32(o.fp[8*32:]), binary.LittleEndian.Uint32(w.fp[8*32:]); a != b {
			fmt.Fprintf(&s, "fcsr = %#x, interpreter %#x\n", a, b)
		}
	}
	if !bytes.Equal(o.data, w.data) {
		for i := range o.data {
			if o.data[i] != w.data[i] {
				fmt.Fprintf(&s, "data first differs at %#x: %#x, interpreter %#x\n", dataBase+i, o.data[i], w.data[i])
				break
			}
		}
	}
	return s.String()
}

// install writes p's code and data into m and drops m's translations.
func (m *machine) install(p *program) {
	code, _ := p.assemble()
	clear(m.data[codeOff : codeOff+0x3000])
	copy(m.data[codeOff+int(p.start):], code)
	m.as.MapFile(codeBase, 0x10000, codeOff, platform.Perms{Read: true, Execute: true})
}

// runProgram runs p (installed) from its initial state.
func (m *machine) runProgram(p *program) *outcome {
	m.t.Helper()
	m.setData(p.data)
	fp := make([]byte, arch.RISCV64FPStateSize)
	for i, v := range p.f {
		binary.LittleEndian.PutUint64(fp[8*i:], v)
	}
	binary.LittleEndian.PutUint32(fp[8*32:], p.fcsr)
	if err := m.ctx.SetFPState(fp); err != nil {
		m.t.Fatal(err)
	}
	_, addr := p.assemble()
	var o outcome
	o.regs.Arch = arch.RISCV64
	o.regs.RISCV64.X = p.x
	o.regs.RISCV64.X[rSub] = p.subAddr(addr)
	o.regs.RISCV64.PC = codeBase + p.start
	c := &m.ctx.cpu
	c.resAddr, c.resVal, c.resValid = 0, 0, false
	// A runaway program is interrupted rather than hanging the test.
	timer := time.AfterFunc(20*time.Second, m.ctx.Interrupt)
	ev, err := m.ctx.Switch(&o.regs)
	timer.Stop()
	if err != nil {
		m.t.Fatal(err)
	}
	o.ev = ev
	o.fp, _ = m.ctx.FPState()
	o.data = m.getData()
	o.res = reservation{c.resAddr, c.resVal, c.resValid}
	return &o
}

// differs runs p on both machines and describes any difference. With
// again, the JIT machine runs it a second time on its cached translations.
func differs(jm, im *machine, p *program, again bool) (string, *outcome) {
	jm.install(p)
	im.install(p)
	want := im.runProgram(p)
	got := jm.runProgram(p)
	if d := got.diff(want); d != "" {
		return d, want
	}
	if want.ev.Kind == platform.EventInterrupted {
		return "the program did not finish", want
	}
	if again {
		got = jm.runProgram(p)
		if d := got.diff(want); d != "" {
			return "second run (cached translations):\n" + d, want
		}
	}
	return "", want
}

// minimise removes items while the difference remains.
func minimise(jm, im *machine, p *program, again bool) *program {
	cur := p
	for changed := true; changed; {
		changed = false
		for i := len(cur.items) - 1; i >= 0; i-- {
			if cur.items[i].keep {
				continue
			}
			q := cur.without(i)
			if d, _ := differs(jm, im, q, again); d != "" {
				cur, changed = q, true
			}
		}
	}
	return cur
}

// without is p without item i; jumps to it go to the item after.
func (p *program) without(i int) *program {
	q := *p
	q.items = make([]item, 0, len(p.items)-1)
	for j, it := range p.items {
		if j == i {
			continue
		}
		if it.kind != iFixed && it.kind != iLabel && it.target > i {
			it.target--
		}
		q.items = append(q.items, it)
	}
	return &q
}

func TestJITMatchesInterpreter(t *testing.T) {
	jm, im := newMachineJIT(t, true), newMachineJIT(t, false)
	n := 5000
	if testing.Short() {
		n = 500
	}
	// RISCV_JITDIFF_N=count[,first] runs other programs for a longer hunt.
	first := 0
	if v := os.Getenv("RISCV_JITDIFF_N"); v != "" {
		if _, err := fmt.Sscanf(strings.ReplaceAll(v, ",", " "), "%d %d", &n, &first); err != nil && n == 0 {
			t.Fatalf("RISCV_JITDIFF_N=%q: %v", v, err)
		}
	}
	kinds := map[platform.EventKind]int{}
	for i := first; i < first+n; i++ {
		seed := uint64(i)*0x100000001b3 + 1
		p := genProgram(seed)
		again := i%4 == 0
		d, want := differs(jm, im, p, again)
		if d != "" {
			t.Errorf("program %d differs (JIT vs interpreter):\n%s\nprogram:\n%v", i, d, p)
			q := minimise(jm, im, p, again)
			d, _ := differs(jm, im, q, again)
			t.Errorf("minimised:\n%s\nprogram:\n%v", d, q)
			break
		}
		kinds[want.ev.Kind]++
	}
	if jm.ctx.cpu.jit == nil || im.ctx.cpu.jit != nil {
		t.Fatalf("translator on the JIT machine: %v, on the interpreter: %v", jm.ctx.cpu.jit != nil, im.ctx.cpu.jit != nil)
	}
	t.Logf("%d programs; final events: %v", n, kinds)
	if !t.Failed() && kinds[platform.EventSyscall] < n/2 || kinds[platform.EventFault] == 0 {
		t.Errorf("too few programs end at the ecall or fault: %v", kinds)
	}
}

// TestDiffEncoders checks the test's encoders decode to what they claim.
func TestDiffEncoders(t *testing.T) {
	for _, o := range diffROps {
		if d := decode32(rtype(o.f7, 3, 2, o.f3, 1, o.oc), 0); d.kind != o.kind {
			t.Errorf("%s decodes as kind %d, want %d", o.name, d.kind, o.kind)
		}
	}
	for _, o := range diffIOps {
		if d := decode32(itype(o.hi, 2, o.f3, 1, o.oc), 0); d.kind != o.kind {
			t.Errorf("%s decodes as kind %d, want %d", o.name, d.kind, o.kind)
		}
	}
	for _, o := range diffMemOps {
		var w uint32
		if o.store {
			w = stype(-8, 1, 2, o.f3, opStore)
		} else {
			w = itype(-8, 2, o.f3, 1, opLoad)
		}
		if d := decode32(w, 0); d.kind != o.kind || d.imm != -8 {
			t.Errorf("%s decodes as %+v, want kind %d", o.name, d, o.kind)
		}
	}
	const pc = 0x1000
	c16 := []struct {
		name string
		c    uint16
		full uint32
	}{
		{"c.addi a0,-1", cAddi(10, -1), addi(10, 10, -1)},
		{"c.addi x5,31", cAddi(5, 31), addi(5, 5, 31)},
		{"c.li a0,-32", cLi(10, -32), addi(10, 0, -32)},
		{"c.mv a0,a1", cMv(10, 11), rtype(0, 11, 0, 0, 10, opOp)},
		{"c.add a0,a1", cAdd(10, 11), rtype(0, 11, 10, 0, 10, opOp)},
		{"c.jr ra", cJr(1), jalr(0, 1, 0)},
		{"c.jalr x6", cJalr(6), jalr(1, 6, 0)},
		{"c.lw a0,4(a1)", cLS(2, 10, 11, 4), itype(4, 11, 2, 10, opLoad)},
		{"c.lw a0,124(s0)", cLS(2, 10, 8, 124), itype(124, 8, 2, 10, opLoad)},
		{"c.ld a0,8(a1)", cLS(3, 10, 11, 8), itype(8, 11, 3, 10, opLoad)},
		{"c.ld a5,248(s0)", cLS(3, 15, 8, 248), itype(248, 8, 3, 15, opLoad)},
		{"c.sw a0,68(s0)", cLS(6, 10, 8, 68), stype(68, 10, 8, 2, opStore)},
		{"c.sd a0,8(a1)", cLS(7, 10, 11, 8), stype(8, 10, 11, 3, opStore)},
		{"c.sd a2,200(s0)", cLS(7, 12, 8, 200), stype(200, 12, 8, 3, opStore)},
		{"c.ldsp a0,8(sp)", cLdsp(10, 8), itype(8, 2, 3, 10, opLoad)},
		{"c.ldsp t3,504(sp)", cLdsp(28, 504), itype(504, 2, 3, 28, opLoad)},
		{"c.sdsp a0,8(sp)", cSdsp(10, 8), stype(8, 10, 2, 3, opStore)},
		{"c.sdsp t3,488(sp)", cSdsp(28, 488), stype(488, 28, 2, 3, opStore)},
	}
	for _, tc := range c16 {
		got, want := norm(decode16(uint32(tc.c), pc)), norm(decode32(tc.full, pc))
		want.len = 2
		if got != want {
			t.Errorf("%s: %04x decodes to %+v, want %+v", tc.name, tc.c, got, want)
		}
	}
	for _, off := range []int32{2, -2, 0x7fe, -0x800, 0x2a4, -0x156} {
		if o := decode16(uint32(cJ(off)), pc); o.kind != kJAL || o.imm != pc+int64(off) || o.rd != sink {
			t.Errorf("c.j %d decodes to %+v", off, o)
		}
	}
	for _, off := range []int32{2, -2, 0xfe, -0x100, 0x56, -0xaa} {
		for _, nz := range []bool{false, true} {
			k := kBEQ
			if nz {
				k = kBNE
			}
			if o := decode16(uint32(cBz(nz, 9, off)), pc); o.kind != k || o.imm != pc+int64(off) || o.rs1 != 9 {
				t.Errorf("c.b(nz=%v) %d decodes to %+v", nz, off, o)
			}
		}
	}
	if d := decode32(amo(0, 3, 2, 3, 1), 0); d.kind != kAMOADDD {
		t.Errorf("amoadd.d decodes as %d", d.kind)
	}
	if d := decode32(amo(1, 3, 2, 2, 1), 0); d.kind != kAMOSWAPW {
		t.Errorf("amoswap.w decodes as %d", d.kind)
	}
	if d := decode32(0x0000100f, 0); d.kind != kFENCEI {
		t.Errorf("fence.i decodes as %d", d.kind)
	}
}

// patience bounds every wait in the tests below: generous, so that a
// loaded machine never fails them, and no speed is asserted.
const patience = 30 * time.Second

// TestJITLongLoopInterruptAndGC: a loop that would run for ages under the
// translator leaves Switch with EventInterrupted when another goroutine
// calls Interrupt, lets a concurrent runtime.GC (which stops the world)
// complete while it runs, and resumes where it stopped.
func TestJITLongLoopInterruptAndGC(t *testing.T) {
	for _, jit := range []bool{true, false} {
		t.Run(fmt.Sprintf("jit=%v", jit), func(t *testing.T) {
			m := newMachineJIT(t, jit)
			const s0, cnt = 2, 5
			m.load(
				addi(cnt, cnt, -1),
				sd(cnt, s0, 0),       // progress, visible to the test
				btype(-8, 0, cnt, 1), // bnez cnt, loop
			)
			progress := func() uint64 {
				return binary.LittleEndian.Uint64(m.data[dataFileOff(0)+0x800:])
			}
			const iters = 1 << 62 // never finishes: only Interrupt ends it
			regs := arch.Regs{Arch: arch.RISCV64}
			regs.RISCV64.PC = codeBase
			regs.RISCV64.X[s0] = b0Addr
			regs.RISCV64.X[cnt] = iters
			for round := 0; round < 2; round++ {
				start := regs.RISCV64.X[cnt]
				done := make(chan platform.Event, 1)
				go func() {
					ev, err := m.ctx.Switch(&regs)
					if err != nil {
						t.Error(err)
					}
					done <- ev
				}()
				// fail stops the guest (if it still heeds Interrupt)
				// before failing, so that cleanup does not unmap
				// memory under it.
				fail := func(format string, args ...any) {
					t.Helper()
					m.ctx.Interrupt()
					select {
					case <-done:
					case <-time.After(patience):
					}
					t.Fatalf(format, args...)
				}
				// Wait until the loop has run a while.
				deadline := time.Now().Add(patience)
				for v := progress(); v == 0 || start-v < 1000; v = progress() {
					if time.Now().After(deadline) {
						fail("round %d: the loop made no progress in %v (counter %#x)", round, patience, v)
					}
					time.Sleep(time.Millisecond)
				}
				gcDone := make(chan struct{})
				go func() {
					runtime.GC()
					runtime.GC()
					close(gcDone)
				}()
				select {
				case <-gcDone:
				case <-time.After(patience):
					fail("round %d: runtime.GC did not complete in %v while the guest looped", round, patience)
				}
				// Still looping after the GC.
				before := progress()
				deadline = time.Now().Add(patience)
				for progress() == before {
					if time.Now().After(deadline) {
						fail("round %d: the loop stopped after the GC", round)
					}
					time.Sleep(time.Millisecond)
				}
				m.ctx.Interrupt()
				select {
				case ev := <-done:
					if ev.Kind != platform.EventInterrupted {
						t.Fatalf("round %d: Switch returned %+v, want EventInterrupted", round, ev)
					}
				case <-time.After(patience):
					t.Fatalf("round %d: Switch did not return in %v after Interrupt", round, patience)
				}
				pc, x := regs.RISCV64.PC, regs.RISCV64.X[cnt]
				if pc < codeBase || pc >= codeBase+12 || x >= start || x == 0 {
					t.Fatalf("round %d: stopped at pc %#x with counter %#x (was %#x)", round, pc, x, start)
				}
				t.Logf("round %d: %d iterations", round, start-x)
			}
			if jit && (m.ctx.cpu.jit == nil || len(m.ctx.cpu.jit.blocks) == 0) {
				t.Fatal("the loop was not translated")
			}
		})
	}
}

// TestJITSelfModifyingCodeAfterFenceI: code rewritten in place (through
// the memory file, as another mapping of it would) runs once the guest
// executes fence.i, though the old code was translated and chained
// (direct calls) and in the indirect-jump table (jalr).
func TestJITSelfModifyingCodeAfterFenceI(t *testing.T) {
	for _, jit := range []bool{true, false} {
		t.Run(fmt.Sprintf("jit=%v", jit), func(t *testing.T) {
			m := newMachineJIT(t, jit)
			const ra, fn, a0, a1, a2, s1 = 1, 6, 10, 11, 12, 9
			const target = 0x800
			// main: fence.i; a2 = 1 (rewritten); then a loop calling
			// the target directly and through fn; ecall.
			m.load(
				0x0000100f,             // 0x00 fence.i
				addi(a2, 0, 1),         // 0x04 rewritten to a2 = 2
				addi(s1, 0, 3),         // 0x08
				jal(ra, target-0x0c),   // 0x0c loop: call target
				addi(a1, a0, 0),        // 0x10
				jalr(ra, fn, 0),        // 0x14 call target through fn
				addi(s1, s1, -1),       // 0x18
				btype(-0x10, 0, s1, 1), // 0x1c bnez s1, loop
			)
			put := func(off int, insns ...uint32) {
				for i, w := range insns {
					binary.LittleEndian.PutUint32(m.data[codeOff+off+4*i:], w)
				}
			}
			put(target, addi(a0, 0, 1), jalr(0, ra, 0))
			run := func(want uint64) {
				t.Helper()
				var regs arch.Regs
				regs.RISCV64.X[fn] = codeBase + target
				if ev := m.run(&regs); ev.Kind != platform.EventSyscall {
					t.Fatalf("stopped with %+v at pc %#x", ev, regs.RISCV64.PC)
				}
				x := regs.RISCV64.X
				if x[a0] != want || x[a1] != want || x[a2] != want {
					t.Fatalf("a0 (indirect call) %d, a1 (direct call) %d, a2 (after fence.i) %d; want all %d", x[a0], x[a1], x[a2], want)
				}
			}
			for range 3 {
				run(1)
			}
			if jit && (m.ctx.cpu.jit == nil || len(m.ctx.cpu.jit.blocks) == 0) {
				t.Fatal("nothing was translated")
			}
			// Rewrite without any mapping change: only fence.i tells.
			put(4, addi(a2, 0, 2))
			put(target, addi(a0, 0, 2))
			run(2)
			run(2)
			put(4, addi(a2, 0, 3))
			put(target, addi(a0, 0, 3))
			run(3)
		})
	}
}

// TestJITJumpTableCollision: two call targets 8 KiB apart share a slot of
// the indirect-jump table; calling them alternately must always reach the
// right one.
func TestJITJumpTableCollision(t *testing.T) {
	const ra, cnt, fa, fb, a0, a1 = 1, 5, 6, 7, 10, 11
	const ta, tb = 0x100, 0x100 + 2*jitTabSize // same slot: (pc>>1) % jitTabSize
	for _, jit := range []bool{true, false} {
		m := newMachineJIT(t, jit)
		m.load(
			addi(cnt, 0, 1000),
			jalr(ra, fa, 0), // loop
			jalr(ra, fb, 0),
			addi(cnt, cnt, -1),
			btype(-12, 0, cnt, 1),
		)
		put := func(off int, insns ...uint32) {
			for i, w := range insns {
				binary.LittleEndian.PutUint32(m.data[codeOff+off+4*i:], w)
			}
		}
		put(ta, addi(a0, a0, 1), jalr(0, ra, 0))
		put(tb, addi(a1, a1, 3), jalr(0, ra, 0))
		var regs arch.Regs
		regs.RISCV64.X[fa], regs.RISCV64.X[fb] = codeBase+ta, codeBase+tb
		if ev := m.run(&regs); ev.Kind != platform.EventSyscall {
			t.Fatalf("jit=%v: stopped with %+v at pc %#x", jit, ev, regs.RISCV64.PC)
		}
		if x := regs.RISCV64.X; x[a0] != 1000 || x[a1] != 3000 {
			t.Errorf("jit=%v: a0 = %d, a1 = %d; want 1000, 3000", jit, x[a0], x[a1])
		}
	}
}

// TestJITRegionRefill: with a code region only a little larger than one
// block's bound, translation empties and refills it again and again
// (dropping chained jumps and table entries into emptied code), and the
// results still match the interpreter's.
func TestJITRegionRefill(t *testing.T) {
	jm, im := newMachineJIT(t, true), newMachineJIT(t, false)
	jm.exec(nil) // creates the translator
	j := jm.ctx.cpu.jit
	if j == nil {
		t.Fatal("no translator on the JIT machine")
	}
	j.code = j.code[:jitMaxBlock+2048]
	n := 400
	if testing.Short() {
		n = 50
	}
	for i := 0; i < n; i++ {
		p := genProgram(uint64(i)*0x9e3779b97f4a7c15 + 7)
		if d, _ := differs(jm, im, p, true); d != "" {
			t.Fatalf("program %d differs (JIT vs interpreter) with a small code region:\n%s\nprogram:\n%v", i, d, p)
		}
	}
	if j.refills == 0 {
		t.Fatalf("the small region never filled up")
	}
	t.Logf("%d programs, region refilled %d times", n, j.refills)
}

// TestJITRunsLRSCLoopsInTranslatedCode: a lock-like loop of lr/sc pairs
// (both widths, as glibc's atomics are) runs in translated code: it
// leaves for the interpreter a bounded number of times however many
// iterations it makes, and its counters come out as the interpreter's.
func TestJITRunsLRSCLoopsInTranslatedCode(t *testing.T) {
	const t0, t1, a1, a3 = 5, 6, 11, 13
	const iters = 20000
	for _, jit := range []bool{true, false} {
		t.Run(fmt.Sprintf("jit=%v", jit), func(t *testing.T) {
			m := newMachineJIT(t, jit)
			m.load(
				amo(2, 0, a1, 3, t0),   // 0x00 lr.d t0, (a1)
				addi(t0, t0, 1),        // 0x04
				amo(3, t0, a1, 3, t1),  // 0x08 sc.d t1, t0, (a1)
				btype(-12, 0, t1, 1),   // 0x0c bnez t1, 0x00
				addi(t0, a1, 8),        // 0x10
				amo(2, 0, t0, 2, t1),   // 0x14 lr.w t1, (t0)
				addi(t1, t1, -1),       // 0x18
				amo(3, t1, t0, 2, t1),  // 0x1c sc.w t1, t1, (t0)
				btype(-12, 0, t1, 1),   // 0x20 bnez t1, 0x14
				addi(a3, a3, -1),       // 0x24
				btype(-0x28, 0, a3, 1), // 0x28 bnez a3, 0x00
			)
			var regs arch.Regs
			regs.RISCV64.X[a1] = b0Addr
			regs.RISCV64.X[a3] = iters
			m.setData(make([]byte, dataSize))
			if ev := m.run(&regs); ev.Kind != platform.EventSyscall {
				t.Fatalf("stopped with %+v at pc %#x", ev, regs.RISCV64.PC)
			}
			d := m.getData()
			off := b0Addr - dataBase
			if got := binary.LittleEndian.Uint64(d[off:]); got != iters {
				t.Errorf("64-bit counter %d, want %d", got, iters)
			}
			if got := int32(binary.LittleEndian.Uint32(d[off+8:])); got != -iters {
				t.Errorf("32-bit counter %d, want %d", got, -iters)
			}
			if !jit {
				return
			}
			// The TLB's first fills and the final ecall; a translated
			// lr/sc would exit four times an iteration.
			if s := m.ctx.cpu.jit.steps; s > 16 {
				t.Errorf("translated code left for the interpreter %d times in %d iterations", s, iters)
			}
		})
	}
}

// TestJITRunsFPCSRsInTranslatedCode: a loop reading and writing frm,
// fflags and fcsr (as glibc's fenv functions and printf's rounding do)
// runs in translated code and leaves the values the ISA says.
func TestJITRunsFPCSRsInTranslatedCode(t *testing.T) {
	const t0, t1, t2, a3 = 5, 6, 7, 13
	const iters = 20000
	csr := func(f3, rd, src uint32, num int32) uint32 { return itype(num, src, f3, rd, 0x73) }
	for _, jit := range []bool{true, false} {
		t.Run(fmt.Sprintf("jit=%v", jit), func(t *testing.T) {
			m := newMachineJIT(t, jit)
			m.load(
				csr(5, 0, 3, csrFrm),       // 0x00 csrwi frm, 3
				csr(6, 0, 0x15, csrFflags), // 0x04 csrsi fflags, 0x15
				csr(7, 0, 0x04, csrFflags), // 0x08 csrci fflags, 0x04
				csr(2, t0, 0, csrFcsr),     // 0x0c csrr t0, fcsr
				csr(1, t1, t0, csrFcsr),    // 0x10 csrrw t1, fcsr, t0
				csr(2, t2, 0, csrFrm),      // 0x14 csrr t2, frm
				csr(5, 0, 0, csrFcsr),      // 0x18 csrwi fcsr, 0
				addi(a3, a3, -1),           // 0x1c
				btype(-0x20, 0, a3, 1),     // 0x20 bnez a3, 0x00
				csr(7, t2, 0, csrFrm),      // 0x24 csrrci t2, frm, 0: t2 = frm (0)
			)
			var regs arch.Regs
			regs.RISCV64.X[a3] = iters
			if ev := m.run(&regs); ev.Kind != platform.EventSyscall {
				t.Fatalf("stopped with %+v at pc %#x", ev, regs.RISCV64.PC)
			}
			x := regs.RISCV64.X
			if x[t0] != 3<<5|0x11 || x[t1] != 3<<5|0x11 || x[t2] != 0 || m.ctx.cpu.fcsr != 0 {
				t.Errorf("t0 %#x, t1 %#x (want %#x), t2 %d (want 0), fcsr %#x (want 0)", x[t0], x[t1], 3<<5|0x11, x[t2], m.ctx.cpu.fcsr)
			}
			if jit {
				if s := m.ctx.cpu.jit.steps; s > 16 {
					t.Errorf("translated code left for the interpreter %d times in %d iterations", s, iters)
				}
			}
		})
	}
}
