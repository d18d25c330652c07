package riscv

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

// Instruction encoders for tests.
func rtype(f7, rs2, rs1, f3, rd, opc uint32) uint32 {
	return f7<<25 | rs2<<20 | rs1<<15 | f3<<12 | rd<<7 | opc
}
func itype(imm int32, rs1, f3, rd, opc uint32) uint32 {
	return uint32(imm)<<20 | rs1<<15 | f3<<12 | rd<<7 | opc
}
func stype(imm int32, rs2, rs1, f3, opc uint32) uint32 {
	u := uint32(imm)
	return (u>>5)<<25 | rs2<<20 | rs1<<15 | f3<<12 | (u&31)<<7 | opc
}
func r4type(rs3, fmt, rs2, rs1, rm, rd, opc uint32) uint32 {
	return rs3<<27 | fmt<<25 | rs2<<20 | rs1<<15 | rm<<12 | rd<<7 | opc
}

const (
	insnEcall = 0x00000073
	opOp      = 0x33
	opOpImm   = 0x13
	opOp32    = 0x3b
	opFP      = 0x53
	opAMO     = 0x2f
	opLoad    = 0x03
	opStore   = 0x23
)

func addi(rd, rs1 uint32, imm int32) uint32 { return itype(imm, rs1, 0, rd, opOpImm) }
func csrrw(rd, csr, rs1 uint32) uint32      { return itype(int32(csr), rs1, 1, rd, 0x73) }
func csrrs(rd, csr, rs1 uint32) uint32      { return itype(int32(csr), rs1, 2, rd, 0x73) }

// machine is a test address space: code at codeBase, data at dataBase,
// backed by a small memfd.
type machine struct {
	t    *testing.T
	p    *Platform
	as   *addressSpace
	ctx  *context
	data []byte // the test's own mapping of the memfd
}

const (
	codeBase = 0x10000
	dataBase = 0x20000
	memSize  = 1 << 20
	codeOff  = 0
	dataOff  = 0x10000
)

func newMachine(t *testing.T) *machine {
	t.Helper()
	m := newBareMachine(t, true)
	if err := m.as.MapFile(dataBase, 0x10000, dataOff, platform.Perms{Read: true, Write: true}); err != nil {
		t.Fatal(err)
	}
	return m
}

// newBareMachine is a machine with its code mapped and no data, with the
// translator on or off.
func newBareMachine(t *testing.T, jit bool) *machine {
	t.Helper()
	fd, err := unix.MemfdCreate("riscv-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Ftruncate(fd, memSize); err != nil {
		t.Fatal(err)
	}
	data, err := unix.Mmap(fd, 0, memSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(data) })
	p := New()
	p.SetJIT(jit)
	t.Cleanup(func() { p.Close() })
	as, ctx, err := p.NewAddressSpace(fd)
	if err != nil {
		t.Fatal(err)
	}
	m := &machine{t: t, p: p, as: as.(*addressSpace), ctx: ctx.(*context), data: data}
	if err := as.MapFile(codeBase, 0x10000, codeOff, platform.Perms{Read: true, Execute: true}); err != nil {
		t.Fatal(err)
	}
	return m
}

// load writes 32-bit instructions at codeBase followed by ecall.
func (m *machine) load(code ...uint32) {
	for i, c := range append(code, insnEcall) {
		binary.LittleEndian.PutUint32(m.data[codeOff+4*i:], c)
	}
	m.as.MapFile(codeBase, 0x10000, codeOff, platform.Perms{Read: true, Execute: true}) // drop decoded code
}

// run runs from codeBase with regs until an event.
func (m *machine) run(r *arch.Regs) platform.Event {
	m.t.Helper()
	r.Arch = arch.RISCV64
	if r.RISCV64.PC == 0 {
		r.RISCV64.PC = codeBase
	}
	ev, err := m.ctx.Switch(r)
	if err != nil {
		m.t.Fatal(err)
	}
	return ev
}

// exec runs code with the integer registers given and returns the
// registers at the final ecall.
func (m *machine) exec(x map[int]uint64, code ...uint32) arch.Regs {
	m.t.Helper()
	m.load(code...)
	var r arch.Regs
	for k, v := range x {
		r.RISCV64.X[k] = v
	}
	ev := m.run(&r)
	if ev.Kind != platform.EventSyscall {
		m.t.Fatalf("stopped with %+v at pc %#x, want the final ecall", ev, r.RISCV64.PC)
	}
	return r
}
