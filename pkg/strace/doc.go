// Package strace decodes syscall arguments and results and writes trace
// logs. It owns the description vocabulary (ArgKind, Arg, RetKind, Desc)
// that the kernel's syscall table uses, so that dispatch and tracing share
// one description of every syscall, and the Tracer that turns a call into
// an `strace -f -o FILE` style line ("strace" format), one JSON object
// ("jsonl") or the seed kernel's log lines ("maturin"). It holds the one
// definition of the formats it invents, for writers and readers alike:
// Record with AppendJSONL and DecodeJSONL for jsonl, and the seed kernel's
// names (MaturinName, LinuxNameOfMaturin) with ScanMaturin for maturin
// (pkg/tracediff reads both through these). Describe holds
// strace's description of the common syscalls, for the kernel's table.
//
// Who calls it: the kernel, once per syscall when tracing is on: Enter
// before the handler runs (input-side arguments such as paths and write
// buffers are read then, because the handler or another thread may change
// them), Exit after it (output-side arguments such as read buffers and stat
// structures are read then); Signal, Exited and Killed for the other lines;
// Exec for the execve of a program no traced call started (the sandbox's
// first); Blocking when a call is about to wait long. EnterCall is Enter
// with the process id and syscall number that jsonl shows. The filter
// (Options.Syscalls, Options.Exclude) is a bitmap over arch.Sysno tested
// there, so a filtered-out call costs one bit test and no decoding.
// Nothing here touches the host or kernel state: application memory is
// read only through the Memory interface, and a failed read prints the
// address, as strace does.
//
// Invariants: a Tracer writes whole lines, each with one Write call, in
// the order of its method calls; at most one goroutine is inside a Tracer
// at a time (its mutex is the only lock here, and nothing is called while
// holding it except Memory reads made by Exit and the io.Writer). Decoding
// never panics on values the application controls.
package strace
