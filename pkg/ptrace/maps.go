package ptrace

import (
	"fmt"
	"strconv"
	"strings"
)

// hostMapping is one line of /proc/PID/maps.
type hostMapping struct {
	start, end uint64
	path       string
}

// parseMaps parses the text of /proc/PID/maps.
func parseMaps(text string) ([]hostMapping, error) {
	var out []hostMapping
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 5 {
			return nil, fmt.Errorf("ptrace: malformed maps line %q", line)
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			return nil, fmt.Errorf("ptrace: malformed maps range in %q", line)
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			return nil, fmt.Errorf("ptrace: malformed maps range in %q", line)
		}
		m := hostMapping{start: start, end: end}
		if len(fields) >= 6 {
			// A path may contain spaces (" (deleted)"); keep the rest of the line.
			idx := strings.Index(line, fields[5])
			m.path = strings.TrimSpace(line[idx:])
		}
		out = append(out, m)
	}
	return out, nil
}

// mappingRole says what the stub must do with one of its initial mappings.
type mappingRole int

const (
	roleUnmap   mappingRole = iota // the application does not need it
	roleStub                       // the stub's own code page
	roleVDSO                       // the host vDSO the application may use
	roleVVAR                       // data pages the vDSO reads
	roleIgnored                    // above the user address space (vsyscall)
)

// classify decides a mapping's role. Anything unknown is unmapped, so that
// the stub keeps no more of the host than the application needs.
func classify(m hostMapping) mappingRole {
	switch {
	case m.start == stubBase:
		return roleStub
	case m.path == "[vdso]":
		return roleVDSO
	case strings.HasPrefix(m.path, "[vvar"):
		return roleVVAR
	case m.path == "[vsyscall]":
		return roleIgnored
	}
	return roleUnmap
}
