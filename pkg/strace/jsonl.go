package strace

import (
	"encoding/json"
	"strconv"
)

func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// jsonEvent builds {"tid":N,"k1":v1,...}\n from already-encoded values.
func jsonEvent(tid int, kv ...string) []byte {
	b := []byte(`{"tid":`)
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
// {"tid":1,"name":"openat","args":["AT_FDCWD",...],"raw":[...],"ret":3,"result":"3"}
// with "errno":"ENOENT" on failure. args are the decoded arguments as
// strace shows them; raw are the six register values.
func appendJSONCall(b []byte, p *Pending, tail []string, res string) []byte {
	args := make([]string, 0, len(p.pieces))
	for _, pc := range p.pieces[:p.split] {
		args = append(args, pc.text)
	}
	if len(tail) > 0 {
		// The split piece's text is not in tail (see Exit).
		args = append(args, p.pieces[p.split].text+tail[0])
		args = append(args, tail[1:]...)
	}
	enc, _ := json.Marshal(args)
	raw := []byte{'['}
	for i, a := range p.c.args {
		if i > 0 {
			raw = append(raw, ',')
		}
		raw = strconv.AppendUint(raw, a, 10)
	}
	raw = append(raw, ']')
	kv := []string{"name", jsonString(p.c.d.Name), "args", string(enc), "raw", string(raw),
		"ret", strconv.FormatInt(int64(p.c.ret), 10), "result", jsonString(res)}
	if p.c.failed {
		kv = append(kv, "errno", jsonString(errnoName(uint64(-int64(p.c.ret)))))
	}
	return append(b, jsonEvent(p.tid, kv...)...)
}
