package tracediff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// jsonLine is one line of the sentry's jsonl trace (pkg/strace).
type jsonLine struct {
	Event  string   `json:"event"`
	T      *int64   `json:"t"`
	Dur    int64    `json:"dur"`
	PID    int      `json:"pid"`
	TID    int      `json:"tid"`
	Name   string   `json:"name"`
	Args   []uint64 `json:"args"`
	Text   string   `json:"text"`
	Ret    int64    `json:"ret"`
	Errno  string   `json:"errno"`
	Data   *string  `json:"data"`
	Signal string   `json:"signal"`
}

// parseJSONL reads the sentry's `--strace-format jsonl` output. Blank
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
		var j jsonLine
		if e := json.Unmarshal(line, &j); e != nil {
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
		if j.T != nil {
			e.At, e.Dur, e.HasTime = *j.T, j.Dur, true
		}
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
	var j jsonLine
	if json.Unmarshal(line, &j) != nil {
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
