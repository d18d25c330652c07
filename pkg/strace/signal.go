package strace

import (
	"encoding/binary"
	"gvisor.dev/gvisor/pkg/abi/linux"
	"strconv"
	"strings"
)

// sigNames are the names of signals 1..32 without "SIG"; amd64 and riscv64
// share the generic numbering.
var sigNames = [...]string{"", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
	"KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP",
	"TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR",
	"SYS", "RTMIN"}

// sigShort is a signal's name without "SIG" (as inside sigset brackets),
// or "" if it has none.
func sigShort(sig uint64) string {
	switch {
	case sig >= 1 && sig < uint64(len(sigNames)):
		return sigNames[sig]
	case sig > 32 && sig <= 64:
		return "RT_" + strconv.FormatUint(sig-32, 10)
	}
	return ""
}

// SignalName is a signal's strace name ("SIGSEGV", "SIGRT_1"), or its
// number for values that name no signal.
func SignalName(sig int) string {
	if n := sigShort(uint64(sig)); sig > 0 && n != "" {
		return "SIG" + n
	}
	return strconv.Itoa(sig)
}

// sigset renders a 64-bit signal mask like strace: [INT TERM], or the
// complement ~[RTMIN RT_1] when two thirds or more of the bits are set.
func sigset(mask uint64) string {
	var b strings.Builder
	ones := 0
	for m := mask; m != 0; m &= m - 1 {
		ones++
	}
	if ones >= 64*2/3 {
		b.WriteByte('~')
		mask = ^mask
	}
	b.WriteByte('[')
	first := true
	for i := uint64(0); i < 64; i++ {
		if mask&(1<<i) == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		if n := sigShort(i + 1); n != "" {
			b.WriteString(n)
		} else {
			b.WriteString(strconv.FormatUint(i+1, 10))
		}
	}
	b.WriteByte(']')
	return b.String()
}

// SigInfo holds the fields of a Linux siginfo_t that traces show. Which
// fields are meaningful depends on Signo and Code, as in the kernel's union.
type SigInfo struct {
	Signo, Errno, Code int32
	Pid, Uid           int32  // sender (SI_USER, SI_TKILL, SI_QUEUE) or child (SIGCHLD)
	Status             int32  // SIGCHLD: exit code or signal
	Utime, Stime       int64  // SIGCHLD
	Addr               uint64 // SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP: faulting address
	TimerID, Overrun   int32  // SI_TIMER
	Value              uint64 // SI_QUEUE, SI_TIMER, SI_MESGQ: sigval
	Band               int64  // SIGIO/SIGPOLL
	FD                 int32  // SIGIO/SIGPOLL
}

// ParseSigInfo reads the 64-bit Linux siginfo_t layout (the same on amd64
// and riscv64); b shorter than 48 bytes leaves the missing fields zero.
func ParseSigInfo(b []byte) SigInfo {
	var raw [48]byte
	copy(raw[:], b)
	u32 := func(o int) int32 { return int32(binary.LittleEndian.Uint32(raw[o:])) }
	u64 := func(o int) uint64 { return binary.LittleEndian.Uint64(raw[o:]) }
	si := SigInfo{Signo: u32(0), Errno: u32(4), Code: u32(8)}
	switch {
	case si.Code == siTimer:
		si.TimerID, si.Overrun, si.Value = u32(16), u32(20), u64(24)
	case si.Code <= 0 || si.Code == siKernel && si.Signo == 17:
		si.Pid, si.Uid, si.Value = u32(16), u32(20), u64(24)
	case si.Signo == 17: // SIGCHLD
		si.Pid, si.Uid, si.Status = u32(16), u32(20), u32(24)
		si.Utime, si.Stime = int64(u64(32)), int64(u64(40))
	case si.Signo == 29: // SIGIO
		si.Band, si.FD = int64(u64(16)), u32(24)
	default:
		si.Addr = u64(16)
	}
	return si
}

const (
	siUser   = linux.SI_USER
	siKernel = linux.SI_KERNEL
	siQueue  = linux.SI_QUEUE
	siTimer  = linux.SI_TIMER
	siMesgq  = linux.SI_MESGQ
)

// code32 is an si_code as the table holds it: its 32 bits, so the
// negative codes of user senders match the decoded value.
func code32(c int32) uint64 { return uint64(uint32(c)) }

