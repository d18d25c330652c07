package ptrace

import "golang.org/x/sys/unix"

// The stub's second seccomp filter checks the arguments of the syscalls
// the first (seccomp.go) lets through, so a stub that ran code of its
// own at its syscall instruction could not use them for anything but
// what the sentry injects:
//
//   - clone only with stubCloneFlags and no stack, TID pointers or TLS
//     (a new thread of the stub spinning at the clone site): no fork, no
//     new namespaces, no CLONE_PTRACE tricks;
//   - mmap only MAP_SHARED|MAP_FIXED of the memory file, with protection
//     bits among PROT_READ|PROT_WRITE|PROT_EXEC (MapFile's): no private
//     or anonymous memory, no PROT_GROWSDOWN/PROT_SEM;
//   - mprotect not at all (the sentry never injects it: a permission
//     change is a new mmap of the same file range).
//
// Anything else is left to the first filter. Seccomp runs every filter
// and the most restrictive verdict wins, so the two compose; the second
// is installed first because once the first is in, seccomp(2) itself is
// refused. It is a separate program so that each stays a straight list
// of checks.

// Offsets of the 32-bit halves of struct seccomp_data's args[i].
func seccompArgLo(i int) uint32 { return uint32(16 + 8*i) }
func seccompArgHi(i int) uint32 { return uint32(16 + 8*i + 4) }

// bpfJsetK jumps when A & K != 0.
const bpfJsetK = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K

// stubMmapProtMask holds every protection bit MapFile passes.
const stubMmapProtMask = unix.PROT_READ | unix.PROT_WRITE | unix.PROT_EXEC

// stubMmapFlags are the flags of every mmap MapFile injects.
const stubMmapFlags = unix.MAP_SHARED | unix.MAP_FIXED

// argFilter assembles a filter whose jumps go to labels; every jump is
// forward, as BPF requires.
type argFilter struct {
	ins    []unix.SockFilter
	fixups map[int]string // instruction index -> label its jt (or jf, below) goes to
	jfs    map[int]string
	labels map[string]int
}

func (a *argFilter) ld(off uint32) {
	a.ins = append(a.ins, unix.SockFilter{Code: bpfLdAbsW, K: off})
}

// jeq goes to label when A == k, else on.
func (a *argFilter) jeq(k uint32, label string) {
	a.fixups[len(a.ins)] = label
	a.ins = append(a.ins, unix.SockFilter{Code: bpfJeqK, K: k})
}

// jne goes to label when A != k, else on.
func (a *argFilter) jne(k uint32, label string) {
	a.jfs[len(a.ins)] = label
	a.ins = append(a.ins, unix.SockFilter{Code: bpfJeqK, K: k})
}

// jset goes to label when A & k != 0, else on.
func (a *argFilter) jset(k uint32, label string) {
	a.fixups[len(a.ins)] = label
	a.ins = append(a.ins, unix.SockFilter{Code: bpfJsetK, K: k})
}

// arg64 goes to label unless the 64-bit argument i is exactly v.
func (a *argFilter) arg64(i int, v uint64, label string) {
	a.ld(seccompArgLo(i))
	a.jne(uint32(v), label)
	a.ld(seccompArgHi(i))
	a.jne(uint32(v>>32), label)
}

func (a *argFilter) ret(k uint32) {
	a.ins = append(a.ins, unix.SockFilter{Code: bpfRetK, K: k})
}

func (a *argFilter) label(name string) { a.labels[name] = len(a.ins) }

// program resolves the jumps. Offsets are relative to the next
// instruction and fit in a byte: the program is a few dozen instructions.
func (a *argFilter) program() []unix.SockFilter {
	for i, l := range a.fixups {
		a.ins[i].Jt = uint8(a.labels[l] - i - 1)
	}
	for i, l := range a.jfs {
		a.ins[i].Jf = uint8(a.labels[l] - i - 1)
	}
	return a.ins
}

// stubArgFilter is the second filter's program.
func stubArgFilter() []unix.SockFilter {
	a := &argFilter{fixups: map[int]string{}, jfs: map[int]string{}, labels: map[string]int{}}
	a.ld(seccompDataArch)
	a.jne(unix.AUDIT_ARCH_X86_64, "kill")
	a.ld(seccompDataNR)
	a.jeq(unix.SYS_CLONE, "clone")
	a.jeq(unix.SYS_MMAP, "mmap")
	a.jeq(unix.SYS_MPROTECT, "kill")
	a.ret(unix.SECCOMP_RET_ALLOW)

	a.label("clone")
	a.arg64(0, stubCloneFlags, "kill")
	for i := 1; i <= 4; i++ { // stack, parent_tid, child_tid, tls
		a.arg64(i, 0, "kill")
	}
	a.ret(unix.SECCOMP_RET_ALLOW)

	a.label("mmap")
	a.ld(seccompArgLo(2))
	a.jset(^uint32(stubMmapProtMask), "kill")
	a.ld(seccompArgHi(2))
	a.jne(0, "kill")
	a.arg64(3, stubMmapFlags, "kill")
	a.ld(seccompArgLo(4)) // fd is an int: its high half is ignored by the host
	a.jne(stubMemFD, "kill")
	a.ret(unix.SECCOMP_RET_ALLOW)

	a.label("kill")
	a.ret(unix.SECCOMP_RET_KILL_PROCESS)
	return a.program()
}
