package strace

import (
	"regexp"
	"strconv"
	"strings"
)

// maturinNames are the seed kernel's names where they are not the Linux
// name upper-cased (see shared/REFERENCES.md, "Log formats"): the one
// table both MaturinName (writing) and LinuxNameOfMaturin (reading) use.
var maturinNames = map[string]string{
	"openat": "OPEN", "epoll_pwait": "EPOLL_WAIT", "epoll_create1": "EPOLL_CREATE",
	"pipe2": "PIPE", "faccessat": "ACCESS", "mkdirat": "MKDIR", "newfstatat": "FSTATAT",
	"clock_gettime": "CLOCK_GET_TIME", "gettimeofday": "GET_TIME_OF_DAY",
	"rt_sigaction": "SIGACTION", "rt_sigprocmask": "SIGPROCMASK", "rt_sigreturn": "SIGRETURN",
	"sched_yield": "YIELD", "shutdown": "SHUDOWN", "fcntl": "FCNTL64", "pread64": "PREAD",
	"sendfile": "SENDFILE64", "rt_sigsuspend": "SIGSUSPEND", "rt_sigtimedwait": "SIGTIMEDWAIT",
}

var linuxNames = func() map[string]string {
	m := map[string]string{}
	for l, n := range maturinNames {
		m[n] = l
	}
	return m
}()

// MaturinName is the seed kernel's name of a Linux syscall.
func MaturinName(linux string) string {
	if n, ok := maturinNames[linux]; ok {
		return n
	}
	return strings.ToUpper(linux)
}

// LinuxNameOfMaturin is the Linux name of a seed kernel's syscall name.
func LinuxNameOfMaturin(name string) string {
	if n, ok := linuxNames[name]; ok {
		return n
	}
	return strings.ToLower(name)
}

var (
	maturinCallRE = regexp.MustCompile(`Syscall ([A-Z][A-Z0-9_]*), \[([0-9a-f, ]*)\]`)
	maturinRetRE  = regexp.MustCompile(`\.\.\.ret -> (-?[0-9]+)\(0x[0-9a-f]+\)|\.\.\.ret -> (E[A-Z0-9_]+)`)
)

// MaturinItem is a call entry or a result found in a maturin log line.
type MaturinItem struct {
	// IsRet says this is a result ("...ret -> N(0xN)" or "...ret ->
	// ENAME"): Ret or Errno. Else an entry ("Syscall NAME, [args]"):
	// Name (the Linux name) and Args.
	IsRet bool
	Name  string
	Args  []uint64
	Ret   int64
	Errno string
}

// HasMaturinCall says data holds a maturin call entry anywhere.
func HasMaturinCall(data []byte) bool { return maturinCallRE.Match(data) }

// ScanMaturin finds the entries and results in one line of a maturin log,
// in the order they appear (the seed kernel's lines mix them with the
// program's own output). It is the reader of what appendMaturinCall
// writes.
func ScanMaturin(line string) []MaturinItem {
	calls := maturinCallRE.FindAllStringSubmatchIndex(line, -1)
	rets := maturinRetRE.FindAllStringSubmatchIndex(line, -1)
	var out []MaturinItem
	ci, ri := 0, 0
	for ci < len(calls) || ri < len(rets) {
		if ci < len(calls) && (ri >= len(rets) || calls[ci][0] < rets[ri][0]) {
			m := calls[ci]
			ci++
			it := MaturinItem{Name: LinuxNameOfMaturin(line[m[2]:m[3]])}
			for _, a := range strings.Split(line[m[4]:m[5]], ", ") {
				v, err := strconv.ParseUint(strings.TrimSpace(a), 16, 64)
				if err != nil {
					break
				}
				it.Args = append(it.Args, v)
			}
			out = append(out, it)
			continue
		}
		m := rets[ri]
		ri++
		it := MaturinItem{IsRet: true}
		if m[2] >= 0 {
			it.Ret, _ = strconv.ParseInt(line[m[2]:m[3]], 10, 64)
		} else {
			it.Errno = line[m[4]:m[5]]
		}
		out = append(out, it)
	}
	return out
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
	b = append(b, MaturinName(c.d.Name)...)
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
