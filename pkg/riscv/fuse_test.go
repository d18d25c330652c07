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
