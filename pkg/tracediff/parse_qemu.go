package tracediff

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"sentry/pkg/arch"
)

var (
	qemuCallRE    = regexp.MustCompile(`^(\d+) ([a-z_][a-z0-9_]*)\(`)
	qemuUnknownRE = regexp.MustCompile(`^(\d+) Unknown syscall (\d+)`)
)

// parseQemu reads `qemu-* -strace` output. qemu writes a call's start
// and its result separately, so when threads interleave a line may hold
// the start of one call glued to another ("...,0)123 futex(...) = 0"), and
// a result may stand alone on a line (" = 0"); such a result goes to the
// latest call still without one. qemu shows no buffer contents.
func parseQemu(data []byte) *Trace {
	t := &Trace{Format: FormatQemu}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "--- SIG"):
			f := strings.Fields(line)
			t.Events = append(t.Events, Event{Kind: EvSignal, Line: ln, Signal: f[1], FD: -1})
			continue
		case strings.HasPrefix(strings.TrimSpace(line), "= "):
			for i := len(t.Events) - 1; i >= 0 && i >= len(t.Events)-64; i-- {
				p := &t.Events[i]
				if p.Kind == EvCall && !p.resultSeen {
					p.resultSeen = true
					parseResult(line, p)
					break
				}
			}
			continue
		}
		if m := qemuUnknownRE.FindStringSubmatch(line); m != nil {
			pid, _ := strconv.Atoi(m[1])
			e := newCall(ln, pid, "syscall_"+m[2])
			e.resultSeen = true
			t.Events = append(t.Events, e)
			continue
		}
		for line != "" {
			m := qemuCallRE.FindStringSubmatch(line)
			if m == nil {
				break
			}
			pid, _ := strconv.Atoi(m[1])
			e := newCall(ln, pid, m[2])
			rest := line[len(m[0]):]
			end := closeParen(rest, 1)
			if end < 0 {
				setArgs(&e, rest)
				t.Events = append(t.Events, e)
				break
			}
			setArgs(&e, rest[:end])
			line = rest[end+1:]
			if parseResult(line, &e) {
				e.resultSeen = true
				line = ""
			}
			if noResult[e.Name] {
				e.resultSeen = true
			}
			t.Events = append(t.Events, e)
		}
	}
	// "Unknown syscall N" numbers are the guest's: name them by its
	// arch, which qemu does not print. Every amd64 program calls
	// arch_prctl (glibc and musl set their TLS with it); riscv64 has no
	// such call.
	a := arch.RISCV64
	for i := range t.Events {
		t.Events[i].resultSeen = false
		if t.Events[i].Raw == "arch_prctl" {
			a = arch.AMD64
		}
	}
	for i := range t.Events {
		e := &t.Events[i]
		if nr, ok := strings.CutPrefix(e.Raw, "syscall_"); ok {
			n, _ := strconv.ParseUint(nr, 10, 64)
			if s, ok := arch.Lookup(a, n); ok {
				e.Raw, e.Name = s.Name(), Normalize(s.Name())
			}
		}
	}
	return t
}
