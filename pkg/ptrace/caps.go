package ptrace

import (
	"os"
	"strconv"
	"strings"
	"sync"
)

// capSysPtrace is CAP_SYS_PTRACE's bit in /proc/PID/status's CapEff.
const capSysPtrace = 19

// hasPtraceCap reports whether the sentry holds CAP_SYS_PTRACE, which
// Linux requires to PTRACE_SEIZE a thread of a non-dumpable process. It
// is a fact about the host process, read once.
var hasPtraceCap = sync.OnceValue(func() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	return capEffHas(string(b), capSysPtrace)
})

// capEffHas reports whether the CapEff line of a /proc/PID/status text
// has capability bit cap set.
func capEffHas(status string, cap uint) bool {
	for _, line := range strings.Split(status, "\n") {
		v, ok := strings.CutPrefix(line, "CapEff:")
		if !ok {
			continue
		}
		m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		return err == nil && m&(1<<cap) != 0
	}
	return false
}
