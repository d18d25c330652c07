package riscv

import (
	"testing"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

func TestIntegerOps(t *testing.T) {
	m := newMachine(t)
	const a, b = 10, 11 // a0 = result, a1/a2 operands
	neg := func(v int64) uint64 { return uint64(v) }
	tests := []struct {
		name   string
		insn   uint32
		x1, x2 uint64
		want   uint64
	}{
		{"add", rtype(0, 12, 11, 0, a, opOp), 5, 7, 12},
		{"sub wraps", rtype(0x20, 12, 11, 0, a, opOp), 0, 1, ^uint64(0)},
		{"sll uses 6 bits", rtype(0, 12, 11, 1, a, opOp), 1, 65, 2},
		{"slt signed", rtype(0, 12, 11, 2, a, opOp), neg(-1), 0, 1},
		{"sltu unsigned", rtype(0, 12, 11, 3, a, opOp), neg(-1), 0, 0},
		{"sra", rtype(0x20, 12, 11, 5, a, opOp), neg(-16), 2, neg(-4)},
		{"addw sign-extends", rtype(0, 12, 11, 0, a, opOp32), 0x7fffffff, 1, neg(-0x80000000)},
		{"srlw", rtype(0, 12, 11, 5, a, opOp32), 0xffffffff80000000, 31, 1},
		{"sraw", rtype(0x20, 12, 11, 5, a, opOp32), 0x80000000, 31, ^uint64(0)},
		{"mul", rtype(1, 12, 11, 0, a, opOp), 3, neg(-4), neg(-12)},
		{"mulh", rtype(1, 12, 11, 1, a, opOp), neg(-1), neg(-1), 0},
		{"mulhsu", rtype(1, 12, 11, 2, a, opOp), neg(-1), ^uint64(0), ^uint64(0)},
		{"mulhu", rtype(1, 12, 11, 3, a, opOp), ^uint64(0), ^uint64(0), ^uint64(0) - 1},
		{"div by zero", rtype(1, 12, 11, 4, a, opOp), 7, 0, ^uint64(0)},
		{"div overflow", rtype(1, 12, 11, 4, a, opOp), 1 << 63, neg(-1), 1 << 63},
		{"divu by zero", rtype(1, 12, 11, 5, a, opOp), 7, 0, ^uint64(0)},
		{"rem by zero", rtype(1, 12, 11, 6, a, opOp), neg(-7), 0, neg(-7)},
		{"rem overflow", rtype(1, 12, 11, 6, a, opOp), 1 << 63, neg(-1), 0},
		{"rem sign of dividend", rtype(1, 12, 11, 6, a, opOp), neg(-7), 2, neg(-1)},
		{"remu by zero", rtype(1, 12, 11, 7, a, opOp), 7, 0, 7},
		{"divw overflow", rtype(1, 12, 11, 4, a, opOp32), 0x80000000, neg(-1), neg(-0x80000000)},
		{"divuw by zero", rtype(1, 12, 11, 5, a, opOp32), 5, 0, ^uint64(0)},
		{"remw by zero", rtype(1, 12, 11, 6, a, opOp32), 0xfffffff9, 0, neg(-7)},
		{"remuw", rtype(1, 12, 11, 7, a, opOp32), 0xffffffff, 10, 5},
		{"mulw", rtype(1, 12, 11, 0, a, opOp32), 0x10000, 0x10000, 0},
		{"sh2add", rtype(0x10, 12, 11, 4, a, opOp), 3, 1, 13},
		{"add.uw", rtype(0x04, 12, 11, 0, a, opOp32), 0xffffffff00000001, 1, 2},
		{"andn", rtype(0x20, 12, 11, 7, a, opOp), 0xff, 0x0f, 0xf0},
		{"min", rtype(0x05, 12, 11, 4, a, opOp), neg(-1), 1, neg(-1)},
		{"maxu", rtype(0x05, 12, 11, 7, a, opOp), neg(-1), 1, neg(-1)},
		{"ror", rtype(0x30, 12, 11, 5, a, opOp), 1, 1, 1 << 63},
		{"rolw", rtype(0x30, 12, 11, 1, a, opOp32), 0x80000000, 1, 1},
		{"clz", itype(0x600, 11, 1, a, opOpImm), 1, 0, 63},
		{"ctzw of 0", itype(0x601, 11, 1, a, 0x1b), 0, 0, 32},
		{"cpop", itype(0x602, 11, 1, a, opOpImm), 0xff00ff, 0, 16},
		{"sext.b", itype(0x604, 11, 1, a, opOpImm), 0x80, 0, neg(-128)},
		{"orc.b", itype(0x287, 11, 5, a, opOpImm), 0x0100000000002000, 0, 0xff0000000000ff00},
		{"rev8", itype(0x6b8, 11, 5, a, opOpImm), 0x0102030405060708, 0, 0x0807060504030201},
		{"srai", itype(0x400|3, 11, 5, a, opOpImm), neg(-8), 0, neg(-1)},
		{"sltiu -1 is max", itype(-1, 11, 3, a, opOpImm), 5, 0, 1},
		{"write to x0 is dropped", rtype(0, 12, 11, 0, 0, opOp), 1, 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := m.exec(map[int]uint64{11: tc.x1, 12: tc.x2}, tc.insn)
			if got := r.RISCV64.X[a]; got != tc.want {
				t.Errorf("a0 = %#x, want %#x", got, tc.want)
			}
			if r.RISCV64.X[0] != 0 {
				t.Errorf("x0 = %#x", r.RISCV64.X[0])
			}
		})
	}
	_ = b
}

