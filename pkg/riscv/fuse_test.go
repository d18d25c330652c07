package riscv

import (
	"encoding/binary"
	"testing"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

func auipc(rd uint32, hi int32) uint32 { return uint32(hi)<<12 | rd<<7 | 0x17 }
func lui(rd uint32, hi int32) uint32   { return uint32(hi)<<12 | rd<<7 | 0x37 }
func jalr(rd, rs1 uint32, imm int32) uint32 {
	return itype(imm, rs1, 0, rd, 0x67)
}
func ld(rd, rs1 uint32, imm int32) uint32 { return itype(imm, rs1, 3, rd, opLoad) }

// TestFusedPairs: the pairs fuse.go turns into one op leave exactly the
// registers the two instructions do, and pairs that must not fuse
// (different registers, auipc to x0) still run as two.
func TestFusedPairs(t *testing.T) {
	const a0, a1, ra = 10, 11, 1
	dataAt := uint64(dataBase + 0x100)
	tests := []struct {
		name string
		code []uint32
		want map[int]uint64
	}{
		{"auipc+addi", []uint32{auipc(a0, 1), addi(a0, a0, -4)}, map[int]uint64{a0: codeBase + 0x1000 - 4}},
		{"lui+addi", []uint32{lui(a0, 0x12345), addi(a0, a0, 0x678)}, map[int]uint64{a0: 0x12345678}},
		{"lui+addiw sign-extends", []uint32{lui(a0, 0x7ffff), itype(0x7ff, a0, 0, a0, 0x1b)}, map[int]uint64{a0: 0x7ffff7ff}},
		{"lui+addiw wraps", []uint32{lui(a0, 0x80000), itype(-1, a0, 0, a0, 0x1b)}, map[int]uint64{a0: 0x7fffffff}},
		{"auipc+ld", []uint32{auipc(a0, int32((dataAt-codeBase)>>12)), ld(a0, a0, int32(dataAt-codeBase)&0xfff)}, map[int]uint64{a0: 0x1122334455667788}},
		{"different registers do not fuse", []uint32{auipc(a0, 1), addi(a1, a0, 4)}, map[int]uint64{a0: codeBase + 0x1000, a1: codeBase + 0x1004}},
		{"lui;lui do not fuse", []uint32{lui(a0, 1), lui(a1, 2)}, map[int]uint64{a0: 0x1000, a1: 0x2000}},
		{"auipc;auipc do not fuse", []uint32{auipc(a0, 1), auipc(a1, 1)}, map[int]uint64{a0: codeBase + 0x1000, a1: codeBase + 0x1004}},
		{"auipc to x0", []uint32{auipc(0, 1), addi(a0, 0, 3)}, map[int]uint64{0: 0, a0: 3}},
		{"auipc+jalr call", []uint32{auipc(ra, 0), jalr(ra, ra, 12), addi(a0, 0, 1), addi(a1, 0, 2)}, map[int]uint64{ra: codeBase + 8, a0: 0, a1: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newMachine(t)
			binary.LittleEndian.PutUint64(m.data[dataOff+0x100:], 0x1122334455667788)
			r := m.exec(nil, tc.code...)
			for reg, v := range tc.want {
				if got := r.RISCV64.X[reg]; got != v {
					t.Errorf("x%d = %#x, want %#x", reg, got, v)
				}
			}
		})
	}
}

// TestFusedLoadFault: a fused auipc+ld that faults reports the ld's pc
// with the auipc already done, like the unfused pair.
func TestFusedLoadFault(t *testing.T) {
	m := newMachine(t)
	const a0 = 10
	m.load(auipc(a0, 0x100), ld(a0, a0, 8)) // codeBase + 0x100000: unmapped
	var r arch.Regs
	ev := m.run(&r)
	if ev.Kind != platform.EventFault || ev.Addr != codeBase+0x100008 {
		t.Fatalf("event %+v, want a fault at %#x", ev, codeBase+0x100008)
	}
	if r.RISCV64.PC != codeBase+4 || r.RISCV64.X[a0] != codeBase+0x100000 {
		t.Fatalf("pc %#x a0 %#x, want pc %#x (the ld) and a0 %#x (auipc done)", r.RISCV64.PC, r.RISCV64.X[a0], codeBase+4, codeBase+0x100000)
	}
}

func jal(rd uint32, off int32) uint32 {
	u := uint32(off)
	return (u>>20&1)<<31 | (u>>1&0x3ff)<<21 | (u>>11&1)<<20 | (u>>12&0xff)<<12 | rd<<7 | 0x6f
}

// TestJumpIntoFusedPair: after a pair ran fused, a jump to its second
// instruction runs that instruction alone.
func TestJumpIntoFusedPair(t *testing.T) {
	m := newMachine(t)
	const a0, a1 = 10, 11
	r := m.exec(nil,
		lui(a0, 0x12345),    // 0: fused with 4
		addi(a0, a0, 1),     // 4
		btype(12, 0, a1, 1), // 8: bne a1, x0, 20
		addi(a1, 0, 1),      // 12
		jal(0, -12),         // 16: j 4
	)
	if r.RISCV64.X[a0] != 0x12345002 {
		t.Fatalf("a0 = %#x, want 0x12345002 (the pair, then the addi alone)", r.RISCV64.X[a0])
	}
}

func sd(rs2, rs1 uint32, imm int32) uint32 { return stype(imm, rs2, rs1, 3, opStore) }
func add(rd, rs1, rs2 uint32) uint32       { return rtype(0, rs2, rs1, 0, rd, opOp) }

// TestFusedRuns: two instructions of one kind run fused in order, the
// second seeing the first's result, exactly as unfused.
func TestFusedRuns(t *testing.T) {
	const a0, a1, a2, a3 = 10, 11, 12, 13
	tests := []struct {
		name string
		x    map[int]uint64
		code []uint32
		want map[int]uint64
		mem  map[uint64]uint64 // offset in the data area -> value
	}{
		{"ld;ld dependent", map[int]uint64{a1: dataBase}, []uint32{ld(a0, a1, 0x100), ld(a2, a0, 8)},
			map[int]uint64{a0: dataBase + 0x200, a2: 0x77}, nil},
		{"ld;ld negative offsets", map[int]uint64{a1: dataBase + 0x208}, []uint32{ld(a0, a1, 0), ld(a2, a1, -0x108)},
			map[int]uint64{a0: 0x77, a2: dataBase + 0x200}, nil},
		{"sd;sd", map[int]uint64{a1: dataBase, a0: 5, a2: 6}, []uint32{sd(a0, a1, 0x300), sd(a2, a1, -0x10+0x318)},
			nil, map[uint64]uint64{0x300: 5, 0x308: 6}},
		{"sd;sd same slot keeps the second", map[int]uint64{a1: dataBase, a0: 5, a2: 6}, []uint32{sd(a0, a1, 0x300), sd(a2, a1, 0x300)},
			nil, map[uint64]uint64{0x300: 6}},
		{"mv;mv in order", map[int]uint64{a0: 1, a1: 2}, []uint32{add(a0, 0, a1), add(a1, 0, a0)},
			map[int]uint64{a0: 2, a1: 2}, nil},
		{"add;add", map[int]uint64{a0: 1, a1: 2, a2: 3}, []uint32{add(a3, a0, a1), add(a0, a3, a2)},
			map[int]uint64{a3: 3, a0: 6}, nil},
		{"addi;addi", map[int]uint64{a0: 10}, []uint32{addi(a0, a0, -1), addi(a1, a0, 2047)},
			map[int]uint64{a0: 9, a1: 2056}, nil},
		{"addi;addi to x0", map[int]uint64{a0: 10}, []uint32{addi(0, a0, 1), addi(a1, 0, -2048)},
			map[int]uint64{0: 0, a1: uint64(1<<64 - 2048)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newMachine(t)
			binary.LittleEndian.PutUint64(m.data[dataOff+0x100:], dataBase+0x200)
			binary.LittleEndian.PutUint64(m.data[dataOff+0x208:], 0x77)
			r := m.exec(tc.x, tc.code...)
			for reg, v := range tc.want {
				if got := r.RISCV64.X[reg]; got != v {
					t.Errorf("x%d = %#x, want %#x", reg, got, v)
				}
			}
			for off, v := range tc.mem {
				if got := binary.LittleEndian.Uint64(m.data[dataOff+off:]); got != v {
					t.Errorf("mem[%#x] = %#x, want %#x", off, got, v)
				}
			}
		})
	}
}

// TestFusedRunFaults: a fault in the second instruction of a fused run
// reports its pc, with the first instruction's effect done; a fault in the
// first reports the first's pc with nothing done.
func TestFusedRunFaults(t *testing.T) {
	const a0, a1, a2, a3 = 10, 11, 12, 13
	tests := []struct {
		name   string
		code   []uint32
		pc     uint64
		addr   uint64
		a0     uint64
		stored uint64 // at data offset 0x300
	}{
		{"ld2 second", []uint32{ld(a0, a1, 0x100), ld(a2, a3, 0)}, codeBase + 4, dataBase + 0x10000, dataBase + 0x200, 0},
		{"ld2 first", []uint32{ld(a0, a3, 0), ld(a2, a1, 0x100)}, codeBase, dataBase + 0x10000, 99, 0},
		{"sd2 second", []uint32{sd(a2, a1, 0x300), sd(a2, a3, 0)}, codeBase + 4, dataBase + 0x10000, 99, 7},
		{"sd2 first", []uint32{sd(a2, a3, 0), sd(a2, a1, 0x300)}, codeBase, dataBase + 0x10000, 99, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newMachine(t)
			binary.LittleEndian.PutUint64(m.data[dataOff+0x100:], dataBase+0x200)
			m.load(tc.code...)
			var r arch.Regs
			r.RISCV64.X[a0], r.RISCV64.X[a1], r.RISCV64.X[a2], r.RISCV64.X[a3] = 99, dataBase, 7, dataBase+0x10000
			ev := m.run(&r)
			if ev.Kind != platform.EventFault || ev.Addr != tc.addr || r.RISCV64.PC != tc.pc {
				t.Fatalf("event %+v at pc %#x, want a fault at %#x, pc %#x", ev, r.RISCV64.PC, tc.addr, tc.pc)
			}
			if r.RISCV64.X[a0] != tc.a0 {
				t.Errorf("a0 = %#x, want %#x", r.RISCV64.X[a0], tc.a0)
			}
			if got := binary.LittleEndian.Uint64(m.data[dataOff+0x300:]); got != tc.stored {
				t.Errorf("mem[0x300] = %d, want %d", got, tc.stored)
			}
		})
	}
}
