// Package arch holds per-architecture facts and no behaviour: syscall
// numbers of amd64 and riscv64 mapped to one neutral set (generated from
// golang.org/x/sys/unix, see sysno_gen.go), the register ABI, and later the
// signal-frame layouts, the struct layouts of riscv64 that gVisor's
// abi/linux (built for the host) does not have (stat_generic.go), auxv and
// TLS register, and each syscall's kind
// (memory, files, network... kind.go) for views
// that group calls.
//
// Invariants: nothing here depends on the host or on kernel state; every
// value is a pure function of the architecture. Safe for concurrent use.
package arch

import "fmt"

// Arch is an application architecture.
type Arch int

const (
	AMD64 Arch = iota
	RISCV64
)

func (a Arch) String() string {
	switch a {
	case AMD64:
		return "amd64"
	case RISCV64:
		return "riscv64"
	}
	return fmt.Sprintf("Arch(%d)", int(a))
}

// AMD64Regs has the layout of Linux's struct user_regs_struct on amd64,
// which is what PTRACE_GETREGS/SETREGS transfer.
type AMD64Regs struct {
	R15, R14, R13, R12, Rbp, Rbx, R11, R10, R9, R8, Rax, Rcx, Rdx, Rsi, Rdi uint64
	OrigRax, Rip, Cs, Eflags, Rsp, Ss, FsBase, GsBase, Ds, Es, Fs, Gs       uint64
}

// RISCV64Regs are the integer registers and pc of a riscv64 hart; X[0] is
// always zero.
type RISCV64Regs struct {
	X  [32]uint64
	PC uint64
}

// Regs is the register state of one application thread. Only the field of
// Arch is meaningful.
type Regs struct {
	Arch    Arch
	AMD64   AMD64Regs
	RISCV64 RISCV64Regs
}

// SyscallNo is the number of the syscall the thread is stopped at.
func (r *Regs) SyscallNo() uint64 {
	if r.Arch == RISCV64 {
		return r.RISCV64.X[17] // a7
	}
	return r.AMD64.OrigRax
}

// SyscallArgs are the six syscall arguments.
func (r *Regs) SyscallArgs() [6]uint64 {
	if r.Arch == RISCV64 {
		x := &r.RISCV64.X
		return [6]uint64{x[10], x[11], x[12], x[13], x[14], x[15]}
	}
	g := &r.AMD64
	return [6]uint64{g.Rdi, g.Rsi, g.Rdx, g.R10, g.R8, g.R9}
}

// SetReturn stores a syscall result (a value, or -errno).
func (r *Regs) SetReturn(v uint64) {
	if r.Arch == RISCV64 {
		r.RISCV64.X[10] = v
		return
	}
	r.AMD64.Rax = v
}

// Return is the current value of the syscall result register.
func (r *Regs) Return() uint64 {
	if r.Arch == RISCV64 {
		return r.RISCV64.X[10]
	}
	return r.AMD64.Rax
}

// IP is the instruction pointer.
func (r *Regs) IP() uint64 {
	if r.Arch == RISCV64 {
		return r.RISCV64.PC
	}
	return r.AMD64.Rip
}

// SetIP sets the instruction pointer.
func (r *Regs) SetIP(v uint64) {
	if r.Arch == RISCV64 {
		r.RISCV64.PC = v
		return
	}
	r.AMD64.Rip = v
}

// SP is the stack pointer.
func (r *Regs) SP() uint64 {
	if r.Arch == RISCV64 {
		return r.RISCV64.X[2]
	}
	return r.AMD64.Rsp
}

// SetSP sets the stack pointer.
func (r *Regs) SetSP(v uint64) {
	if r.Arch == RISCV64 {
		r.RISCV64.X[2] = v
		return
	}
	r.AMD64.Rsp = v
}

// SetTLS sets the thread pointer (fs base on amd64, tp on riscv64).
func (r *Regs) SetTLS(v uint64) {
	if r.Arch == RISCV64 {
		r.RISCV64.X[4] = v
		return
	}
	r.AMD64.FsBase = v
}

// TLS is the thread pointer.
func (r *Regs) TLS() uint64 {
	if r.Arch == RISCV64 {
		return r.RISCV64.X[4]
	}
	return r.AMD64.FsBase
}
