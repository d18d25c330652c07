package strace

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"sentry/pkg/arch"
)

// Formats a Tracer can write.
const (
	FormatStrace = "strace" // like `strace -f -o FILE`
	FormatJSONL  = "jsonl"  // one JSON object per line
	// FormatMaturin is the seed kernel's log format (shared/REFERENCES.md),
	// for comparing runs with its logs.
	FormatMaturin = "maturin"
)

// DefaultStringLimit is the number of bytes of a buffer, or elements of an
// array, shown when Options.StringLimit is 0. (strace's own -s default is
// 32; pass 32 for lines identical to it.)
const DefaultStringLimit = 96

// Options configure a Tracer.
type Options struct {
	Format      string // FormatStrace (also for ""), FormatJSONL or FormatMaturin
	StringLimit int    // strace's -s; 0 means DefaultStringLimit
	Arch        arch.Arch
	// Syscalls, if not empty, are the only syscalls shown (Linux names);
	// Exclude are never shown.
	Syscalls, Exclude []string
	// Start is time zero of jsonl's "t"; the zero Time means when the
	// Tracer was made.
	Start time.Time
}

// Check reports options a Tracer cannot honour.
func (o Options) Check() error {
	switch o.Format {
	case "", FormatStrace, FormatJSONL, FormatMaturin:
	default:
		return fmt.Errorf("strace: unknown trace format %q (want %q, %q or %q)", o.Format, FormatStrace, FormatJSONL, FormatMaturin)
	}
	if o.StringLimit < 0 {
		return fmt.Errorf("strace: negative string limit %d", o.StringLimit)
	}
	_, err := newFilter(o.Syscalls, o.Exclude)
	return err
}

// Tracer writes a trace. It is safe for concurrent use by many task
// goroutines. A nil *Tracer is valid and traces nothing, so callers need no
// "tracing on?" test of their own.
type Tracer struct {
	w     io.Writer
	o     Options
	limit int
	// whole says lines are written only at Exit, with no
	// unfinished/resumed halves (jsonl, maturin).
	whole bool
	// show is the set of syscalls traced (Options.Syscalls, Exclude).
	show  filter
	start time.Time

	mu sync.Mutex
	// pids maps a thread to its process, for the events of formats that
	// show both (jsonl), when they differ.
	pids map[int]int
	// queue holds, in entry order, calls entered whose first half has not
	// been written. strace writes a call's first half at entry; writing it
	// only when some other line comes (as "<unfinished ...>") or at exit
	// (as one whole line) gives byte-for-byte the same file while writing
	// only whole lines.
	queue []*Pending
	// last is the call whose entry is the latest event, if no line has been
	// written since: only it can still be printed as one line.
	last *Pending
	err  error
	out  []byte
}

// Pending is a call between Enter and Exit.
type Pending struct {
	tid     int
	pid     int
	nr      uint64
	at      time.Duration // since Tracer.start, at Enter
	dur     time.Duration // jsonl: from Enter to Exit
	data    string        // jsonl: the buffer moved, escaped; set when hasData
	hasData bool
	c       call
	pieces  []piece
	split   int  // index of the first piece with an exit part
	queued  bool // in Tracer.queue
}

// NewTracer returns a Tracer writing to w. An unknown Format writes the
// strace format (see Options.Check).
func NewTracer(w io.Writer, o Options) *Tracer {
	t := &Tracer{w: w, o: o, limit: o.StringLimit, whole: o.Format == FormatJSONL || o.Format == FormatMaturin, start: o.Start}
	if t.limit <= 0 {
		t.limit = DefaultStringLimit
	}
	if t.start.IsZero() {
		t.start = time.Now()
	}
	f, err := newFilter(o.Syscalls, o.Exclude)
	if err != nil {
		// Check reports it; an unusable list traces everything.
		f, _ = newFilter(nil, nil)
	}
	t.show = f
	return t
}

// Err is the first error the writer returned; later lines were dropped.
func (t *Tracer) Err() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Enter records a syscall about to run in thread tid and decodes its
// input-side arguments from mem now, before the handler runs. d must stay
// unchanged until Exit. mem may be nil (arguments needing memory are then
// shown as addresses).
func (t *Tracer) Enter(tid int, d *Desc, args [6]uint64, mem Memory) *Pending {
	if t == nil || d == nil {
		return nil
	}
	s, _ := arch.SysnoByName(d.Name)
	nr, _ := arch.Number(t.o.Arch, s)
	return t.EnterCall(tid, tid, s, nr, d, args, mem)
}

