package strace

import (
	"strconv"
	"strings"

	"sentry/pkg/arch"
)

// Exec records the execve that started a process which no traced call
// created (the sandbox's first program, loaded by the kernel itself), as
// strace shows it first: execve("/bin/x", ["x", "a"], 0x7ff.. /* 3 vars */) = 0.
// envp is the address of the new environment array, envc its length.
func (t *Tracer) Exec(pid, tid int, path string, argv []string, envp uint64, envc int) {
	if t == nil || !t.show.has(arch.SysExecve) {
		return
	}
	var b strings.Builder
	b.WriteString(quote([]byte(path), false, false))
	b.WriteString(", [")
	for i, a := range argv {
		if i == t.limit {
			b.WriteString(", ...")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		s, more := a, false
		if len(s) > t.limit {
			s, more = s[:t.limit], true
		}
		b.WriteString(quote([]byte(s), false, more))
	}
	b.WriteString("], ")
	b.WriteString(pointer(envp))
	b.WriteString(" /* " + strconv.Itoa(envc) + " vars */")
	args := b.String()
	nr, _ := arch.Number(t.o.Arch, arch.SysExecve)

	t.mu.Lock()
	defer t.mu.Unlock()
	t.out = t.out[:0]
	switch t.o.Format {
	case FormatJSONL:
		if pid != tid {
			if t.pids == nil {
				t.pids = map[int]int{}
			}
			t.pids[tid] = pid
		}
		r := Record{T: since(t.start), PID: pid, TID: tid, Arch: t.o.Arch.String(), Nr: nr, Name: "execve",
			Args: make([]uint64, 6), Text: args}
		t.out = AppendJSONL(t.out, &r)
	case FormatMaturin:
		// That kernel printed no result for EXECVE.
		t.out = append(t.out, "Syscall EXECVE, [0, 0, 0, 0, 0, 0]\n"...)
	default:
		t.flushQueue(len(t.queue))
		t.last = nil
		t.appendPrefixed(tid, padResult(t.prefixLen(tid), "execve("+args+")", "0"))
	}
	t.write()
}
