package ptrace

import (
	"encoding/binary"
	"fmt"
	"math"
	"syscall"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// stubName is the stub's argv[0] and comm, as ps shows it.
const stubName = "sentry-stub"

// stubStartAttempts bounds the retries of a stub exec that failed because
// the host's randomised stack landed on stubBase.
const stubStartAttempts = 4

// addrNoRandomize is ADDR_NO_RANDOMIZE of linux/personality.h.
const addrNoRandomize = 0x0040000

// startStub forks and execs the stub, traced by the calling OS thread, and
// waits for its first stop (the SIGTRAP right after execve, before it runs
// any instruction). The fds in extra become the stub's fds 1, 2, ...
// (the namespaces it joins in setup, isolation.go).
func (p *Platform) startStub(memfd int, extra []uintptr) (int32, error) {
	// Every stub gets the same layout, in particular the same vDSO
	// address: a forked application process keeps the parent's
	// AT_SYSINFO_EHDR and the vDSO pointers libc cached from it, so its
	// new stub must have the vDSO where the parent's had it. Host ASLR
	// buys nothing here: pkg/vm, not the host, lays the application
	// out. The personality is the calling thread's own and is inherited
	// by the child forked from it.
	restore, err := noRandomize()
	if err != nil {
		return 0, err
	}
	defer restore()
	var lastErr error
	for i := 0; i < stubStartAttempts; i++ {
		pid, err := syscall.ForkExec(p.imagePath, []string{stubName}, &syscall.ProcAttr{
			Env:   []string{},
			Files: append([]uintptr{uintptr(memfd)}, extra...), // memfd becomes fd stubMemFD
			Sys: &syscall.SysProcAttr{
				Ptrace:    true,
				Pdeathsig: syscall.SIGKILL,
				Setsid:    true, // no terminal signals from the sentry's session
			},
		})
		if err != nil {
			return 0, fmt.Errorf("ptrace: starting the stub: %w", err)
		}
		var ws unix.WaitStatus
		if err := wait4(int32(pid), &ws); err != nil {
			killAndReap(int32(pid))
			return 0, fmt.Errorf("ptrace: waiting for the stub's first stop: %w", err)
		}
		if ws.Stopped() && ws.StopSignal() == unix.SIGTRAP {
			return int32(pid), nil
		}
		// The exec failed after its point of no return (most likely the
		// stack covered stubBase): the child dies or stops with a fatal
		// signal. Try again with a new random layout.
		lastErr = fmt.Errorf("ptrace: the stub did not start (wait status %#x)", uint32(ws))
		if ws.Stopped() {
			killAndReap(int32(pid))
		}
	}
	return 0, lastErr
}

// noRandomize sets ADDR_NO_RANDOMIZE in the calling thread's personality
// and returns the function that puts the old personality back.
func noRandomize() (func(), error) {
	const query = 0xffffffff
	old, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, query, 0, 0)
	if errno != 0 {
		return nil, fmt.Errorf("ptrace: reading the personality: %w", errno)
	}
	if old&addrNoRandomize != 0 {
		return func() {}, nil
	}
	if _, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, old|addrNoRandomize, 0, 0); errno != 0 {
		return nil, fmt.Errorf("ptrace: setting ADDR_NO_RANDOMIZE: %w", errno)
	}
	return func() { _, _, _ = unix.RawSyscall(unix.SYS_PERSONALITY, old, 0, 0) }, nil
}

// killAndReap kills a stub process and collects the exit of every one of
// its threads. The host reports the leader's exit only after every other
// thread's has been collected, and a traced thread's is collected by no one
// but the tracer's process, so waiting for the leader alone can wait
// forever. The stub is its own process group (Setsid), so waiting for the
// group finds exactly its threads. ECHILD means nothing is left to collect
// (another goroutine may have collected some of them).
func killAndReap(pid int32) {
	_ = unix.Kill(int(pid), unix.SIGKILL)
	for {
		var ws unix.WaitStatus
		if err := wait4(-pid, &ws); err != nil {
			return
		}
	}
}

