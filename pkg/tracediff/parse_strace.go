package tracediff

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
)

var (
	// An optional "[pid N] " or "N " prefix, then an optional -t/-tt/-ttt
	// timestamp (groups 3-5: time of day; 6: seconds since the epoch),
	// then the body (group 7).
	straceLineRE = regexp.MustCompile(`^\s*(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(?:(\d\d):(\d\d):(\d\d(?:\.\d+)?)\s+|(\d+\.\d+)\s+)?(.*)$`)
	// strace -T's "<0.000012>" after the result: seconds in the call.
	straceDurRE = regexp.MustCompile(`<(\d+\.\d+)>\s*$`)
	callStartRE = regexp.MustCompile(`^([a-z_][a-z0-9_]*)\(`)
	resumedRE   = regexp.MustCompile(`^<\.\.\. ([a-z_][a-z0-9_]*) resumed>`)
)

// parseStrace reads `strace [-f] [-t|-tt|-ttt] [-T]` output.
func parseStrace(data []byte) *Trace {
	t := &Trace{Format: FormatStrace, Src: data}
	t.Events = make([]Event, 0, bytes.Count(data, []byte{'\n'})+1)
	// pending holds, per pid, the events of calls shown unfinished.
	pending := map[int][]int{}
	var lastDay int64 // -t/-tt: time of day, for crossing midnight
	var days int64
	eachLine(data, func(ln, start, end int, line []byte) {
		m := straceLineRE.FindSubmatch(line)
		if m == nil {
			return
		}
		pid := 0
		if m[1] != nil {
			pid, _ = strconv.Atoi(string(m[1]))
		} else if m[2] != nil {
			pid, _ = strconv.Atoi(string(m[2]))
		}
		at, hasTime := int64(0), false
		switch {
		case m[3] != nil:
			h, _ := strconv.ParseInt(string(m[3]), 10, 64)
			mi, _ := strconv.ParseInt(string(m[4]), 10, 64)
			at = (h*3600+mi*60)*1e9 + parseSeconds(string(m[5]))
			// A log that runs past midnight starts the day again.
			if at+12*3600*1e9 < lastDay {
				days++
			}
			lastDay = at
			at += days * 24 * 3600 * 1e9
			hasTime = true
		case m[6] != nil:
			at, hasTime = parseSeconds(string(m[6])), true
		}
		body := string(m[7])
		ev := func(e Event) Event {
			e.TID, e.Start, e.End, e.At, e.HasTime = pid, start, end, at, hasTime
			return e
		}
		switch {
		case strings.HasPrefix(body, "--- SIG"):
			f := strings.Fields(body)
			t.Events = append(t.Events, ev(Event{Kind: EvSignal, Line: ln, PID: pid, Signal: f[1], FD: -1}))
		case strings.HasPrefix(body, "+++ "):
			t.Events = append(t.Events, ev(Event{Kind: EvExit, Line: ln, PID: pid, FD: -1}))
		case strings.HasPrefix(body, "<... "):
			r := resumedRE.FindStringSubmatch(body)
			if r == nil {
				return
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
				return
			}
			e := &t.Events[q[idx]]
			pending[pid] = append(q[:idx], q[idx+1:]...)
			rest := body[len(r[0]):]
			end := closeParen(rest, 1)
			if end < 0 {
				return
			}
			if e.Data == nil && movesBytes(e.Name) {
				e.Data = firstString(rest[:end])
			}
			parseResult(rest[end+1:], e)
			e.Dur = straceDur(rest[end+1:])
		default:
			c := callStartRE.FindStringSubmatch(body)
			if c == nil {
				return
			}
			e := ev(newCall(ln, pid, c[1]))
			rest := body[len(c[0]):]
			end := closeParen(rest, 1)
			if end < 0 {
				args := strings.TrimSuffix(rest, "<unfinished ...>")
				setArgs(&e, args)
				t.Events = append(t.Events, e)
				if strings.HasSuffix(rest, "<unfinished ...>") {
					pending[pid] = append(pending[pid], len(t.Events)-1)
				}
				return
			}
			setArgs(&e, rest[:end])
			parseResult(rest[end+1:], &e)
			e.Dur = straceDur(rest[end+1:])
			t.Events = append(t.Events, e)
		}
	})
	return t
}

// straceDur reads -T's "<S.UUUUUU>" at the end of a result, in ns; 0
// when there is none.
func straceDur(s string) int64 {
	m := straceDurRE.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	return parseSeconds(m[1])
}

// parseSeconds reads "S.FFFFFF" as nanoseconds without going through a
// float, which would lose the microseconds of an epoch time.
func parseSeconds(s string) int64 {
	whole, frac, _ := strings.Cut(s, ".")
	sec, _ := strconv.ParseInt(whole, 10, 64)
	frac = (frac + "000000000")[:9]
	ns, _ := strconv.ParseInt(frac, 10, 64)
	return sec*1e9 + ns
}
