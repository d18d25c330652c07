package tracediff

import (
	"bytes"
	"fmt"
	"strconv"

	"sentry/pkg/strace"
)

// parseJSONL reads the sentry's `--strace-format jsonl` output (the
// format pkg/strace defines: strace.Record, DecodeJSONL). Blank
// lines are skipped; any other line that is not a JSON object is an
// error naming it, because the writer writes only whole objects: a
// truncated line means a damaged file, whose counts would mislead.
func parseJSONL(data []byte) (*Trace, error) {
	t := &Trace{Format: FormatJSONL, Src: data}
	// One event per line: growing the slice would copy them again and
	// again (a benchmark's trace has a million).
	t.Events = make([]Event, 0, bytes.Count(data, []byte{'\n'})+1)
	var err error
	eachLine(data, func(ln, start, end int, line []byte) {
		if err != nil || len(bytes.TrimSpace(line)) == 0 {
			return
		}
		j, derr := strace.DecodeJSONL(line)
		if derr != nil {
			err = fmt.Errorf("line %d: not a jsonl trace line (truncated?): %.60q", ln, line)
			return
		}
		var e Event
		switch {
		case j.Event == "signal":
			e = Event{Kind: EvSignal, Line: ln, PID: j.PID, Signal: j.Signal, FD: -1}
		case j.Event != "":
			e = Event{Kind: EvExit, Line: ln, PID: j.PID, FD: -1}
		case j.Name != "":
			e = newCall(ln, j.PID, j.Name)
			if len(j.Args) > 0 && int32(j.Args[0]) >= 0 {
				e.FD = int(int32(j.Args[0]))
			}
			e.HasRet = !noResult[e.Name]
			if e.HasRet {
				if j.Errno != "" {
					e.Errno = j.Errno
				} else {
					e.Ret = j.Ret
				}
			}
			if j.Data != nil {
				// data holds the bytes with strace's escaping, unquoted.
				e.Data = firstString(`"` + *j.Data + `"`)
			}
		default:
			return
		}
		e.TID, e.Start, e.End = j.TID, start, end
		e.At, e.Dur, e.HasTime = j.T, j.Dur, true
		t.Events = append(t.Events, e)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// jsonlShow renders a jsonl call line the way the strace format shows it
// ("openat(AT_FDCWD, "/x", O_RDONLY) = -1 ENOENT"), for people to read.
func jsonlShow(line []byte) string {
	j, err := strace.DecodeJSONL(line)
	if err != nil {
		return string(line)
	}
	switch {
	case j.Event == "signal":
		return "--- " + j.Signal + " ---"
	case j.Event != "":
		return "+++ " + j.Event + " +++"
	}
	r := strconv.FormatInt(j.Ret, 10)
	if j.Errno != "" {
		r = "-1 " + j.Errno
	}
	return j.Name + "(" + j.Text + ") = " + r
}