// setup turns a freshly exec'ed stub into an empty address space: no fd but
// the memory file, no_new_privs, never a core dump, the seccomp filter, and
// no mapping but the stub page, the vDSO and its data.
func (as *addressSpace) setup(c *context) error {
	if err := unix.PtraceSetOptions(int(c.tid), unix.PTRACE_O_TRACESYSGOOD|unix.PTRACE_O_EXITKILL); err != nil {
		return fmt.Errorf("ptrace: PTRACE_SETOPTIONS on the stub: %w", err)
	}
	if err := ptraceGetRegs(c.tid, &c.initial); err != nil {
		return fmt.Errorf("ptrace: reading the stub's initial registers: %w", err)
	}
	c.cur = c.initial

	// Before close_range: joining the sandbox's namespaces uses the
	// fds the stub was started with.
	if err := as.isolate(c); err != nil {
		return err
	}
	if err := as.moveVDSO(c); err != nil {
		return err
	}
	// Any fd the sentry leaked without close-on-exec dies here.
	if _, err := c.injectErrno(unix.SYS_CLOSE_RANGE, 1, math.MaxUint32, 0); err != nil {
		return fmt.Errorf("ptrace: closing the stub's inherited fds: %w", err)
	}
	if _, err := c.injectErrno(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("ptrace: setting no_new_privs in the stub: %w", err)
	}
	// The arguments that live in memory (the stub's name, the filter
	// program) go on the stub's initial stack, which is unmapped after.
	name := (c.initial.Rsp - 8192) &^ 15
	if err := as.writeStub(name, []byte(stubName+"\x00")); err != nil {
		return err
	}
	// Its comm would otherwise be the fd number it was exec'ed through.
	if _, err := c.injectErrno(unix.SYS_PRCTL, unix.PR_SET_NAME, name, 0, 0, 0); err != nil {
		return fmt.Errorf("ptrace: naming the stub: %w", err)
	}
	// The argument filter first: the main one refuses seccomp(2).
	argsAt := (c.initial.Rsp - 16384) &^ 15
	if err := as.writeStub(argsAt, encodeFilter(stubArgFilter(), argsAt)); err != nil {
		return err
	}
	if _, err := c.injectErrno(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, argsAt); err != nil {
		return fmt.Errorf("ptrace: installing the stub's argument filter: %w", err)
	}
	at := (c.initial.Rsp - 4096) &^ 15
	if err := as.writeStub(at, encodeFilter(stubFilter(), at)); err != nil {
		return err
	}
	// The stub must never dump core: its memory is the application's
	// (and, mapped shared, part of the sentry's memory file), and a core
	// file would land in the sentry's working directory. RLIMIT_CORE 1,
	// not 0: a limit below ELF's min_coredump (a page) writes no core
	// file, and 1 is also the value at which Linux aborts a dump to a
	// core_pattern pipe (which ignores the limit otherwise). On top of
	// that PR_SET_DUMPABLE 0 where the sentry has CAP_SYS_PTRACE: a
	// non-dumpable stub refuses PTRACE_SEIZE of its new threads to a
	// tracer without it, so an unprivileged sentry keeps the stub
	// dumpable and relies on the limit. Ptrace requests of the tracer
	// attached at exec keep working on a non-dumpable process (they check
	// only the attach); /proc/PID/maps and process_vm_writev do not, for
	// a sentry without CAP_SYS_PTRACE, so both are done before.
	rlim := (c.initial.Rsp - 12288) &^ 15
	one := make([]byte, 16)
	binary.LittleEndian.PutUint64(one[0:], 1)
	binary.LittleEndian.PutUint64(one[8:], 1)
	if err := as.writeStub(rlim, one); err != nil {
		return err
	}
	if _, err := c.injectErrno(unix.SYS_PRLIMIT64, 0, unix.RLIMIT_CORE, rlim, 0); err != nil {
		return fmt.Errorf("ptrace: setting the stub's RLIMIT_CORE: %w", err)
	}
	text, err := as.plat.readProc(as.pid, "maps")
	if err != nil {
		return fmt.Errorf("ptrace: reading the stub's maps: %w", err)
	}
	maps, err := parseMaps(string(text))
	if err != nil {
		return err
	}
	if hasPtraceCap() {
		if _, err := c.injectErrno(unix.SYS_PRCTL, unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
			return fmt.Errorf("ptrace: making the stub non-dumpable: %w", err)
		}
	}
	if _, err := c.injectErrno(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, at); err != nil {
		return fmt.Errorf("ptrace: installing the stub's seccomp filter: %w", err)
	}

	stubFound := false
	for _, m := range maps {
		switch classify(m) {
		case roleUnmap:
			if _, err := c.injectErrno(unix.SYS_MUNMAP, m.start, m.end-m.start); err != nil {
				return fmt.Errorf("ptrace: unmapping the stub's %q at %#x: %w", m.path, m.start, err)
			}
		case roleStub:
			stubFound = true
			as.reserved = append(as.reserved, platform.Range{Start: m.start, End: m.end})
		case roleVDSO:
			as.vdso = m.start
			as.reserved = append(as.reserved, platform.Range{Start: m.start, End: m.end})
		case roleVVAR:
			as.reserved = append(as.reserved, platform.Range{Start: m.start, End: m.end})
		}
	}
	if !stubFound {
		return fmt.Errorf("ptrace: the stub page is not at %#x in the stub's maps", uint64(stubBase))
	}
	return nil
}

// writeStub copies b into the stub's memory at addr.
func (as *addressSpace) writeStub(addr uint64, b []byte) error {
	n, err := unix.ProcessVMWritev(int(as.pid), []unix.Iovec{{Base: &b[0], Len: uint64(len(b))}},
		[]unix.RemoteIovec{{Base: uintptr(addr), Len: len(b)}}, 0)
	if err != nil {
		return fmt.Errorf("ptrace: writing %d bytes into the stub at %#x: %w", len(b), addr, err)
	}
	if n != len(b) {
		return fmt.Errorf("ptrace: writing %d bytes into the stub at %#x: only %d written", len(b), addr, n)
	}
	return nil
}
