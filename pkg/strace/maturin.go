package strace

import (
	"strconv"
	"strings"
)

// maturinNames are the seed kernel's names where they are not the Linux
// name upper-cased (see shared/REFERENCES.md, "Log formats").
var maturinNames = map[string]string{
	"openat": "OPEN", "epoll_pwait": "EPOLL_WAIT", "epoll_create1": "EPOLL_CREATE",
	"pipe2": "PIPE", "faccessat": "ACCESS", "mkdirat": "MKDIR", "newfstatat": "FSTATAT",
	"clock_gettime": "CLOCK_GET_TIME", "gettimeofday": "GET_TIME_OF_DAY",
	"rt_sigaction": "SIGACTION", "rt_sigprocmask": "SIGPROCMASK", "rt_sigreturn": "SIGRETURN",
	"sched_yield": "YIELD", "shutdown": "SHUDOWN", "fcntl": "FCNTL64", "pread64": "PREAD",
	"sendfile": "SENDFILE64",
}

func maturinName(linux string) string {
	if n, ok := maturinNames[linux]; ok {
		return n
	}
	return strings.ToUpper(linux)
}

// maturinFlags renders flags the way that kernel's bitflags did:
// [PROT_READ | PROT_WRITE], [(empty)] for none.
func maturinFlags(s string) string {
	if s == "0" || s == "PROT_NONE" {
		return "[(empty)]"
	}
	return "[" + strings.ReplaceAll(s, "|", " | ") + "]"
}

// appendMaturinCall appends one call in the seed kernel's format:
//
//	Syscall MMAP, [0, 5000, 3, 22, ffffffffffffffff, 0]
//	mmap start=0 len=5000 prot=[PROT_READ | PROT_WRITE] flags=[MAP_PRIVATE | MAP_ANONYMOUS] fd=-1 offset=0
//	 ...ret -> 13930496(0xd49000)
//
// Its lines carry no thread id; the format has none.
func appendMaturinCall(b []byte, p *Pending) []byte {
	c := &p.c
	b = append(b, "Syscall "...)
	b = append(b, maturinName(c.d.Name)...)
	b = append(b, ", ["...)
	for i, a := range c.args {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendUint(b, a, 16)
	}
	b = append(b, ']')
	if c.d.Name == "mmap" {
		b = append(b, "\nmmap start="...)
		b = strconv.AppendUint(b, c.args[0], 16)
		b = append(b, " len="...)
		b = strconv.AppendUint(b, c.args[1], 16)
		b = append(b, " prot="...)
		b = append(b, maturinFlags(flags(protTab, c.args[2]&0xffffffff))...)
		b = append(b, " flags="...)
		b = append(b, maturinFlags(c.mmapFlags(c.args[3]&0xffffffff))...)
		b = append(b, " fd="...)
		b = append(b, dec(c.args[4])...)
		b = append(b, " offset="...)
		b = strconv.AppendUint(b, c.args[5], 16)
		b = append(b, '\n')
	}
	b = append(b, " ...ret -> "...)
	switch {
	case c.failed:
		b = append(b, errnoName(uint64(-int64(c.ret)))...)
	default:
		b = strconv.AppendInt(b, int64(c.ret), 10)
		b = append(b, "(0x"...)
		b = strconv.AppendUint(b, c.ret, 16)
		b = append(b, ')')
	}
	return append(b, '\n')
}
