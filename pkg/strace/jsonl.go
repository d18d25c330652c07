package strace

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// jsonString encodes s as a JSON string, leaving <, > and & as they are
// (the trace is no HTML page).
func jsonString(s string) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// appendJSONEvent appends {"t":NS,"pid":P,"tid":T,"k1":v1,...}\n from
// already-encoded values: the jsonl line of anything that is not a call
// ({"event":"signal",...}, {"event":"exit","status":N}).
func appendJSONEvent(b []byte, at time.Duration, pid, tid int, kv ...string) []byte {
	b = append(b, `{"t":`...)
	b = strconv.AppendInt(b, int64(at), 10)
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, int64(pid), 10)
	b = append(b, `,"tid":`...)
	b = strconv.AppendInt(b, int64(tid), 10)
	for i := 0; i+1 < len(kv); i += 2 {
		b = append(b, ',')
		b = append(b, jsonString(kv[i])...)
		b = append(b, ':')
		b = append(b, kv[i+1]...)
	}
	return append(b, "}\n"...)
}

// appendJSONCall appends one call as
//
//	{"t":1234,"pid":1,"tid":1,"dur":850,"arch":"amd64","nr":257,"name":"openat","args":[...six raw values...],
//	 "text":"AT_FDCWD, \"/x\", O_RDONLY","ret":-2,"errno":"ENOENT"}
//
// "t" is when the call entered and "dur" how long it took, both in
// nanoseconds on the monotonic clock ("t" from the trace's start), so
// that a timeline can be drawn from the trace alone. "errno" is only on
// failure and "data" (the bytes read or written, with strace's escaping,
// cut at the string limit) only when the call moved a buffer. text is the
// decoded arguments exactly as the strace format shows them.
func appendJSONCall(b []byte, p *Pending, tail []string) []byte {
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
	raw := []byte{'['}
	for i, a := range p.c.args {
		if i > 0 {
			raw = append(raw, ',')
		}
		raw = strconv.AppendUint(raw, a, 10)
	}
	raw = append(raw, ']')
	kv := []string{"dur", strconv.FormatInt(int64(p.dur), 10), "arch", jsonString(p.c.arch.String()), "nr", strconv.FormatUint(p.nr, 10),
		"name", jsonString(p.c.d.Name), "args", string(raw), "text", jsonString(string(text)),
		"ret", strconv.FormatInt(int64(p.c.ret), 10)}
	if p.c.failed {
		kv = append(kv, "errno", jsonString(errnoName(uint64(-int64(p.c.ret)))))
	}
	if p.hasData {
		kv = append(kv, "data", jsonString(p.data))
	}
	return appendJSONEvent(b, p.at, p.pid, p.tid, kv...)
}