// Traced says calls of s are shown (Options.Syscalls and Exclude): one
// bit test, so a kernel may ask before doing any work for the tracer.
func (t *Tracer) Traced(s arch.Sysno) bool { return t != nil && t.show.has(s) }

// EnterCall is Enter for thread tid of process pid, calling syscall s
// (number nr on the tracer's arch). It returns nil, and traces nothing
// of the call, when s is filtered out.
func (t *Tracer) EnterCall(pid, tid int, s arch.Sysno, nr uint64, d *Desc, args [6]uint64, mem Memory) *Pending {
	if t == nil || d == nil || !t.show.has(s) {
		return nil
	}
	p := &Pending{tid: tid, pid: pid, nr: nr, c: call{d: d, args: args, mem: mem, arch: t.o.Arch, limit: t.limit}}
	if t.o.Format == FormatJSONL {
		p.at = time.Since(t.start)
		enterData(p)
		if pid != tid {
			t.mu.Lock()
			if t.pids == nil {
				t.pids = map[int]int{}
			}
			t.pids[tid] = pid
			t.mu.Unlock()
		}
	}
	p.pieces = decode(&p.c)
	p.split = len(p.pieces)
	for i, pc := range p.pieces {
		if pc.exit != nil {
			p.split = i
			break
		}
	}
	if t.whole {
		return p
	}
	t.mu.Lock()
	p.queued = true
	t.queue = append(t.queue, p)
	t.last = p
	t.mu.Unlock()
	return p
}

// Blocking says p is about to wait for long: its first half is written
// now (ending in "<unfinished ...>") so that the trace shows what the
// thread waits in. It costs a "resumed" line even if nothing else is
// written meanwhile, so callers use it only for waits that may be long.
func (t *Tracer) Blocking(p *Pending) {
	if t == nil || p == nil || t.whole {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !p.queued {
		return
	}
	n := 0
	for n < len(t.queue) && t.queue[n] != p {
		n++
	}
	t.out = t.out[:0]
	t.flushQueue(n + 1)
	// A call entered after p keeps its chance of a whole line: its entry
	// still follows every line written.
	if t.last != nil && !t.last.queued {
		t.last = nil
	}
	t.write()
}

// Exit finishes p with the raw result ret (a value, or -errno): it decodes
// the output-side arguments and writes the call.
func (t *Tracer) Exit(p *Pending, ret uint64) {
	if t == nil || p == nil {
		return
	}
	c := &p.c
	c.ret, c.failed = ret, isError(ret)
	// Memory is read before taking the lock.
	// tail is what follows head(): the exit part of the split piece (whose
	// text head() already holds), then the later pieces.
	tail := make([]string, 0, len(p.pieces)-p.split)
	for i, pc := range p.pieces[p.split:] {
		s := pc.text
		if i == 0 {
			s = ""
		}
		if pc.exit != nil {
			s += pc.exit(c)
		}
		tail = append(tail, s)
	}
	if t.whole {
		if t.o.Format == FormatJSONL {
			// Both ends on the monotonic clock (time.Since), so a
			// wall-clock step cannot make a call last less than 0.
			p.dur = time.Since(t.start) - p.at
			exitData(p)
		}
		t.mu.Lock()
		if t.o.Format == FormatMaturin {
			t.out = appendMaturinCall(t.out[:0], p)
		} else {
			r := jsonCall(p, tail)
			t.out = AppendJSONL(t.out[:0], &r)
		}
		t.write()
		t.mu.Unlock()
		return
	}

	res := result(c)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.out = t.out[:0]
	var line strings.Builder
	if p.queued && t.last == p {
		// Nothing was written since p entered: one whole line, after the
		// first halves of calls that entered before it.
		t.flushQueue(len(t.queue) - 1)
		t.queue = t.queue[:0]
		p.queued = false
		line.WriteString(p.head())
	} else {
		t.flushQueue(len(t.queue))
		line.WriteString("<... ")
		line.WriteString(c.d.Name)
		line.WriteString(" resumed>")
	}
	line.WriteString(strings.Join(tail, ", "))
	line.WriteByte(')')
	t.last = nil
	t.appendPrefixed(p.tid, padResult(t.prefixLen(p.tid), line.String(), res))
	t.write()
}

// head is the first half of p's line: "name(" and the arguments before the
// first one decoded at exit, with the separator that follows them.
func (p *Pending) head() string {
	var b strings.Builder
	b.WriteString(p.c.d.Name)
	b.WriteByte('(')
	for i, pc := range p.pieces[:p.split] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(pc.text)
	}
	if p.split > 0 && p.split < len(p.pieces) {
		b.WriteString(", ")
	}
	if p.split < len(p.pieces) {
		b.WriteString(p.pieces[p.split].text)
	}
	return b.String()
}

