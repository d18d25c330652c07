package tracediff

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"sentry/pkg/strace"
)

// Detect names the format of a log, or fails when it is in none.
func Detect(data []byte) (string, error) {
	if strace.HasMaturinCall(data) {
		return FormatMaturin, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	straces, qemu, lines, calls := 0, 0, 0, 0
	for sc.Scan() && lines < 5000 {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		lines++
		if lines == 1 && line[0] == '{' && json.Valid([]byte(line)) {
			if j, err := strace.DecodeJSONL([]byte(line)); err == nil && (j.Name != "" || j.Event != "") {
				return FormatJSONL, nil
			}
		}
		if qemuUnknownRE.MatchString(line) || strings.Contains(line, ") = -1 errno=") {
			qemu++
			continue
		}
		m := straceLineRE.FindStringSubmatch(line)
		c := callStartRE.FindStringSubmatch(m[7])
		if c == nil {
			continue
		}
		rest := m[7][len(c[0]):]
		end := closeParen(rest, 1)
		// Only a call with a result counts: prose mentioning f(x)
		// is no trace.
		if end < 0 || !strings.HasPrefix(strings.TrimSpace(rest[end+1:]), "=") {
			continue
		}
		calls++
		args := splitArgs(rest[:end])
		if len(args) < 2 {
			// One argument: strace pads results to column 40, qemu
			// never pads.
			if strings.Contains(rest[end+1:], "  =") {
				straces++
			}
			continue
		}
		if strings.HasPrefix(args[1], " ") {
			straces++
		} else {
			qemu++
		}
	}
	switch {
	case straces == 0 && qemu == 0 && calls == 0:
		return "", fmt.Errorf("not a trace in a known format (strace, qemu -strace, maturin or jsonl)")
	case qemu > straces:
		return FormatQemu, nil
	default:
		return FormatStrace, nil
	}
}

// Parse detects data's format and parses it.
func Parse(data []byte) (*Trace, error) {
	f, err := Detect(data)
	if err != nil {
		return nil, err
	}
	switch f {
	case FormatMaturin:
		return parseMaturin(data), nil
	case FormatJSONL:
		return parseJSONL(data)
	case FormatQemu:
		return parseQemu(data), nil
	default:
		return parseStrace(data), nil
	}
}

// ParseFile reads and parses the log at path.
func ParseFile(path string) (*Trace, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}
