package riscv

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

// context is one application thread (hart).
type context struct {
	as  *addressSpace
	cpu cpu

	// poke makes run return at the next taken branch; set by Interrupt,
	// by mapping changes and by Release.
	poke      atomic.Uint32
	interrupt atomic.Bool
	dead      atomic.Bool

	// inGuest is set while the thread may use its TLBs and decoded
	// code, and seen is the generation they were valid for when it
	// last entered guest code (shootdown.go).
	inGuest atomic.Bool
	seen    atomic.Uint64
}

var (
	_ platform.Context      = (*context)(nil)
	_ platform.FPUContext   = (*context)(nil)
	_ platform.InlineRunner = (*context)(nil)
)

// RunsOnCallingThread marks the interpreter as running guest code on the
// task's own OS thread (platform.InlineRunner).
func (c *context) RunsOnCallingThread() {}

// Switch runs the thread from regs until its next ecall, fault, illegal
// instruction, breakpoint or Interrupt, and saves its registers to regs.
func (c *context) Switch(regs *arch.Regs) (platform.Event, error) {
	if regs.Arch != arch.RISCV64 {
		return platform.Event{}, fmt.Errorf("riscv: Switch with %v registers on the riscv64 platform", regs.Arch)
	}
	cpu := &c.cpu
	copy(cpu.x[:32], regs.RISCV64.X[:])
	cpu.x[0] = 0
	cpu.pc = regs.RISCV64.PC
	defer func() {
		copy(regs.RISCV64.X[:], cpu.x[:32])
		regs.RISCV64.X[0] = 0
		regs.RISCV64.PC = cpu.pc
	}()
	for {
		c.poke.Store(0)
		if c.dead.Load() {
			return platform.Event{}, platform.ErrDead
		}
		if c.interrupt.Swap(false) {
			return platform.Event{Kind: platform.EventInterrupted}, nil
		}
		// inGuest before the generation is read: a mapping change
		// that does not see it set has bumped the generation before
		// this load (shootdown.go).
		c.inGuest.Store(true)
		if g := c.as.gen.Load(); g != cpu.gen {
			cpu.flushCaches()
			cpu.gen = g
		}
		c.seen.Store(cpu.gen)
		st := c.exec()
		c.inGuest.Store(false)
		switch st {
		case stopSyscall:
			return platform.Event{Kind: platform.EventSyscall}, nil
		case stopFault:
			return platform.Event{Kind: platform.EventFault, Signo: int(unix.SIGSEGV), Code: cpu.faultCode, Addr: cpu.faultAddr}, nil
		case stopMisalign:
			return platform.Event{Kind: platform.EventFault, Signo: int(unix.SIGBUS), Code: busAdrAln, Addr: cpu.faultAddr}, nil
		case stopIllegal:
			return platform.Event{Kind: platform.EventSignal, Signo: int(unix.SIGILL), Code: illIllOpc, Addr: cpu.pc}, nil
		case stopBreak:
			return platform.Event{Kind: platform.EventSignal, Signo: int(unix.SIGTRAP), Code: trapBrkpt, Addr: cpu.pc}, nil
		case stopPoke:
		}
	}
}

// Interrupt makes a running Switch return EventInterrupted at its next
// taken branch, or the next Switch return at once.
func (c *context) Interrupt() {
	c.interrupt.Store(true)
	c.poke.Store(1)
}

// Release ends this thread.
func (c *context) Release() {
	c.dead.Store(true)
	as := c.as
	as.mu.Lock()
	delete(as.threads, c)
	as.mu.Unlock()
}

// FPState returns the floating-point registers in the layout of Linux's
// struct __riscv_d_ext_state: f0..f31 (8 bytes each), then fcsr (4 bytes).
func (c *context) FPState() ([]byte, error) {
	b := make([]byte, arch.RISCV64FPStateSize)
	for i := 0; i < 32; i++ {
		binary.LittleEndian.PutUint64(b[8*i:], c.cpu.f[i])
	}
	binary.LittleEndian.PutUint32(b[256:], c.cpu.fcsr)
	return b, nil
}

// SetFPState loads registers in FPState's layout. fcsr bits above frm and
// fflags are reserved: they are dropped.
func (c *context) SetFPState(b []byte) error {
	if len(b) < arch.RISCV64FPStateSize {
		return fmt.Errorf("riscv: FP state of %d bytes, want %d: %w", len(b), arch.RISCV64FPStateSize, unix.EINVAL)
	}
	for i := 0; i < 32; i++ {
		c.cpu.f[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	c.cpu.fcsr = binary.LittleEndian.Uint32(b[256:]) & 0xff
	return nil
}
