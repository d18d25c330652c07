package ptrace

import (
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

// interruptSignal is what Interrupt sends the stub thread to stop it. The
// stub has no children, so a SIGCHLD never means anything else; it is
// always swallowed at its signal-delivery stop.
const interruptSignal = unix.SIGCHLD

// syscallStop is the stop signal of a syscall stop (PTRACE_O_TRACESYSGOOD).
const syscallStop = unix.SIGTRAP | 0x80

// vsyscallBase is the legacy vsyscall page; sysSeccomp is SIGSYS's
// si_code when a seccomp filter trapped.
const (
	// taskSizeMax is Linux's TASK_SIZE_MAX on x86-64 (4-level paging):
	// ptrace refuses an fs or gs base at or above it.
	taskSizeMax  = 1<<47 - 4096
	vsyscallBase = 0xffffffffff600000
	sysSeccomp   = 1
	siKernel     = 0x80
)

// context is one stub thread and the OS thread of the sentry that traces it.
type context struct {
	as     *addressSpace
	tid    int32 // the stub thread
	tracer int32 // the sentry OS thread allowed to trace it

	// Owned by the tracer thread.
	cur     arch.AMD64Regs // what the stub thread's registers are now
	initial arch.AMD64Regs // at the first stop: valid segment selectors and flags

	place placer // which CPU the stub thread is bound to (placement.go)

	dead      atomic.Bool
	running   atomic.Bool // inside Switch: Interrupt must signal the stub
	interrupt atomic.Bool // an Interrupt not yet reported
}

var _ platform.Context = (*context)(nil)

// Switch runs the application until its next syscall, fault, synchronous
// signal or Interrupt. Per syscall it costs one register write (none if
// regs did not change since the last stop, PTRACE_POKEUSER if only rax did,
// PTRACE_SETREGS otherwise), PTRACE_SYSEMU, wait4 and PTRACE_GETREGS.
func (c *context) Switch(regs *arch.Regs) (platform.Event, error) {
	if regs.Arch != arch.AMD64 {
		return platform.Event{}, fmt.Errorf("ptrace: Switch with %v registers on the amd64 platform", regs.Arch)
	}
	if c.dead.Load() {
		return platform.Event{}, platform.ErrDead
	}
	c.running.Store(true)
	if c.interrupt.Swap(false) {
		c.running.Store(false)
		return platform.Event{Kind: platform.EventInterrupted}, nil
	}
	ev, err := c.run(&regs.AMD64)
	c.running.Store(false)
	return ev, err
}

func (c *context) run(r *arch.AMD64Regs) (platform.Event, error) {
	if *r != c.cur {
		if (r.FsBase >= taskSizeMax || r.GsBase >= taskSizeMax) && !onlyRaxDiffers(r, &c.cur) {
			// wrfsbase/wrgsbase may have put a kernel-half base in
			// the stub thread, where Linux keeps it (a syscall
			// result alone is still written, by PTRACE_POKEUSER);
			// but ptrace refuses to load one (EIO), so registers
			// carrying it cannot be written back. Rather than losing the
			// program to that error, the base is reset and the
			// program gets the SIGSEGV (SI_KERNEL) a bad base
			// earns it elsewhere.
			if r.FsBase >= taskSizeMax {
				r.FsBase = 0
			}
			if r.GsBase >= taskSizeMax {
				r.GsBase = 0
			}
			return platform.Event{Kind: platform.EventSignal, Signo: int(unix.SIGSEGV), Code: siKernel}, nil
		}
		if err := c.writeRegs(r); err != nil {
			return platform.Event{}, err
		}
	}
	for {
		c.bind()
		if err := ptraceResume(c.tid, unix.PTRACE_SYSEMU); err != nil {
			return platform.Event{}, c.ptraceError("PTRACE_SYSEMU", err)
		}
		var ws unix.WaitStatus
		if err := wait4(c.tid, &ws); err != nil {
			return platform.Event{}, c.ptraceError("wait4", err)
		}
		if !ws.Stopped() {
			c.exited(ws)
			return platform.Event{}, platform.ErrDead
		}
		var ev platform.Event
		switch sig := ws.StopSignal(); sig {
		case syscallStop:
			if err := ptraceGetRegs(c.tid, r); err != nil {
				return platform.Event{}, c.ptraceError("PTRACE_GETREGS", err)
			}
			c.cur = *r
			if r.Rcx != r.Rip {
				// Not the syscall instruction, which leaves the return
				// address in rcx: int $0x80 (or sysenter), the i386
				// ABI. The sentry serves only x86-64 syscalls, so it
				// behaves as a kernel without IA32 emulation, whose
				// int $0x80 is a #GP: SIGSEGV (SI_KERNEL) with rip at
				// the instruction.
				r.Rip -= 2
				return platform.Event{Kind: platform.EventSignal, Signo: int(unix.SIGSEGV), Code: siKernel}, nil
			}
			return platform.Event{Kind: platform.EventSyscall}, nil
		case interruptSignal:
			if !c.interrupt.Swap(false) {
				continue // a late signal of an Interrupt already reported
			}
			ev.Kind = platform.EventInterrupted
		case unix.SIGSEGV, unix.SIGBUS, unix.SIGILL, unix.SIGFPE, unix.SIGTRAP:
			si, err := ptraceGetSiginfo(c.tid)
			if err != nil {
				return platform.Event{}, c.ptraceError("PTRACE_GETSIGINFO", err)
			}
			if si.code <= 0 {
				continue // sent by a process (kill, tgkill), not raised by an instruction
			}
			ev = platform.Event{Kind: platform.EventSignal, Signo: int(sig), Code: int(si.code), Addr: si.addr}
			if sig == unix.SIGSEGV || sig == unix.SIGBUS {
				ev.Kind = platform.EventFault
			}
		case unix.SIGSYS:
			si, err := ptraceGetSiginfo(c.tid)
			if err != nil {
				return platform.Event{}, c.ptraceError("PTRACE_GETSIGINFO", err)
			}
			if si.code != sysSeccomp || si.addr < vsyscallBase || si.addr >= vsyscallBase+0x1000 {
				continue
			}
			// The host's vsyscall emulation asked the filter, which
			// trapped: the registers already show the emulated ret
			// (rip at the caller, rsp past the return address), so
			// the call is served like any syscall and the result
			// lands in rax. Resuming with no signal drops the SIGSYS.
			if err := ptraceGetRegs(c.tid, r); err != nil {
				return platform.Event{}, c.ptraceError("PTRACE_GETREGS", err)
			}
			c.cur = *r
			r.OrigRax = uint64(int64(si.syscall))
			return platform.Event{Kind: platform.EventSyscall}, nil
		default:
			continue // host signals never reach the application
		}
		if err := ptraceGetRegs(c.tid, r); err != nil {
			return platform.Event{}, c.ptraceError("PTRACE_GETREGS", err)
		}
		c.cur = *r
		return ev, nil
	}
}

// writeRegs gives the stub thread the registers r, which differ from c.cur.
func (c *context) writeRegs(r *arch.AMD64Regs) error {
	if onlyRaxDiffers(r, &c.cur) {
		if err := ptracePokeRax(c.tid, r.Rax); err != nil {
			return c.ptraceError("PTRACE_POKEUSER", err)
		}
		c.cur.Rax = r.Rax
		return nil
	}
	c.fillSelectors(r)
	if err := ptraceSetRegs(c.tid, r); err != nil {
		return c.ptraceError("PTRACE_SETREGS", err)
	}
	c.cur = *r
	return nil
}

// onlyRaxDiffers reports whether a and b are equal but for rax, the usual
// case after the kernel wrote a syscall's result.
func onlyRaxDiffers(a, b *arch.AMD64Regs) bool {
	x := *a
	x.Rax = b.Rax
	return x == *b
}

// fillSelectors gives registers built from scratch (by the loader, with
// zero selectors) the stub's valid ones: PTRACE_SETREGS rejects a zero %cs.
func (c *context) fillSelectors(r *arch.AMD64Regs) {
	if r.Cs == 0 && r.Ss == 0 {
		r.Cs, r.Ss = c.initial.Cs, c.initial.Ss
		r.Ds, r.Es, r.Fs, r.Gs = c.initial.Ds, c.initial.Es, c.initial.Fs, c.initial.Gs
	}
	if r.Eflags == 0 {
		r.Eflags = c.initial.Eflags
	}
}

// exited records that wait4 collected the death of the stub thread.
func (c *context) exited(unix.WaitStatus) {
	c.dead.Store(true)
	if c.tid == c.as.pid {
		c.as.reaped.Store(true)
	}
}

// Interrupt makes a running Switch return EventInterrupted promptly, or the
// next one if none is running. Safe from any goroutine.
func (c *context) Interrupt() {
	c.interrupt.Store(true)
	if c.running.Load() && !c.dead.Load() {
		_ = unix.Tgkill(int(c.as.pid), int(c.tid), interruptSignal)
	}
}

// Release ends this thread. The last thread of an address space takes the
// whole stub with it.
func (c *context) Release() {
	as := c.as
	as.mu.Lock()
	if as.threads[c.tracer] == c {
		delete(as.threads, c.tracer)
	}
	last := len(as.threads) == 0
	as.mu.Unlock()
	if last {
		as.Release()
		return
	}
	if !c.dead.Load() {
		_, _ = c.inject(unix.SYS_EXIT, 0)
		c.dead.Store(true)
	}
}
