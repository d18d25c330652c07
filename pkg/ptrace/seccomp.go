package ptrace

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// stubMemFD is the memory file's fd number inside the stub: ForkExec passes
// it as the stub's only file, fd 0.
const stubMemFD = 0

// stubAllowedSyscalls are the kinds of host syscall the stub may execute
// once the application runs, besides mmap of the memory file (checked apart):
// mirroring the memory file (munmap), creating threads (clone) and ending
// (exit, exit_group). The arguments of clone and mmap are checked by the
// second filter (seccomp_args.go).
var stubAllowedSyscalls = [...]uint32{
	unix.SYS_MUNMAP, unix.SYS_CLONE, unix.SYS_EXIT, unix.SYS_EXIT_GROUP,
}

// Offsets into struct seccomp_data.
const (
	seccompDataNR     = 0
	seccompDataArch   = 4
	seccompDataIPLow  = 8
	seccompDataIPHigh = 12
	seccompDataArg4Lo = 16 + 4*8
	seccompDataArg4Hi = 16 + 4*8 + 4
)

// BPF opcodes used by the filter.
const (
	bpfLdAbsW = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	bpfJeqK   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	bpfRetK   = unix.BPF_RET | unix.BPF_K
)

// vsyscallIPHigh is the high half of every address of the legacy vsyscall
// page (0xffffffffff600000); no other code the stub can run has it.
const vsyscallIPHigh = 0xffffffff

// stubFilter is the stub's seccomp program: allow a syscall only if it is an
// x86-64 call made by the stub's own syscall instruction and is one of the
// injected kinds (mmap only of the memory file); otherwise kill the stub.
// A call of the vsyscall page is the exception: the host emulates it
// without a ptrace syscall stop, asking only seccomp, so the filter traps
// it (SIGSYS) for the sentry to serve (see context.run).
func stubFilter() []unix.SockFilter {
	var f []unix.SockFilter
	ld := func(off uint32) { f = append(f, unix.SockFilter{Code: bpfLdAbsW, K: off}) }
	// Jump targets are fixed up at the end: a jf of 0xff means "to kill",
	// a jt of 0xfe means "to allow", a jt of 0xfd "to trap".
	const toKill, toAllow, toTrap = 0xff, 0xfe, 0xfd
	jneKill := func(k uint32) { f = append(f, unix.SockFilter{Code: bpfJeqK, K: k, Jt: 0, Jf: toKill}) }

	ld(seccompDataArch)
	jneKill(unix.AUDIT_ARCH_X86_64)
	ld(seccompDataIPHigh)
	f = append(f, unix.SockFilter{Code: bpfJeqK, K: vsyscallIPHigh, Jt: toTrap, Jf: 0})
	ld(seccompDataIPLow)
	// Either syscall instruction of the stub page (the clone site's is
	// only used for clone, but the page is the stub's own code either way).
	f = append(f, unix.SockFilter{Code: bpfJeqK, K: uint32(stubAfterSys & 0xffffffff), Jt: 1, Jf: 0})
	jneKill(uint32(cloneAfterSys & 0xffffffff))
	ld(seccompDataIPHigh)
	jneKill(uint32(stubAfterSys >> 32))
	ld(seccompDataNR)
	for _, nr := range stubAllowedSyscalls {
		f = append(f, unix.SockFilter{Code: bpfJeqK, K: nr, Jt: toAllow, Jf: 0})
	}
	// mmap: only of the memory file. fd is an int, so its high half is ignored.
	f = append(f, unix.SockFilter{Code: bpfJeqK, K: unix.SYS_MMAP, Jt: 0, Jf: toKill})
	ld(seccompDataArg4Lo)
	f = append(f, unix.SockFilter{Code: bpfJeqK, K: stubMemFD, Jt: toAllow, Jf: toKill})

	kill := len(f)
	f = append(f, unix.SockFilter{Code: bpfRetK, K: unix.SECCOMP_RET_KILL_PROCESS})
	allow := len(f)
	f = append(f, unix.SockFilter{Code: bpfRetK, K: unix.SECCOMP_RET_ALLOW})
	trap := len(f)
	f = append(f, unix.SockFilter{Code: bpfRetK, K: unix.SECCOMP_RET_TRAP})

	for i := range f {
		if f[i].Code != bpfJeqK {
			continue
		}
		fix := func(j *uint8) {
			switch *j {
			case toKill:
				*j = uint8(kill - i - 1)
			case toAllow:
				*j = uint8(allow - i - 1)
			case toTrap:
				*j = uint8(trap - i - 1)
			}
		}
		fix(&f[i].Jt)
		fix(&f[i].Jf)
	}
	return f
}

// encodeFilter lays out a struct sock_fprog followed by its instructions, as
// the stub will see them at address at: the fprog's filter pointer points
// just past the 16-byte fprog itself.
func encodeFilter(f []unix.SockFilter, at uint64) []byte {
	le := binary.LittleEndian
	b := make([]byte, 16+8*len(f))
	le.PutUint16(b[0:], uint16(len(f)))
	le.PutUint64(b[8:], at+16)
	for i, ins := range f {
		p := b[16+8*i:]
		le.PutUint16(p[0:], ins.Code)
		p[2] = ins.Jt
		p[3] = ins.Jf
		le.PutUint32(p[4:], ins.K)
	}
	return b
}
