package tracediff

// Formats a trace can be in.
const (
	FormatStrace  = "strace"
	FormatQemu    = "qemu"
	FormatMaturin = "maturin"
	FormatJSONL   = "jsonl"
)

// EventKind says what an Event is.
type EventKind int

const (
	// EvCall is a syscall.
	EvCall EventKind = iota
	// EvSignal is a signal delivery (Signal holds its name).
	EvSignal
	// EvExit is a thread or process ending.
	EvExit
	// EvCommand is a client command the log shows outside any syscall
	// (the maturin log's redis-cli prompt lines); Command holds it.
	EvCommand
)

// Event is one thing a trace shows, in the order the trace shows it. A
// call that the log splits (unfinished/resumed) is one Event at the
// place of its entry.
type Event struct {
	Kind EventKind
	Line int // 1-based line of the event's start in its file
	PID  int // as the log shows it; 0 when it shows none

	// Name is the normalised syscall name (see Normalize); Raw the name
	// as the log wrote it.
	Name, Raw string
	// FD is the first argument when it is a small integer, else -1.
	FD int
	// HasRet says the log shows a result. Errno is the error name when
	// the call failed ("" on success); Ret is the value on success.
	HasRet bool
	Ret    int64
	Errno  string
	// Data are the bytes the call read or wrote, as far as the log shows
	// them (nil when it shows none).
	Data []byte

	// resultSeen is parser state: the log showed this call's result.
	resultSeen bool

	Signal  string // EvSignal
	Command string // EvCommand: the command line as typed
}

// Trace is a parsed log.
type Trace struct {
	Format string
	Events []Event
}

// Syscalls counts the calls in t.
func (t *Trace) Syscalls() int {
	n := 0
	for i := range t.Events {
		if t.Events[i].Kind == EvCall {
			n++
		}
	}
	return n
}
