package ptrace

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
)

// These wrap the ptrace requests made on the hot path. They use RawSyscall:
// none of them blocks, so the Go scheduler need not be told. arch.AMD64Regs
// has the layout of struct user_regs_struct, so it is transferred in place.

func ptraceGetRegs(tid int32, r *arch.AMD64Regs) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GETREGS, uintptr(tid), 0, uintptr(unsafe.Pointer(r)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func ptraceSetRegs(tid int32, r *arch.AMD64Regs) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_SETREGS, uintptr(tid), 0, uintptr(unsafe.Pointer(r)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// raxOffset is the offset of rax in struct user_regs_struct, for
// PTRACE_POKEUSER.
var raxOffset = unsafe.Offsetof(arch.AMD64Regs{}.Rax)

// ptracePokeRax writes only rax: after most syscalls it is all that changed,
// and one register costs the host less than a full PTRACE_SETREGS.
func ptracePokeRax(tid int32, v uint64) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_POKEUSR, uintptr(tid), raxOffset, uintptr(v), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// ptraceResume restarts a stopped tracee with request (PTRACE_SYSEMU or
// PTRACE_CONT), delivering no signal: host signals never reach the stub.
func ptraceResume(tid int32, request uintptr) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, request, uintptr(tid), 0, 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// siginfo holds the fields of a siginfo_t that describe a fault.
type siginfo struct {
	signo int32
	code  int32
	addr  uint64 // si_addr; si_call_addr for SIGSYS
	// syscall is SIGSYS's si_syscall.
	syscall int32
}

func ptraceGetSiginfo(tid int32) (siginfo, error) {
	var raw [128]byte // sizeof(siginfo_t)
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(tid), 0, uintptr(unsafe.Pointer(&raw[0])), 0, 0)
	if e != 0 {
		return siginfo{}, e
	}
	return siginfo{
		signo:   *(*int32)(unsafe.Pointer(&raw[0])),
		code:    *(*int32)(unsafe.Pointer(&raw[8])),
		addr:    *(*uint64)(unsafe.Pointer(&raw[16])),
		syscall: *(*int32)(unsafe.Pointer(&raw[24])),
	}, nil
}

// wait4 waits for a state change of tid. It uses the blocking Syscall so the
// Go scheduler can hand the P to another thread meanwhile. The status is
// kept in the caller's frame; unix.Wait4 would allocate it.
func wait4(tid int32, status *unix.WaitStatus) error {
	for {
		_, _, e := unix.Syscall6(unix.SYS_WAIT4, uintptr(tid), uintptr(unsafe.Pointer(status)), unix.WALL, 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		return nil
	}
}

// setSIGCHLDDefault sets the sentry's SIGCHLD disposition to SIG_DFL. The
// Go runtime installs a handler for SIGCHLD, so every ptrace stop of every
// stub would otherwise deliver a signal to the sentry (~1.6 µs per
// application syscall, measured). Under SIG_DFL the host discards SIGCHLD
// when it is generated and, unlike SIG_IGN, still leaves children to be
// reaped by wait4, so os/exec keeps working. A later signal.Notify(SIGCHLD)
// reinstalls the runtime's handler, which costs speed, not correctness.
func setSIGCHLDDefault() error {
	var act [4]uint64 // struct sigaction: handler SIG_DFL, no flags, restorer or mask
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// ntX86XState is NT_X86_XSTATE, the regset holding the XSAVE area.
const ntX86XState = 0x202

// ptraceGetXState reads the XSAVE area of tid into buf and returns how
// many bytes the host wrote.
func ptraceGetXState(tid int32, buf []byte) (int, error) {
	iov := unix.Iovec{Base: &buf[0], Len: uint64(len(buf))}
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GETREGSET, uintptr(tid), ntX86XState, uintptr(unsafe.Pointer(&iov)), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(iov.Len), nil
}

// ptraceSetXState writes the XSAVE area of tid from buf; the host checks
// the header and rejects (EINVAL) what the CPU would fault on.
func ptraceSetXState(tid int32, buf []byte) error {
	iov := unix.Iovec{Base: &buf[0], Len: uint64(len(buf))}
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_SETREGSET, uintptr(tid), ntX86XState, uintptr(unsafe.Pointer(&iov)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}
