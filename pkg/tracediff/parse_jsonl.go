package tracediff

import (
	"bufio"
	"bytes"
	"encoding/json"
)

// jsonLine is one line of the sentry's jsonl trace (pkg/strace).
type jsonLine struct {
	Event  string   `json:"event"`
	PID    int      `json:"pid"`
	TID    int      `json:"tid"`
	Name   string   `json:"name"`
	Args   []uint64 `json:"args"`
	Ret    int64    `json:"ret"`
	Errno  string   `json:"errno"`
	Data   *string  `json:"data"`
	Signal string   `json:"signal"`
}

// parseJSONL reads the sentry's `--strace-format jsonl` output. Lines
// that are not JSON objects are skipped.
func parseJSONL(data []byte) *Trace {
	t := &Trace{Format: FormatJSONL}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for ln := 1; sc.Scan(); ln++ {
		var j jsonLine
		if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
			continue
		}
		switch {
		case j.Event == "signal":
			t.Events = append(t.Events, Event{Kind: EvSignal, Line: ln, PID: j.PID, Signal: j.Signal, FD: -1})
		case j.Event != "":
			t.Events = append(t.Events, Event{Kind: EvExit, Line: ln, PID: j.PID, FD: -1})
		case j.Name != "":
			e := newCall(ln, j.PID, j.Name)
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
			t.Events = append(t.Events, e)
		}
	}
	return t
}
