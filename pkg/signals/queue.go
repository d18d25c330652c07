package signals

// Queue is a set of pending signals: at most one instance of each standard
// signal (a second one while the first is pending is merged into it), and
// every instance of a real-time signal, in order, up to a limit.
type Queue struct {
	pending Set
	infos   []Info // in order of arrival
}

// maxQueued bounds real-time signals queued on one Queue (RLIMIT_SIGPENDING
// in spirit): beyond it sending fails with EAGAIN.
const maxQueued = 1024

// Pending is the set of signals with at least one instance queued.
func (q *Queue) Pending() Set { return q.pending }

// Enqueue adds info and reports whether it was queued (false: a standard
// signal already pending, or the real-time queue is full).
func (q *Queue) Enqueue(info Info) bool {
	sig := int(info.Signo)
	if sig < SIGRTMIN && q.pending.Has(sig) {
		return false
	}
	if len(q.infos) >= maxQueued {
		return false
	}
	q.infos = append(q.infos, info)
	q.pending |= Bit(sig)
	return true
}

// Dequeue removes and returns the first instance of the lowest signal in
// q that is in allowed. Synchronous faults go first, as Linux does.
func (q *Queue) Dequeue(allowed Set) (Info, bool) {
	ready := q.pending & allowed
	if ready == 0 {
		return Info{}, false
	}
	sig := 0
	const sync = Set(1<<(SIGSEGV-1) | 1<<(SIGBUS-1) | 1<<(SIGILL-1) | 1<<(SIGTRAP-1) | 1<<(SIGFPE-1) | 1<<(SIGSYS-1))
	if s := ready & sync; s != 0 {
		sig = s.Lowest()
	} else {
		sig = ready.Lowest()
	}
	return q.take(sig), true
}

// take removes the first instance of sig, which is pending.
func (q *Queue) take(sig int) Info {
	var info Info
	more := false
	for i, x := range q.infos {
		if int(x.Signo) != sig {
			continue
		}
		if info.Signo == 0 {
			info = x
			q.infos = append(q.infos[:i:i], q.infos[i+1:]...)
			// Look on for a second instance.
			for _, y := range q.infos[i:] {
				if int(y.Signo) == sig {
					more = true
					break
				}
			}
			break
		}
	}
	if !more {
		q.pending &^= Bit(sig)
	}
	return info
}

// Discard drops every instance of the signals in s (a signal becoming
// ignored, SIGCONT dropping stop signals and the reverse).
func (q *Queue) Discard(s Set) {
	if q.pending&s == 0 {
		return
	}
	rest := q.infos[:0]
	for _, x := range q.infos {
		if !s.Has(int(x.Signo)) {
			rest = append(rest, x)
		}
	}
	clear(q.infos[len(rest):])
	q.infos = rest
	q.pending &^= s
}
