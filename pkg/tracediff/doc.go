// Package tracediff compares two syscall traces of the same session — a
// reference log and a run — phase by phase. It owns the reference-log
// parsers (strace -f with or without pid prefixes, -tt and -T; qemu
// -strace; the seed kernel's "maturin" log; the sentry's own jsonl), format
// detection, normalisation, phase splitting and the report that
// `sentry trace-diff` prints: text, JSON, or one self-contained HTML page
// (html.go and report.html.tmpl: tables by html/template, which escapes
// the arbitrary bytes of log lines; timeline.go lays out an SVG timeline
// per trace that shows times, its marks coloured by pkg/arch's kind of
// each syscall). Events keep their thread, time and duration where the
// log shows them (jsonl; strace -t/-tt/-ttt and -T) and where their line
// is, so the page can show it.
//
// Normalisation (normalize.go) reduces a call to what survives a change of
// arch, kernel and libc: its name is folded to one family name
// (openat/open/OPEN -> open, newfstatat/fstatat/stat/fstat/statx -> stat,
// epoll_pwait -> epoll_wait, ...), its result to success or an errno name.
// Addresses, pids and fd numbers never enter a comparison: phases are
// compared by per-name call counts and errno sets, so values that differ
// from run to run cannot make a difference. Calls a vDSO can serve
// (clock_gettime, gettimeofday, time, getcpu) are never reported missing
// unless Options.StrictVDSO.
//
// Phases (phase.go): startup runs from exec to the first wait for events
// (epoll_wait, poll or select); an accept that succeeds starts connect; a
// read of bytes from an accepted socket starts command:NAME (NAME is the
// command's first word, upper-cased, read from the bytes; for logs without
// buffer contents from a session list; for the maturin log from the
// redis-cli prompt lines); the next wait for events ends connect and
// command phases (what follows is idle, until the next trigger); a
// terminating signal or a SHUTDOWN command starts shutdown, which lasts to
// the end. All idle time is one phase, because what a server does while
// idle (timers, housekeeping) depends on timing, not on the session.
//
// Nothing here touches the host beyond reading the files it is given;
// parsing never panics on malformed input: unparseable lines are skipped,
// except in jsonl, whose writer writes only whole objects, so a line that
// is not one (a file cut short) is an error; a file in no known format is
// an error.
package tracediff
