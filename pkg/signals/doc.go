// Package signals holds the architecture-neutral pieces of Linux signals
// that need no kernel state: signal sets, dispositions (struct
// kernel_sigaction), siginfo (encoding to and from the 128-byte
// siginfo_t), pending queues (one instance of a standard signal, a queue
// of real-time ones) and default actions.
//
// What it does not own: which task a signal goes to, waking it, building
// the signal frame and rt_sigreturn. Those need tasks and registers and
// live in pkg/kernel (task_signal*.go); the frame layouts are facts of the
// architecture in pkg/arch.
//
// Invariants: nothing here locks; a Queue is guarded by its owner's lock
// (in the kernel, ThreadGroup.mu). Decoding never trusts its input: a bad
// signal number is an error, never a panic.
package signals
