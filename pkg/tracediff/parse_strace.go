package tracediff

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
	"strings"
)

var (
	// An optional "[pid N] " or "N " prefix, then an optional -t/-tt/-ttt
	// timestamp.
	straceLineRE = regexp.MustCompile(`^\s*(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(?:\d\d:\d\d:\d\d(?:\.\d+)?\s+|\d+\.\d+\s+)?(.*)$`)
	callStartRE  = regexp.MustCompile(`^([a-z_][a-z0-9_]*)\(`)
	resumedRE    = regexp.MustCompile(`^<\.\.\. ([a-z_][a-z0-9_]*) resumed>`)
)

// parseStrace reads `strace [-f] [-tt] [-T]` output.
func parseStrace(data []byte) *Trace {
	t := &Trace{Format: FormatStrace}
	// pending holds, per pid, the events of calls shown unfinished.
	pending := map[int][]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for ln := 1; sc.Scan(); ln++ {
		m := straceLineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		pid := 0
		if m[1] != "" {
			pid, _ = strconv.Atoi(m[1])
		} else if m[2] != "" {
			pid, _ = strconv.Atoi(m[2])
		}
		body := m[3]
		switch {
		case strings.HasPrefix(body, "--- SIG"):
			f := strings.Fields(body)
			t.Events = append(t.Events, Event{Kind: EvSignal, Line: ln, PID: pid, Signal: f[1], FD: -1})
		case strings.HasPrefix(body, "+++ "):
			t.Events = append(t.Events, Event{Kind: EvExit, Line: ln, PID: pid, FD: -1})
		case strings.HasPrefix(body, "<... "):
			r := resumedRE.FindStringSubmatch(body)
			if r == nil {
				continue
			}
			idx := -1
			q := pending[pid]
			for i := len(q) - 1; i >= 0; i-- {
				if t.Events[q[i]].Raw == r[1] {
					idx = i
					break
				}
			}
			if idx < 0 {
				// Resumed without a start (the log began mid-call).
				continue
			}
			e := &t.Events[q[idx]]
			pending[pid] = append(q[:idx], q[idx+1:]...)
			rest := body[len(r[0]):]
			end := closeParen(rest, 1)
			if end < 0 {
				continue
			}
			if e.Data == nil && movesBytes(e.Name) {
				e.Data = firstString(rest[:end])
			}
			parseResult(rest[end+1:], e)
		default:
			c := callStartRE.FindStringSubmatch(body)
			if c == nil {
				continue
			}
			e := newCall(ln, pid, c[1])
			rest := body[len(c[0]):]
			end := closeParen(rest, 1)
			if end < 0 {
				args := strings.TrimSuffix(rest, "<unfinished ...>")
				setArgs(&e, args)
				t.Events = append(t.Events, e)
				if strings.HasSuffix(rest, "<unfinished ...>") {
					pending[pid] = append(pending[pid], len(t.Events)-1)
				}
				continue
			}
			setArgs(&e, rest[:end])
			parseResult(rest[end+1:], &e)
			t.Events = append(t.Events, e)
		}
	}
	return t
}