func TestLoadsStoresAndFaults(t *testing.T) {
	m := newMachine(t)
	// sd a1, 8(a2); lw a0, 12(a2); lbu a3, 15(a2); lh a4, 14(a2)
	r := m.exec(map[int]uint64{11: 0x8000000180000002, 12: dataBase},
		stype(8, 11, 12, 3, opStore), itype(12, 12, 2, 10, opLoad), itype(15, 12, 4, 13, opLoad), itype(14, 12, 1, 14, opLoad))
	if x := r.RISCV64.X; x[10] != 0xffffffff80000001 || x[13] != 0x80 || x[14] != 0xffffffffffff8000 {
		t.Errorf("loads gave a0=%#x a3=%#x a4=%#x", x[10], x[13], x[14])
	}
	// A misaligned access across a page boundary still works (Linux
	// emulates it); one that runs off the mapping faults at the first
	// unmapped byte's page with pc at the load.
	r = m.exec(map[int]uint64{11: 0x1122334455667788, 12: dataBase + 0x1000 - 3},
		stype(0, 11, 12, 3, opStore), itype(0, 12, 3, 10, opLoad))
	if r.RISCV64.X[10] != 0x1122334455667788 {
		t.Errorf("cross-page load = %#x", r.RISCV64.X[10])
	}
	m.load(itype(0, 12, 3, 10, opLoad))
	var regs arch.Regs
	regs.RISCV64.X[12] = dataBase + 0x10000 - 4
	ev := m.run(&regs)
	if ev.Kind != platform.EventFault || ev.Signo != 11 || ev.Code != segvMapErr || ev.Addr != dataBase+0x10000 || regs.RISCV64.PC != codeBase {
		t.Errorf("off-the-end load: %+v pc %#x", ev, regs.RISCV64.PC)
	}
	// A store to read-only code is SEGV_ACCERR.
	m.load(stype(0, 11, 12, 2, opStore))
	regs = arch.Regs{}
	regs.RISCV64.X[12] = codeBase
	ev = m.run(&regs)
	if ev.Kind != platform.EventFault || ev.Code != segvAccErr || ev.Addr != codeBase {
		t.Errorf("store to code: %+v", ev)
	}
}

func TestIllegalAndBreak(t *testing.T) {
	m := newMachine(t)
	m.load(addi(10, 0, 1), 0xffffffff)
	var r arch.Regs
	ev := m.run(&r)
	if ev.Kind != platform.EventSignal || ev.Signo != 4 || ev.Code != illIllOpc || ev.Addr != codeBase+4 || r.RISCV64.PC != codeBase+4 {
		t.Errorf("illegal: %+v pc %#x", ev, r.RISCV64.PC)
	}
	if r.RISCV64.X[10] != 1 {
		t.Errorf("instruction before the illegal one did not run")
	}
	m.load(0x00100073) // ebreak
	r = arch.Regs{}
	if ev := m.run(&r); ev.Kind != platform.EventSignal || ev.Signo != 5 || ev.Addr != codeBase {
		t.Errorf("ebreak: %+v", ev)
	}
	// Jumping to a non-executable page is a fault at the target.
	m.load(itype(0, 11, 0, 0, 0x67)) // jalr x0, 0(a1)
	r = arch.Regs{}
	r.RISCV64.X[11] = dataBase
	if ev := m.run(&r); ev.Kind != platform.EventFault || ev.Addr != dataBase || r.RISCV64.PC != dataBase {
		t.Errorf("exec of data: %+v pc %#x", ev, r.RISCV64.PC)
	}
}

