package tracediff

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// closeParen finds the ')' that closes an argument list, in s that starts
// inside it at paren depth depth (1 right after "name("). Quoted strings
// (with backslash escapes) are skipped. It returns -1 if s ends first.
func closeParen(s string, depth int) int {
	inq := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inq {
			switch c {
			case '\\':
				i++
			case '"':
				inq = false
			}
			continue
		}
		switch c {
		case '"':
			inq = true
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// splitArgs splits an argument list at the commas outside quotes and
// brackets.
func splitArgs(s string) []string {
	var out []string
	depth, start, inq := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inq {
			switch c {
			case '\\':
				i++
			case '"':
				inq = false
			}
			continue
		}
		switch c {
		case '"':
			inq = true
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// firstFD reads the first argument as an fd: a non-negative decimal,
// possibly followed by strace -y's "<path>".
func firstFD(args string) int {
	a := args
	if i := strings.IndexAny(a, ",<"); i >= 0 {
		a = a[:i]
	}
	n, err := strconv.Atoi(strings.TrimSpace(a))
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// firstString decodes the first quoted string in s (strace's escaping),
// or returns nil if there is none.
func firstString(s string) []byte {
	i := strings.IndexByte(s, '"')
	if i < 0 {
		return nil
	}
	var b []byte
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		switch c {
		case '"':
			return b
		case '\\':
			v, n := unescape(s[j+1:])
			b = append(b, v)
			j += n
		default:
			b = append(b, c)
		}
	}
	return b
}

// unescape decodes one escape after its backslash and says how many bytes
// it took.
func unescape(s string) (byte, int) {
	if s == "" {
		return '\\', 0
	}
	switch s[0] {
	case 'n':
		return '\n', 1
	case 't':
		return '\t', 1
	case 'r':
		return '\r', 1
	case 'v':
		return '\v', 1
	case 'f':
		return '\f', 1
	case 'x':
		if len(s) >= 3 {
			if v, err := strconv.ParseUint(s[1:3], 16, 8); err == nil {
				return byte(v), 3
			}
		}
		return 'x', 1
	}
	if s[0] >= '0' && s[0] <= '7' {
		n := 1
		for n < 3 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
			n++
		}
		v, _ := strconv.ParseUint(s[:n], 8, 16)
		return byte(v), n
	}
	return s[0], 1
}

// restartNames are the kernel-internal restart errnos, which strace shows
// by name and qemu by number.
var restartNames = map[int]string{512: "ERESTARTSYS", 513: "ERESTARTNOINTR", 514: "ERESTARTNOHAND", 516: "ERESTART_RESTARTBLOCK"}

func errnoByNumber(n int) string {
	if s, ok := restartNames[n]; ok {
		return s
	}
	if s := unix.ErrnoName(unix.Errno(n)); s != "" {
		return s
	}
	return "E" + strconv.Itoa(n)
}

func isErrnoName(s string) bool {
	if len(s) < 2 || s[0] != 'E' {
		return false
	}
	for _, c := range s[1:] {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// parseResult reads what follows a call's ')': "= 3", "= -1 ENOENT (...)",
// "= -1 errno=2 (...)" (qemu), "= ? ERESTARTSYS (...)", "= ?", each
// possibly followed by more text (strace -T's "<0.000012>", decoded
// results). ok is false when s holds no "=".
func parseResult(s string, e *Event) bool {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "=") {
		return false
	}
	f := strings.Fields(s[1:])
	if len(f) == 0 {
		return true
	}
	switch {
	case f[0] == "?":
		if len(f) > 1 && isErrnoName(f[1]) {
			e.HasRet, e.Errno = true, f[1]
		}
	case f[0] == "-1" && len(f) > 1 && isErrnoName(f[1]):
		e.HasRet, e.Errno = true, f[1]
	case f[0] == "-1" && len(f) > 1 && strings.HasPrefix(f[1], "errno="):
		n, _ := strconv.Atoi(strings.TrimPrefix(f[1], "errno="))
		e.HasRet, e.Errno = true, errnoByNumber(n)
	default:
		v, err := strconv.ParseInt(f[0], 0, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(f[0], 0, 64)
			if uerr != nil {
				return true
			}
			v = int64(u)
		}
		e.HasRet, e.Ret = true, v
	}
	if noResult[e.Name] {
		e.HasRet, e.Errno, e.Ret = false, "", 0
	}
	return true
}

// newCall makes the call event for a log name (Linux spelling).
func newCall(line, pid int, raw string) Event {
	return Event{Kind: EvCall, Line: line, PID: pid, Raw: raw, Name: Normalize(raw), FD: -1}
}

// movesBytes says a call's first quoted string is data it moved.
func movesBytes(name string) bool {
	return readsBytes[name] || name == "write" || name == "writev" || name == "sendto" || name == "sendmsg" || name == "pwrite64"
}

// setArgs records what the phase splitter needs from an argument list.
func setArgs(e *Event, args string) {
	e.FD = firstFD(args)
	if movesBytes(e.Name) {
		e.Data = firstString(args)
	}
}
