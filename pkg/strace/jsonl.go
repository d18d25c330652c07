package strace

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// Record is one line of the jsonl format, the only definition of it:
// the Tracer encodes its lines with AppendJSONL and readers (trace-diff)
// decode them with DecodeJSONL. A line is a call when Event is "", else
// an event: "signal" (Signal, Siginfo) or "exit" (Status; Signal and
// Core when a signal killed the thread).
//
//	{"t":1234,"pid":1,"tid":1,"dur":850,"arch":"amd64","nr":257,"name":"openat","args":[...six raw values...],
//	 "text":"AT_FDCWD, \"/x\", O_RDONLY","ret":-2,"errno":"ENOENT"}
//	{"t":1300,"pid":1,"tid":1,"event":"signal","signal":"SIGSEGV","siginfo":"{si_signo=SIGSEGV, ...}"}
//	{"t":1400,"pid":1,"tid":1,"event":"exit","status":139,"signal":"SIGSEGV","core":true}
//
// "t" is when the call entered (or the event happened) and "dur" how long
// the call took, both in nanoseconds on the monotonic clock ("t" from the
// trace's start), so that a timeline can be drawn from the trace alone.
// "errno" is only on failure and "data" (the bytes read or written, with
// strace's escaping, cut at the string limit) only when the call moved a
// buffer. text is the decoded arguments exactly as the strace format shows
// them.
type Record struct {
	T   int64 `json:"t"`
	PID int   `json:"pid"`
	TID int   `json:"tid"`

	Dur   int64    `json:"dur"`
	Arch  string   `json:"arch"`
	Nr    uint64   `json:"nr"`
	Name  string   `json:"name"`
	Args  []uint64 `json:"args"`
	Text  string   `json:"text"`
	Ret   int64    `json:"ret"`
	Errno string   `json:"errno"`
	Data  *string  `json:"data"`

	Event   string `json:"event"`
	Status  int    `json:"status"`
	Signal  string `json:"signal"`
	Siginfo string `json:"siginfo"`
	Core    bool   `json:"core"`
}

// DecodeJSONL reads one jsonl line.
func DecodeJSONL(line []byte) (Record, error) {
	var r Record
	err := json.Unmarshal(line, &r)
	return r, err
}

// AppendJSONL appends r as one jsonl line, "\n" included, with the keys
// in the order the type's comment shows.
func AppendJSONL(b []byte, r *Record) []byte {
	b = append(b, `{"t":`...)
	b = strconv.AppendInt(b, r.T, 10)
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, int64(r.PID), 10)
	b = append(b, `,"tid":`...)
	b = strconv.AppendInt(b, int64(r.TID), 10)
	switch r.Event {
	case "":
		b = append(b, `,"dur":`...)
		b = strconv.AppendInt(b, r.Dur, 10)
		b = appendKey(b, "arch", r.Arch)
		b = append(b, `,"nr":`...)
		b = strconv.AppendUint(b, r.Nr, 10)
		b = appendKey(b, "name", r.Name)
		b = append(b, `,"args":[`...)
		for i, a := range r.Args {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, a, 10)
		}
		b = append(b, ']')
		b = appendKey(b, "text", r.Text)
		b = append(b, `,"ret":`...)
		b = strconv.AppendInt(b, r.Ret, 10)
		if r.Errno != "" {
			b = appendKey(b, "errno", r.Errno)
		}
		if r.Data != nil {
			b = appendKey(b, "data", *r.Data)
		}
	case "signal":
		b = appendKey(b, "event", r.Event)
		b = appendKey(b, "signal", r.Signal)
		b = appendKey(b, "siginfo", r.Siginfo)
	default:
		b = appendKey(b, "event", r.Event)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(r.Status), 10)
		if r.Signal != "" {
			b = appendKey(b, "signal", r.Signal)
			b = append(b, `,"core":`...)
			b = strconv.AppendBool(b, r.Core)
		}
	}
	return append(b, "}\n"...)
}

// appendKey appends ,"key":"value" with value JSON-encoded, leaving <, >
// and & as they are (the trace is no HTML page).
func appendKey(b []byte, key, value string) []byte {
	b = append(b, `,"`...)
	b = append(b, key...)
	b = append(b, `":`...)
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	_ = e.Encode(value) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})...)
}

// jsonCall is the Record of a finished call; tail is what Exit decoded
// (see Exit).
func jsonCall(p *Pending, tail []string) Record {
	var text []byte
	for i, pc := range p.pieces[:p.split] {
		if i > 0 {
			text = append(text, ", "...)
		}
		text = append(text, pc.text...)
	}
	if len(tail) > 0 {
		if p.split > 0 {
			text = append(text, ", "...)
		}
		// The split piece's text is not in tail (see Exit).
		text = append(text, p.pieces[p.split].text+tail[0]...)
		for _, s := range tail[1:] {
			text = append(text, ", "...)
			text = append(text, s...)
		}
	}
	r := Record{T: int64(p.at), PID: p.pid, TID: p.tid, Dur: int64(p.dur), Arch: p.c.arch.String(), Nr: p.nr,
		Name: p.c.d.Name, Args: p.c.args[:], Text: string(text), Ret: int64(p.c.ret)}
	if p.c.failed {
		r.Errno = errnoName(uint64(-int64(p.c.ret)))
	}
	if p.hasData {
		r.Data = &p.data
	}
	return r
}

// since is a jsonl "t": ns from the trace's start, monotonic.
func since(start time.Time) int64 { return int64(time.Since(start)) }
