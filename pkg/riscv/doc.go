// Package riscv is the interpreter platform: it runs riscv64 (RV64GC:
// IMAFDC, Zicsr, Zifencei, Zba, Zbb) application code inside the sentry and
// implements pkg/platform's Platform, AddressSpace and Context.
//
// Memory: application pages live in the kernel's memory file (the memfd
// pkg/vm allocates from). A Platform maps that file into the sentry once;
// each AddressSpace keeps a three-level page table (guest page -> file
// offset and permissions) that MapFile and Unmap edit, so a guest access
// is a table walk and a plain load or store, never a map lookup or an
// allocation. Guest addresses are 47 bits, like pkg/vm's layout. Each
// thread caches translations in its own TLBs; a change that takes access
// away or moves a page returns only once every thread running guest code
// has dropped them (shootdown.go), so fork's write-protection holds before
// the child runs.
//
// Execution: each Context decodes an instruction the first time it runs
// and keeps the decoded form in a per-page cache (one slot per 2-byte
// parcel). The cache is dropped when the address space's mappings change
// (Unmap, or MapFile over executable pages), on fence.i, and when another
// thread's change is noticed at the next taken branch. Decoding fuses
// common pairs (auipc/lui+addi, auipc+ld, auipc+jalr, and two of ld, sd,
// add or addi) into one op in the first instruction's slot (fuse.go); a
// jump to the second still finds it decoded alone. ecall returns
// EventSyscall with pc already past the instruction (as Linux's sepc+4);
// faults return EventFault with pc at the faulting instruction;
// illegal instructions return EventSignal SIGILL. With SetVDSOTime,
// clock_gettime of CLOCK_REALTIME and CLOCK_MONOTONIC is answered at the
// ecall without an event, as the vDSO answers it on Linux (vdsotime.go).
//
// Translation: on an amd64 host (unless Platform.SetJIT(false)) each
// thread translates the code it runs into host code, a block at a time,
// and runs that; the interpreter above runs whatever the translator leaves
// out and is the reference the translator is tested against
// (jit_diff_test.go). jit_amd64.go states the translator's invariants;
// F and D instructions run on the host's scalar SSE with MXCSR set to the
// instruction's rounding mode and its flags turned into fflags
// (jit_fp_amd64.go).
//
// Atomicity: LR/SC and AMOs use host atomics on the shared mapping
// (sync/atomic in the interpreter, locked instructions in translated
// code), so they are atomic across the goroutines of every thread of an
// address space. SC succeeds when the reserved word still holds the value
// LR read (compare-and-swap), which is what qemu does too; the reservation
// lives in the cpu (resAddr, resVal, resValid), the same fields for
// interpreted and translated code.
//
// Limits: a new thread (NewThread) starts with a clear FP state (fcsr 0),
// since the interface does not name the cloning thread; SC succeeds on an
// unchanged value even if other threads wrote it in between (ABA), as in
// qemu; misaligned AMOs and LR/SC are SIGBUS (Linux does not emulate
// them either); code written in place runs only after fence.i or
// riscv_flush_icache (FlushICache), as the ISA requires.
//
// Concurrency: a Context belongs to its task goroutine, and so do its
// translations (code region, block map, jump table): no code is shared
// or patched across threads. AddressSpace
// methods may be called from any goroutine; they serialise on AddressSpace.mu
// and publish table entries with atomic stores that running threads read
// with atomic loads. Lock order: AddressSpace.mu only.
package riscv
