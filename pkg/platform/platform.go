// Package platform defines how the kernel runs application code: the
// interface that pkg/ptrace (amd64 stub processes under PTRACE_SYSEMU) and
// pkg/riscv (the RV64GC interpreter) implement, and the events they report.
//
// Invariants: a platform owns no kernel state. It runs user code until the
// next event and mirrors the memory decisions pkg/vm makes; it never decides
// what is mapped. Neither platform imports pkg/kernel.
//
// Concurrency: a Context is used only by the goroutine of the task that owns
// it (on ptrace, that goroutine is locked to the OS thread that traces the
// stub thread). AddressSpace methods may be called from any task goroutine
// of the address space; implementations serialise them internally.
package platform

import (
	"errors"

	"sentry/pkg/arch"
)

// Perms are the access permissions of a mapped range.
type Perms struct {
	Read, Write, Execute bool
}

// Any reports whether any access is allowed.
func (p Perms) Any() bool { return p.Read || p.Write || p.Execute }

// Range is a half-open range [Start, End) of application addresses.
type Range struct {
	Start, End uint64
}

// Platform creates address spaces and execution contexts.
type Platform interface {
	// Arch is the architecture of the application code this platform runs.
	Arch() arch.Arch

	// NewAddressSpace creates an empty address space whose pages come
	// from the memory file memfd (an fd of the sentry; the platform may
	// dup it). The returned Context is the address space's first thread.
	NewAddressSpace(memfd int) (AddressSpace, Context, error)
}

// VDSOPlacer is implemented by a Platform whose address spaces hold a
// host vDSO that can be put at a chosen address: the kernel places it
// per execve as part of the randomised layout, and a forked child's where
// its parent's is (libc cached pointers into it).
type VDSOPlacer interface {
	// NewAddressSpaceVDSO is NewAddressSpace with AddressSpace.VDSO at
	// vdso (page-aligned); 0 leaves it where the platform puts it. A
	// platform that finds the host unable to move it falls back to its
	// own placement, so callers compare VDSO with what they asked.
	NewAddressSpaceVDSO(memfd int, vdso uint64) (AddressSpace, Context, error)
}

// AddressSpace mirrors pkg/vm's view of one application address space.
type AddressSpace interface {
	// MapFile maps [addr, addr+length) to the memory file at fileOffset
	// with perms, replacing whatever was mapped there. addr, length and
	// fileOffset are page aligned.
	MapFile(addr, length uint64, fileOffset int64, perms Perms) error

	// Unmap removes any mapping in [addr, addr+length).
	Unmap(addr, length uint64) error

	// Reserved lists ranges the application must never map (the stub's
	// own code, the host vDSO). pkg/vm keeps them out of every VMA.
	Reserved() []Range

	// VDSO is the address of a vDSO ELF image the application may use
	// (AT_SYSINFO_EHDR), or 0 if there is none.
	VDSO() uint64

	// Release tears the address space down and kills anything still
	// running in it.
	Release()
}

// EventKind says why Switch returned.
type EventKind int

const (
	// EventSyscall: the application executed a syscall instruction.
	// Regs hold the number and arguments; the kernel writes the result
	// with Regs.SetReturn and calls Switch again.
	EventSyscall EventKind = iota
	// EventFault: a memory access fault at Event.Addr (SIGSEGV/SIGBUS).
	EventFault
	// EventSignal: another synchronous signal (SIGILL, SIGFPE, SIGTRAP)
	// raised by an instruction.
	EventSignal
	// EventInterrupted: Interrupt was called.
	EventInterrupted
)

// Event is what stopped the application.
type Event struct {
	Kind EventKind
	// Signo, Code and Addr describe faults and synchronous signals the
	// way siginfo does (si_signo, si_code, si_addr).
	Signo int
	Code  int
	Addr  uint64
}

// Context runs one application thread.
type Context interface {
	// Switch restores regs, runs user code until the next event and
	// saves the registers back into regs.
	Switch(regs *arch.Regs) (Event, error)

	// Interrupt makes a concurrent or the next Switch return
	// EventInterrupted promptly. Safe from any goroutine.
	Interrupt()

	// Release ends the thread.
	Release()
}

// Optional capabilities. The kernel asks for them with a type assertion,
// so a platform that lacks one still builds; the kernel then refuses what
// needs it (clone of a thread fails with EAGAIN, a signal handler cannot
// see or change the floating-point state).

// ThreadCPUClock is implemented by contexts whose application thread is
// a host thread of its own (ptrace's stub thread). ThreadCPU is the CPU
// time that thread has run in nanoseconds, as the host's scheduler
// counts it, so time it spent waiting for a CPU is not in it; false if
// the host cannot tell (the thread is gone). Safe from any goroutine.
type ThreadCPUClock interface {
	ThreadCPU() (int64, bool)
}

// ThreadCreator is implemented by address spaces that can run more than
// one thread.
type ThreadCreator interface {
	// NewThread prepares a new thread of the address space. It is
	// called from a task goroutine of the address space, between Switch
	// calls of that task's Context (on ptrace: the host thread is created
	// through the caller's stub thread).
	NewThread() (ThreadStarter, error)
}

// ThreadStarter hands a prepared thread to the goroutine that will drive
// it.
type ThreadStarter interface {
	// Start is called once, by the goroutine of the new task (locked to
	// its OS thread for life, as for NewAddressSpace), before its first
	// Switch. The Context's registers are whatever the kernel passes to
	// Switch.
	Start() (Context, error)
}

// FPUContext is implemented by Contexts that can read and write their
// thread's floating-point state, for signal frames. The bytes are in the
// architecture's natural format: on amd64 the XSAVE area (legacy FXSAVE
// region, XSAVE header, components) as PTRACE_GETREGSET(NT_X86_XSTATE)
// gives it, whose software-reserved bytes 464..511 the signal-frame
// builder overwrites with _fpx_sw_bytes. Both are called between Switch calls by the owning
// goroutine.
type FPUContext interface {
	FPState() ([]byte, error)
	// SetFPState returns an error wrapping unix.EINVAL if the host
	// rejects the state (a corrupted frame).
	SetFPState([]byte) error
}

// InlineRunner is implemented by Contexts whose Switch runs the
// application's code on the calling OS thread (an interpreter) rather than
// in another host thread. The kernel's CPU accounting then finds the
// application's user time inside that thread's own CPU time, and must not
// count it twice.
type InlineRunner interface {
	RunsOnCallingThread()
}

// ErrDead is returned by Switch when the underlying host thread is gone
// (the address space was released or the stub was killed).
var ErrDead = errors.New("platform: application thread is gone")