// resultColumn is where strace aligns "= ret".
const resultColumn = 40

func (t *Tracer) prefixLen(tid int) int {
	n := len(strconv.Itoa(tid))
	if n < 5 {
		n = 5
	}
	return n + 1
}

func padResult(prefix int, body, res string) string {
	if pad := resultColumn - 1 - prefix - len(body); pad > 0 {
		body += strings.Repeat(" ", pad)
	}
	return body + " = " + res
}

// flushQueue writes the first halves of the first n queued calls as
// unfinished lines and drops them from the queue.
func (t *Tracer) flushQueue(n int) {
	if n > len(t.queue) {
		n = len(t.queue)
	}
	for _, q := range t.queue[:n] {
		q.queued = false
		t.appendPrefixed(q.tid, q.head()+" <unfinished ...>")
	}
	rest := copy(t.queue, t.queue[n:])
	clear(t.queue[rest:])
	t.queue = t.queue[:rest]
}

func (t *Tracer) appendPrefixed(tid int, s string) {
	t.out = strconv.AppendInt(t.out, int64(tid), 10)
	for n := len(strconv.Itoa(tid)); n < 5; n++ {
		t.out = append(t.out, ' ')
	}
	t.out = append(t.out, ' ')
	t.out = append(t.out, s...)
	t.out = append(t.out, '\n')
}

// write sends t.out in one Write; t.mu is held.
func (t *Tracer) write() {
	if len(t.out) == 0 || t.err != nil {
		return
	}
	if _, err := t.w.Write(t.out); err != nil {
		t.err = err
	}
}

// event writes a line that is not a syscall (signal, exit), after any
// pending first halves. The maturin format shows the strace line; jsonl
// shows r, given its time and ids here.
func (t *Tracer) event(tid int, s string, r Record) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.out = t.out[:0]
	switch t.o.Format {
	case FormatJSONL:
		pid, ok := t.pids[tid]
		if !ok {
			pid = tid
		}
		r.T, r.PID, r.TID = since(t.start), pid, tid
		t.out = AppendJSONL(t.out, &r)
	case FormatMaturin:
		t.out = append(t.out, s...)
		t.out = append(t.out, '\n')
	default:
		t.flushQueue(len(t.queue))
		t.last = nil
		t.appendPrefixed(tid, s)
	}
	t.write()
}

// Signal records the delivery of a signal to thread tid:
// "--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10} ---".
func (t *Tracer) Signal(tid int, info *SigInfo) {
	if t == nil || info == nil {
		return
	}
	s := formatSigInfo(info)
	t.event(tid, "--- "+SignalName(int(info.Signo))+" "+s+" ---",
		Record{Event: "signal", Signal: SignalName(int(info.Signo)), Siginfo: s})
}

// Exited records that thread tid exited with status: "+++ exited with 0 +++".
func (t *Tracer) Exited(tid int, status int) {
	if t == nil {
		return
	}
	t.event(tid, "+++ exited with "+strconv.Itoa(status)+" +++", Record{Event: "exit", Status: status})
}

// Killed records that thread tid was killed by sig:
// "+++ killed by SIGSEGV (core dumped) +++".
func (t *Tracer) Killed(tid int, sig int, coreDumped bool) {
	if t == nil {
		return
	}
	s := "+++ killed by " + SignalName(sig)
	if coreDumped {
		s += " (core dumped)"
	}
	// jsonl's status is the shell's: 128+N for death by signal N.
	t.event(tid, s+" +++", Record{Event: "exit", Status: 128 + sig, Signal: SignalName(sig), Core: coreDumped})
}

// Flush writes the first halves of calls still pending as unfinished
// lines, as strace leaves them when a trace ends.
func (t *Tracer) Flush() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.out = t.out[:0]
	t.flushQueue(len(t.queue))
	t.last = nil
	t.write()
}
