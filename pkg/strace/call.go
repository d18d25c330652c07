package strace

import (
	"encoding/binary"
	"strconv"

	"sentry/pkg/arch"
)

// call is one syscall being decoded: its description, raw arguments, the
// memory to read them from and, at exit, its result.
type call struct {
	d     *Desc
	args  [6]uint64
	mem   Memory
	arch  arch.Arch
	limit int // strace's -s: bytes of a buffer or string, elements of an array

	ret    uint64
	failed bool
}

// piece is one shown argument. text is rendered at Enter; exit, if set,
// is rendered at Exit and appended to text. A call's line splits, for
// "<unfinished ...>", just before the first exit func.
type piece struct {
	text string
	exit func(c *call) string
}

func (c *call) arg(i int) uint64 {
	if i < 0 || i >= len(c.args) {
		return 0
	}
	return c.args[i]
}

// read copies n bytes at addr; ok is false unless all of them were readable.
func (c *call) read(addr uint64, n int) ([]byte, bool) {
	if c.mem == nil || n < 0 {
		return nil, false
	}
	b := make([]byte, n)
	got, err := c.mem.CopyIn(addr, b)
	if err != nil || got != n {
		return nil, false
	}
	return b, true
}

func (c *call) u32(addr uint64) (uint32, bool) {
	b, ok := c.read(addr, 4)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}

func (c *call) u64(addr uint64) (uint64, bool) {
	b, ok := c.read(addr, 8)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b), true
}

// cstring reads a NUL-terminated string of at most max bytes. more says the
// string goes on past max (or past readable memory after some bytes).
func (c *call) cstring(addr uint64, max int) (s string, more, ok bool) {
	if c.mem == nil {
		return "", false, false
	}
	// Read one byte more than shown, so a string of exactly max bytes is
	// not taken for a longer one.
	s, err := c.mem.CopyInString(addr, max+1)
	if err == nil {
		if len(s) > max {
			return s[:max], true, true
		}
		return s, false, true
	}
	if s != "" {
		if len(s) > max {
			s = s[:max]
		}
		return s, true, true
	}
	// Some implementations fail without a partial result when no NUL is
	// found within max; fall back to a plain copy.
	b := make([]byte, max+1)
	n, _ := c.mem.CopyIn(addr, b)
	b = b[:n]
	for i, ch := range b {
		if ch == 0 {
			return string(b[:i]), false, true
		}
	}
	if n == 0 {
		return "", false, false
	}
	if len(b) > max {
		b = b[:max]
	}
	return string(b), true, true
}

func pointer(v uint64) string {
	if v == 0 {
		return "NULL"
	}
	return "0x" + strconv.FormatUint(v, 16)
}

func dec(v uint64) string   { return strconv.FormatInt(int64(int32(v)), 10) }
func udec(v uint64) string  { return strconv.FormatUint(v, 10) }
func dec64(v uint64) string { return strconv.FormatInt(int64(v), 10) }

// buf renders n bytes at addr as a quoted string cut at the limit.
func (c *call) buf(addr uint64, n int64, forceHex bool) string {
	if addr == 0 {
		return "NULL"
	}
	if n < 0 {
		return pointer(addr)
	}
	want := n
	if want > int64(c.limit) {
		want = int64(c.limit)
	}
	b, ok := c.read(addr, int(want))
	if !ok {
		return pointer(addr)
	}
	return quote(b, forceHex, n > want)
}

// str renders a NUL-terminated string at addr, cut at max bytes.
func (c *call) str(addr uint64, max int) string {
	if addr == 0 {
		return "NULL"
	}
	s, more, ok := c.cstring(addr, max)
	if !ok {
		return pointer(addr)
	}
	return quote([]byte(s), false, more)
}

// pathMax is Linux's PATH_MAX less the NUL: strace shows whole paths
// whatever its -s.
const pathMax = 4095