func TestEcallAdvancesPC(t *testing.T) {
	m := newMachine(t)
	m.load(addi(17, 0, 64))
	var r arch.Regs
	if ev := m.run(&r); ev.Kind != platform.EventSyscall || r.RISCV64.PC != codeBase+8 || r.SyscallNo() != 64 {
		t.Errorf("ecall: %+v pc %#x nr %d", ev, r.RISCV64.PC, r.SyscallNo())
	}
}

// TestCompressedMatchesExpansion checks RVC instructions against the
// 32-bit instruction each one expands to.
func TestCompressedMatchesExpansion(t *testing.T) {
	const pc = 0x1000
	tests := []struct {
		name string
		c    uint16
		full uint32
	}{
		{"c.addi4spn a0,sp,16", 0x0808, addi(10, 2, 16)},
		{"c.lw a0,4(a1)", 0x41c8, itype(4, 11, 2, 10, opLoad)},
		{"c.ld a0,8(a1)", 0x6588, itype(8, 11, 3, 10, opLoad)},
		{"c.sd a0,8(a1)", 0xe588, stype(8, 10, 11, 3, opStore)},
		{"c.addi a0,-1", 0x157d, addi(10, 10, -1)},
		{"c.li a0,-32", 0x5501, addi(10, 0, -32)},
		{"c.lui a0,0xfffe1", 0x7505, 0xfffe1537},
		{"c.addi16sp sp,-64", 0x7139, addi(2, 2, -64)},
		{"c.srli a0,3", 0x810d, itype(3, 10, 5, 10, opOpImm)},
		{"c.srai a0,63", 0x957d, itype(0x400|63, 10, 5, 10, opOpImm)},
		{"c.andi a0,-1", 0x997d, itype(-1, 10, 7, 10, opOpImm)},
		{"c.sub a0,a1", 0x8d0d, rtype(0x20, 11, 10, 0, 10, opOp)},
		{"c.addw a0,a1", 0x9d2d, rtype(0, 11, 10, 0, 10, opOp32)},
		{"c.slli a0,32", 0x1502, itype(32, 10, 1, 10, opOpImm)},
		{"c.ldsp a0,8(sp)", 0x6522, itype(8, 2, 3, 10, opLoad)},
		{"c.sdsp a0,8(sp)", 0xe42a, stype(8, 10, 2, 3, opStore)},
		{"c.mv a0,a1", 0x852e, rtype(0, 11, 0, 0, 10, opOp)},
		{"c.add a0,a1", 0x952e, rtype(0, 11, 10, 0, 10, opOp)},
		{"c.jr ra", 0x8082, itype(0, 1, 0, 0, 0x67)},
		{"c.jalr a0", 0x9502, itype(0, 10, 0, 1, 0x67)},
		{"c.fld fa0,8(a1)", 0x2588, itype(8, 11, 3, 10, 0x07)},
		{"c.fsdsp fa0,8(sp)", 0xa42a, stype(8, 10, 2, 3, 0x27)},
	}
	for _, tc := range tests {
		got, want := norm(decode16(uint32(tc.c), pc)), norm(decode32(tc.full, pc))
		want.len = 2
		if got != want {
			t.Errorf("%s: %04x decodes to %+v, want %+v", tc.name, tc.c, got, want)
		}
	}
	if o := decode16(0xa001, pc); o.kind != kJAL || o.imm != pc || o.rd != sink { // c.j .
		t.Errorf("c.j . decodes to %+v", o)
	}
	if o := decode16(0, pc); o.kind != kIllegal {
		t.Errorf("the all-zero parcel decodes as %d, want illegal", o.kind)
	}
}

// norm clears the register fields an instruction kind does not use, so
// decodings can be compared.
func norm(o op) op {
	switch {
	case o.kind >= kLB && o.kind <= kLWU, o.kind >= kADDI && o.kind <= kSRAI, o.kind >= kADDIW && o.kind <= kSRAIW,
		o.kind == kJALR, o.kind == kFLW, o.kind == kFLD:
		o.rs2 = 0
	case o.kind >= kSB && o.kind <= kSD, o.kind == kFSW, o.kind == kFSD, o.kind >= kBEQ && o.kind <= kBGEU:
		o.rd = 0
	case o.kind == kLUI || o.kind == kAUIPC || o.kind == kJAL:
		o.rs1, o.rs2 = 0, 0
	}
	return o
}
