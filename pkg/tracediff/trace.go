package tracediff

import "bytes"

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
	// TID is the thread, where the log tells threads apart (strace -f
	// shows thread ids where this shows PID; jsonl shows both).
	TID int
	// Start and End are the byte offsets of the event's first line in
	// Trace.Src, for showing the line itself.
	Start, End int
	// At is when the call entered and Dur how long it took, in
	// nanoseconds from an origin of the log's own (HasTime says the log
	// shows times: jsonl, strace -t/-tt/-ttt; Dur is 0 where the log
	// shows no durations).
	At, Dur int64
	HasTime bool

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
	// Src is the log's bytes (Event.Start/End index it).
	Src []byte
}

// Timed says the trace shows when its calls were made.
func (t *Trace) Timed() bool {
	for i := range t.Events {
		if t.Events[i].Kind == EvCall {
			return t.Events[i].HasTime
		}
	}
	return false
}

// LineOf is the log line e started on, without its line end.
func (t *Trace) LineOf(e *Event) string {
	if e.Start < 0 || e.End > len(t.Src) || e.Start >= e.End {
		return ""
	}
	if t.Format == FormatJSONL {
		return jsonlShow(t.Src[e.Start:e.End])
	}
	return string(t.Src[e.Start:e.End])
}

// eachLine calls f with every line of data (1-based number, the byte
// offsets of its start and end, its bytes without "\n" or "\r\n").
func eachLine(data []byte, f func(ln, start, end int, line []byte)) {
	for ln, off := 1, 0; off < len(data); ln++ {
		end := bytes.IndexByte(data[off:], '\n')
		next := off + end + 1
		if end < 0 {
			end, next = len(data)-off, len(data)
		}
		end += off
		if end > off && data[end-1] == '\r' {
			end--
		}
		f(ln, off, end, data[off:end])
		off = next
	}
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
