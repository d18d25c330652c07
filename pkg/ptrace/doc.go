// Package ptrace is the amd64 platform: application code runs in a stub
// process under PTRACE_SYSEMU, and every application syscall stops the stub
// without being executed so that the kernel can serve it.
//
// What it owns: the stub processes (one per address space), their tracing,
// the syscalls injected into them (mmap/munmap of the memory file, and the
// setup done once before the application runs), and the translation of ptrace
// stops into platform events. It owns no kernel state and decides no mapping;
// pkg/vm decides, and this package mirrors it into the stub.
//
// The stub. Its image is generated here at run time (an ELF file with one
// PT_LOAD holding `syscall; int3` at a fixed high address, stubBase), written
// to a sealed memfd and started with syscall.ForkExec through
// /proc/self/fd/N, with Ptrace, Pdeathsig=SIGKILL and Setsid. The only file
// the stub inherits is the memory file (as its fd 0); before the application
// runs, injected syscalls close every other fd (close_range), name it
// "sentry-stub" (PR_SET_NAME), set no_new_privs, make it never dump core
// (RLIMIT_CORE 1, and PR_SET_DUMPABLE 0 with CAP_SYS_PTRACE: its memory is the application's;
// the tracer's ptrace requests still work, only /proc/PID/maps and
// process_vm_writev need to come first), install a seccomp filter
// and unmap everything the
// application does not need (the stub's initial stack). The filter admits only
// mmap (of fd 0), munmap, clone, exit and exit_group, only from the
// stub's own two syscall instructions (the injection site and the clone
// site, see thread.go) and only for AUDIT_ARCH_X86_64; anything else
// kills the stub. Application syscalls never reach the filter: under
// PTRACE_SYSEMU the syscall-entry stop comes first and the call is skipped.
// The exception is a call of the legacy vsyscall page
// (0xffffffffff600000/400/800): the host emulates it in its fault handler
// with no ptrace stop, consulting only seccomp. The filter traps those
// (SECCOMP_RET_TRAP); the host has already emulated the `ret`, and Switch
// reports the SIGSYS stop as an ordinary syscall event (gettimeofday, time
// or getcpu from si_syscall) whose result lands in rax, so the sentry
// serves the call as Linux's vsyscall=xonly does. A syscall stop whose rcx
// is not its rip did not come from the syscall instruction (which leaves
// the return address in rcx) but from int $0x80 or sysenter, the i386 ABI:
// Switch reports it as the SIGSEGV (SI_KERNEL) a kernel without IA32
// emulation raises, with rip back at the instruction. An fs or gs base at or
// above TASK_SIZE_MAX (only wrfsbase/wrgsbase can leave one) cannot be
// loaded through ptrace: when registers carrying one must be written,
// Switch resets it and reports SIGSEGV instead of failing.
// What stays mapped is reported by AddressSpace.Reserved: the stub page, the
// host [vdso] and its [vvar*] pages (AddressSpace.VDSO gives the vDSO to the
// application for AT_SYSINFO_EHDR); pkg/vm keeps clear of Reserved. The
// stub is exec'ed with ADDR_NO_RANDOMIZE (the vDSO is placed later, see
// vdso.go); should its initial stack ever cover stubBase the exec fails
// and the start is retried.
//
// Defence in depth (seccomp_args.go, isolation.go). A second seccomp
// filter checks the arguments of what the first admits: clone only with
// the exact flags of a stub thread, mmap only MAP_SHARED|MAP_FIXED of the
// memory file with PROT_READ/WRITE/EXEC bits, no mprotect at all. And the
// stubs run in user, mount, network, IPC, UTS and cgroup namespaces of
// their own (made once per Platform by the first stub, joined by setns
// by the others) with an empty read-only tmpfs as their root; a host
// that refuses is warned about once (Options.Warn) and the stubs run
// without. The stubs' own layout is fixed (ADDR_NO_RANDOMIZE, see
// startStub), so the host vDSO is at the same address in every stub
// unless the kernel asks for another (NewAddressSpaceVDSO, vdso.go: a
// random one per execve, the parent's for a fork); the application's
// layout is randomised by pkg/vm, not by the host.
//
// Lifetime: PTRACE_O_EXITKILL and PR_SET_PDEATHSIG(SIGKILL) both kill the stub
// when its tracer thread dies, so killing the sentry leaves no stub behind.
// Release kills the stub with SIGKILL and reaps it.
//
// Thread contract. ptrace requests are only accepted from the OS thread that
// traces the stub thread. Therefore Platform.NewAddressSpace must be called
// by a goroutine that has called runtime.LockOSThread and stays locked for
// its life: that OS thread becomes the tracer of the stub's first thread, and
// the returned Context (Switch, Release) is driven only from it. The same
// goroutine (or, later, the goroutine of another task of the address space,
// each through its own stub thread) calls AddressSpace.MapFile and Unmap
// while its stub thread is stopped (between Switch calls, or before the
// first one); the address space finds the stub thread to inject through by
// the calling OS thread's id, and refuses calls from an OS thread that traces
// none of its threads. If the locked goroutine exits, its thread exits and
// the stub dies with it (Pdeathsig, EXITKILL). Interrupt may be called from
// any goroutine. Reserved, VDSO and Release may be called from any goroutine.
//
// CPU placement (placement.go). A ptrace round trip wakes the tracer, which
// wakes the stub; when both sit on one CPU the wakeups are direct switches
// instead of cross-CPU IPIs (raw PTRACE_SYSEMU measured ~50 µs per syscall
// across CPUs against ~9 µs on one, testdata/bench/raw_sysemu.c). So before
// each resume a tracer pins itself and its stub thread to the CPU the
// tracer is on. New tracer OS threads run wherever the host puts them, so
// the pairs of a process's threads spread over every CPU. A balancer
// goroutine unpins pairs whose stub computes without stopping, and every
// ~100 ms lets the tracer of a busy pair loose for one run, so the host
// can move pairs off a busy CPU. Context.SetCPUs restricts a pair to given
// CPUs (sched_setaffinity). With pinning and the SIGCHLD choice below,
// BenchmarkSwitch measured ~7.2 µs per Switch round trip against ~8.6 µs
// for the raw C floor (0.85x). Options.NoPin turns placement off.
//
// SIGCHLD. Every ptrace stop also sends SIGCHLD to the tracer's process,
// and the Go runtime handles SIGCHLD: one signal delivery into the sentry per
// application syscall (~20% of a round trip here). New therefore sets the
// sentry's SIGCHLD disposition to SIG_DFL, under which the host drops the
// signal at once; unlike SIG_IGN this keeps wait4 and os/exec working. This is
// process-wide: Options.KeepSIGCHLD opts out, and a signal.Notify(SIGCHLD)
// anywhere in the sentry silently brings the cost back.
//
// Registers. Switch writes registers only when they differ from what the
// stub thread holds (just rax, by PTRACE_POKEUSER, when that is all that
// changed). Registers built from scratch may leave the selectors and eflags
// zero; Switch fills them with the stub's. The host still validates what is
// written: a non-canonical fs_base or a bad selector makes Switch fail with
// a wrapped EIO (not ErrDead). Syscall results of -512..-516 (ERESTART*)
// must never reach the application: the host would rewind the syscall if a
// signal stop happened at that moment.
//
// Threads (thread.go). AddressSpace also implements platform.ThreadCreator:
// NewThread injects clone at the stub's clone site through the caller's stub
// thread; the child spins there untraced until the goroutine of the new task
// calls ThreadStarter.Start, which PTRACE_ATTACHes from that goroutine's OS
// thread. Contexts implement platform.FPUContext (PTRACE_GETREGSET and
// SETREGSET of NT_X86_XSTATE), used only to build and restore signal frames.
// A thread-group leader's stub thread must outlive the other threads: the
// host reports its exit only after theirs.
//
// Lock order: addressSpace.mu, then nothing; balancer.mu, then nothing.
// Context state that Interrupt, SetCPUs and the balancer touch is atomic.
package ptrace
