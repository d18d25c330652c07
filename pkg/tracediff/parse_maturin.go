package tracediff

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"

	"sentry/pkg/strace"
)

// A redis-cli prompt: "127.0.0.1:6379> keys *".
var promptRE = regexp.MustCompile(`^[A-Za-z0-9_.\-\[\]:]+:\d+> ?`)

// parseMaturin reads the seed kernel's log (shared/REFERENCES.md, "Log
// formats", which pkg/strace defines: ScanMaturin reads what its tracer
// writes): entries "Syscall NAME, [six hex args]" and results
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
		// The sentry's tracer writes signals and exits in this format
		// as strace does (the seed kernel's log has none).
		switch {
		case strings.HasPrefix(line, "--- SIG"):
			t.Events = append(t.Events, Event{Kind: EvSignal, Line: ln, Signal: strings.Fields(line)[1], FD: -1})
			continue
		case strings.HasPrefix(line, "+++ "):
			t.Events = append(t.Events, Event{Kind: EvExit, Line: ln, FD: -1})
			continue
		}
		for _, it := range strace.ScanMaturin(line) {
			if !it.IsRet {
				e := newCall(ln, 0, it.Name)
				if len(it.Args) > 0 && it.Args[0] < 1<<31 {
					e.FD = int(it.Args[0])
				}
				t.Events = append(t.Events, e)
				continue
			}
			if n := len(t.Events); n > 0 && t.Events[n-1].Kind == EvCall && !t.Events[n-1].resultSeen {
				e := &t.Events[n-1]
				e.resultSeen = true
				if it.Errno != "" {
					e.HasRet, e.Errno = true, it.Errno
				} else {
					e.HasRet, e.Ret = true, it.Ret
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
