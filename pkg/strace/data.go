package strace

// The jsonl format's "data": the bytes a call moved, read at Enter for
// buffers going in (the handler or another thread may change them) and at
// Exit for buffers coming out; only the first buffer argument of a call.

func enterData(p *Pending) {
	c := &p.c
	for i, a := range c.d.Args {
		switch a.Kind {
		case InBuf:
			p.data, p.hasData = c.bytesAt(c.arg(i), int64(c.arg(i+1)))
			return
		case InIovec:
			p.data, p.hasData = c.iovecBytes(c.arg(i), c.arg(i+1), -1)
			return
		case OutBuf, OutHexBuf, OutIovec:
			return
		}
	}
}

func exitData(p *Pending) {
	c := &p.c
	if c.failed || p.hasData {
		return
	}
	for i, a := range c.d.Args {
		switch a.Kind {
		case OutBuf, OutHexBuf:
			p.data, p.hasData = c.bytesAt(c.arg(i), int64(c.ret))
			return
		case OutIovec:
			p.data, p.hasData = c.iovecBytes(c.arg(i), c.arg(i+1), int64(c.ret))
			return
		case InBuf, InIovec:
			return
		}
	}
}

// unquoted is quote's escaping without the quotes.
func unquoted(b []byte) string {
	q := quote(b, false, false)
	return q[1 : len(q)-1]
}

// bytesAt is up to the string limit of the n bytes at addr, escaped.
func (c *call) bytesAt(addr uint64, n int64) (string, bool) {
	if addr == 0 || n < 0 {
		return "", false
	}
	n = min(n, int64(c.limit))
	b, ok := c.read(addr, int(n))
	if !ok {
		return "", false
	}
	return unquoted(b), true
}

// iovecBytes gathers up to the string limit of the bytes an iovec array
// holds (total bytes of it when total >= 0), escaped.
func (c *call) iovecBytes(addr, count uint64, total int64) (string, bool) {
	if addr == 0 {
		return "", false
	}
	count = min(count, 1024)
	raw, ok := c.read(addr, int(count)*16)
	if !ok {
		return "", false
	}
	left := int64(c.limit)
	if total >= 0 {
		left = min(left, total)
	}
	var out []byte
	for j := 0; j < int(count) && left > 0; j++ {
		base, l := le64(raw[j*16:]), int64(le64(raw[j*16+8:]))
		l = min(l, left)
		b, ok := c.read(base, int(l))
		if !ok {
			break
		}
		out = append(out, b...)
		left -= l
	}
	return unquoted(out), true
}