var siCodeTab = []xl{
	{code32(linux.SI_USER), "SI_USER"}, {code32(linux.SI_KERNEL), "SI_KERNEL"},
	{code32(linux.SI_QUEUE), "SI_QUEUE"}, {code32(linux.SI_TIMER), "SI_TIMER"},
	{code32(linux.SI_MESGQ), "SI_MESGQ"}, {code32(linux.SI_ASYNCIO), "SI_ASYNCIO"},
	{code32(linux.SI_SIGIO), "SI_SIGIO"}, {code32(linux.SI_TKILL), "SI_TKILL"},
	{code32(linux.SI_DETHREAD), "SI_DETHREAD"}, {code32(linux.SI_ASYNCNL), "SI_ASYNCNL"},
}

// sigCodes are the signal-specific si_code names, by signal number.
var sigCodes = map[int32][]string{
	4:  {"", "ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP", "ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC", "ILL_BADSTK"},
	8:  {"", "FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF", "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV", "FPE_FLTSUB"},
	11: {"", "SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR"},
	7:  {"", "BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR", "BUS_MCEERR_AO"},
	5:  {"", "TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT"},
	17: {"", "CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED"},
	29: {"", "POLL_IN", "POLL_OUT", "POLL_MSG", "POLL_ERR", "POLL_PRI", "POLL_HUP"},
	31: {"", "SYS_SECCOMP"},
}

func siCode(signo, code int32) string {
	if code > 0 && code != siKernel {
		if names, ok := sigCodes[signo]; ok && int(code) < len(names) {
			return names[code]
		}
		return strconv.Itoa(int(code))
	}
	if n, ok := lookup(siCodeTab, uint64(uint32(code))); ok {
		return n
	}
	return strconv.Itoa(int(code))
}

func isFaultSignal(signo int32) bool {
	switch signo {
	case 4, 5, 7, 8, 11: // ILL, TRAP, BUS, FPE, SEGV
		return true
	}
	return false
}

// formatSigInfo renders a siginfo like strace's printsiginfo.
func formatSigInfo(si *SigInfo) string {
	var b strings.Builder
	b.WriteString("{si_signo=")
	b.WriteString(SignalName(int(si.Signo)))
	b.WriteString(", si_code=")
	b.WriteString(siCode(si.Signo, si.Code))
	if si.Errno != 0 {
		b.WriteString(", si_errno=")
		b.WriteString(errnoName(uint64(si.Errno)))
	}
	itoa := func(v int64) string { return strconv.FormatInt(v, 10) }
	sigval := func() {
		b.WriteString(", si_int=" + itoa(int64(int32(si.Value))) + ", si_ptr=" + pointer(si.Value))
	}
	switch {
	case si.Code == siTimer:
		b.WriteString(", si_timerid=" + hex(uint64(uint32(si.TimerID))) + ", si_overrun=" + itoa(int64(si.Overrun)))
		sigval()
	case si.Code <= 0:
		b.WriteString(", si_pid=" + itoa(int64(si.Pid)) + ", si_uid=" + itoa(int64(si.Uid)))
		if si.Code == siQueue || si.Code == siMesgq {
			sigval()
		}
	case si.Code == siKernel:
		if isFaultSignal(si.Signo) {
			b.WriteString(", si_addr=" + pointer(si.Addr))
		}
	case si.Signo == 17: // SIGCHLD
		b.WriteString(", si_pid=" + itoa(int64(si.Pid)) + ", si_uid=" + itoa(int64(si.Uid)) + ", si_status=")
		if si.Code == 1 { // CLD_EXITED
			b.WriteString(itoa(int64(si.Status)))
		} else {
			b.WriteString(SignalName(int(si.Status)))
		}
		b.WriteString(", si_utime=" + itoa(si.Utime) + ", si_stime=" + itoa(si.Stime))
	case si.Signo == 29: // SIGIO
		b.WriteString(", si_band=" + itoa(si.Band) + ", si_fd=" + itoa(int64(si.FD)))
	case isFaultSignal(si.Signo) || si.Signo == 31:
		b.WriteString(", si_addr=" + pointer(si.Addr))
	}
	b.WriteByte('}')
	return b.String()
}
