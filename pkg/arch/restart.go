package arch

// Syscall restart. At a syscall event the instruction pointer is just past
// the syscall instruction (as Linux leaves it after the trap); restarting
// rewinds it so the application executes the instruction again.

// syscallInsnLen is the length of `syscall` (amd64) and `ecall` (riscv64).
func (r *Regs) syscallInsnLen() uint64 {
	if r.Arch == RISCV64 {
		return 4
	}
	return 2
}

// RestartSyscall makes the thread execute its syscall again: nr is the
// syscall number to run (the same one, or restart_syscall's) and arg0 the
// first argument, which riscv64 has overwritten with the result.
func (r *Regs) RestartSyscall(nr, arg0 uint64) {
	if r.Arch == RISCV64 {
		r.RISCV64.X[17] = nr
		r.RISCV64.X[10] = arg0
		r.RISCV64.PC -= r.syscallInsnLen()
		return
	}
	r.AMD64.Rax = nr
	r.AMD64.Rip -= r.syscallInsnLen()
}
