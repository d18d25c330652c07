package tracediff

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
	"strings"
)

var (
	maturinCallRE = regexp.MustCompile(`Syscall ([A-Z][A-Z0-9_]*), \[([0-9a-f, ]*)\]`)
	maturinRetRE  = regexp.MustCompile(`\.\.\.ret -> (-?[0-9]+\(0x[0-9a-f]+\)|E[A-Z0-9_]+)`)
	// A redis-cli prompt: "127.0.0.1:6379> keys *".
	promptRE = regexp.MustCompile(`^[A-Za-z0-9_.\-\[\]:]+:\d+> ?`)
)

// parseMaturin reads the seed kernel's log (shared/REFERENCES.md, "Log
// formats"): entries "Syscall NAME, [six hex args]" and results
// "...ret -> N(0xN)" or "...ret -> ENAME" anywhere in a line, interleaved
// with the program's own output and the client's prompt lines. A result
// goes to the latest entry, if that has none yet: entries without a
// result exist. A prompt line with a typed command is an EvCommand.
func parseMaturin(data []byte) *Trace {
	t := &Trace{Format: FormatMaturin}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		if p := promptRE.FindString(line); p != "" {
			line = line[len(p):]
			if cmd := strings.TrimSpace(line); cmd != "" && !strings.HasPrefix(cmd, "Syscall ") {
				t.Events = append(t.Events, Event{Kind: EvCommand, Line: ln, Command: cmd, FD: -1})
				continue
			}
		}
		calls := maturinCallRE.FindAllStringSubmatchIndex(line, -1)
		rets := maturinRetRE.FindAllStringSubmatchIndex(line, -1)
		ci, ri := 0, 0
		for ci < len(calls) || ri < len(rets) {
			if ci < len(calls) && (ri >= len(rets) || calls[ci][0] < rets[ri][0]) {
				m := calls[ci]
				ci++
				e := newCall(ln, 0, LinuxName(line[m[2]:m[3]]))
				args := strings.Split(line[m[4]:m[5]], ", ")
				if fd, err := strconv.ParseUint(strings.TrimSpace(args[0]), 16, 64); err == nil && fd < 1<<31 {
					e.FD = int(fd)
				}
				t.Events = append(t.Events, e)
				continue
			}
			m := rets[ri]
			ri++
			if n := len(t.Events); n > 0 && t.Events[n-1].Kind == EvCall && !t.Events[n-1].resultSeen {
				e := &t.Events[n-1]
				e.resultSeen = true
				r := line[m[2]:m[3]]
				if r[0] == 'E' {
					e.HasRet, e.Errno = true, r
				} else {
					v, _ := strconv.ParseInt(r[:strings.IndexByte(r, '(')], 10, 64)
					e.HasRet, e.Ret = true, v
				}
				if noResult[e.Name] {
					e.HasRet, e.Errno, e.Ret = false, "", 0
				}
			}
		}
	}
	for i := range t.Events {
		t.Events[i].resultSeen = false
	}
	return t
}
