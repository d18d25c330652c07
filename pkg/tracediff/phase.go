package tracediff

import (
	"bytes"
	"strconv"
	"strings"
)

// Phase is a stretch of a trace: its name and its calls.
type Phase struct {
	Name  string
	Calls []*Event
	// Starts are the indexes in Trace.Events where the trace entered the
	// phase (idle is entered many times; other phases once).
	Starts []int
}

// Phase names.
const (
	PhaseStartup  = "startup"
	PhaseIdle     = "idle"
	PhaseConnect  = "connect"
	PhaseShutdown = "shutdown"
	commandPrefix = "command:"
)

// Split cuts t into phases (see the package doc). session names the
// client's commands in order, for logs that show no bytes read; it may be
// nil. A phase name that recurs gets "#2", "#3"... except idle, which is
// one phase wherever it occurs.
func Split(t *Trace, session []string) []Phase {
	var phases []Phase
	index := map[string]int{}
	seen := map[string]int{}
	cur := -1
	pos := 0 // the event being read, where a phase entered starts
	enter := func(name string) {
		if name == PhaseIdle {
			if i, ok := index[name]; ok {
				cur = i
				phases[i].Starts = append(phases[i].Starts, pos)
				return
			}
		} else {
			seen[name]++
			if n := seen[name]; n > 1 {
				name += "#" + strconv.Itoa(n)
			}
		}
		index[name] = len(phases)
		phases = append(phases, Phase{Name: name, Starts: []int{pos}})
		cur = len(phases) - 1
	}
	enter(PhaseStartup)
	state := PhaseStartup
	prompts := false
	for i := range t.Events {
		if t.Events[i].Kind == EvCommand {
			prompts = true
			break
		}
	}
	// accepted are the fds accept returned and close has not closed.
	// They are keyed by fd alone: strace -f prefixes thread ids, and
	// a server may accept on one thread and read on another.
	accepted := map[int]bool{}
	next := 0 // into session
	command := func(name string) {
		if name == "SHUTDOWN" {
			state = PhaseShutdown
			enter(PhaseShutdown)
			return
		}
		state = commandPrefix
		enter(commandPrefix + name)
	}
	for i := range t.Events {
		e := &t.Events[i]
		pos = i
		switch e.Kind {
		case EvSignal:
			if state != PhaseShutdown && terminating[e.Signal] {
				state = PhaseShutdown
				enter(PhaseShutdown)
			}
			continue
		case EvCommand:
			if state != PhaseShutdown {
				command(commandWord([]byte(e.Command)))
			}
			continue
		case EvExit:
			continue
		}
		if state != PhaseShutdown {
			switch {
			case e.Name == "accept" && e.HasRet && e.Errno == "" && e.Ret >= 0:
				accepted[int(e.Ret)] = true
				state = PhaseConnect
				enter(PhaseConnect)
			case !prompts && readsBytes[e.Name] && e.FD >= 0 && accepted[e.FD] && e.HasRet && e.Errno == "" && e.Ret > 0:
				name := "?"
				switch {
				case e.Data != nil:
					name = commandWord(e.Data)
				case next < len(session):
					name = commandWord([]byte(session[next]))
					next++
				}
				command(name)
			case waitsForEvents[e.Name] && state != PhaseIdle && (state != commandPrefix || !prompts):
				state = PhaseIdle
				enter(PhaseIdle)
			case e.Name == "close" && e.FD >= 0:
				delete(accepted, e.FD)
			}
		}
		phases[cur].Calls = append(phases[cur].Calls, e)
	}
	// An empty startup (a log that begins later, like the maturin
	// excerpt) is no phase.
	if len(phases[0].Calls) == 0 {
		phases = phases[1:]
	}
	return phases
}

// commandWord is the upper-cased first word of a client command: the
// first bulk string of a RESP array, or the first word of an inline
// command or a typed line. "?" if there is none.
func commandWord(b []byte) string {
	if len(b) > 0 && b[0] == '*' {
		// *N\r\n$LEN\r\nWORD\r\n
		parts := bytes.SplitN(b, []byte("\r\n"), 4)
		if len(parts) >= 3 && len(parts[1]) > 0 && parts[1][0] == '$' {
			return upperWord(string(parts[2]))
		}
		return "?"
	}
	return upperWord(string(b))
}

func upperWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return "?"
	}
	return strings.ToUpper(f[0])
}
