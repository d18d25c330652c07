package ptrace

import (
	"fmt"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// inject makes the stub thread c, stopped and traced by the calling OS
// thread, execute the host syscall nr(args...) at the stub's syscall
// instruction, and returns the raw result (a value, or -errno). The
// application's registers are not restored here: c.cur records what the
// thread holds now, so the next Switch writes the application's back.
func (c *context) inject(nr uint64, args ...uint64) (uint64, error) {
	return c.injectAt(stubSyscall, stubTrapNext, nr, args...)
}

// injectAt is inject at the syscall instruction at site, whose trap leaves
// rip at trapNext.
func (c *context) injectAt(site, trapNext, nr uint64, args ...uint64) (uint64, error) {
	if c.dead.Load() {
		return 0, platform.ErrDead
	}
	var a [6]uint64
	copy(a[:], args)
	r := c.initial
	r.Rip = site
	r.Rax = nr
	// No syscall is in progress: this keeps the host's syscall-restart
	// logic away from the injected registers.
	r.OrigRax = ^uint64(0)
	r.Rdi, r.Rsi, r.Rdx, r.R10, r.R8, r.R9 = a[0], a[1], a[2], a[3], a[4], a[5]
	if err := ptraceSetRegs(c.tid, &r); err != nil {
		return 0, c.ptraceError("PTRACE_SETREGS", err)
	}
	c.cur = r
	for {
		c.bind()
		if err := ptraceResume(c.tid, unix.PTRACE_CONT); err != nil {
			return 0, c.ptraceError("PTRACE_CONT", err)
		}
		var ws unix.WaitStatus
		if err := wait4(c.tid, &ws); err != nil {
			return 0, c.ptraceError("wait4", err)
		}
		if !ws.Stopped() {
			c.exited(ws)
			return 0, fmt.Errorf("ptrace: stub %d died in injected syscall %d (wait status %#x): %w",
				c.tid, nr, uint32(ws), platform.ErrDead)
		}
		if ws.StopSignal() != unix.SIGTRAP {
			// An Interrupt's signal or a host signal: never delivered.
			// A pending Interrupt stays pending for the next Switch.
			continue
		}
		if err := ptraceGetRegs(c.tid, &c.cur); err != nil {
			return 0, c.ptraceError("PTRACE_GETREGS", err)
		}
		if c.cur.Rip != trapNext {
			return 0, fmt.Errorf("ptrace: stub %d trapped at %#x instead of %#x in injected syscall %d",
				c.tid, c.cur.Rip, trapNext, nr)
		}
		return c.cur.Rax, nil
	}
}

// injectErrno is inject with a negative result turned into a unix.Errno.
func (c *context) injectErrno(nr uint64, args ...uint64) (uint64, error) {
	v, err := c.inject(nr, args...)
	if err != nil {
		return 0, err
	}
	if e := int64(v); e < 0 && e >= -4095 {
		return 0, unix.Errno(-e)
	}
	return v, nil
}

// ptraceError explains a failed ptrace request or wait on c. ESRCH from a
// live tracee means the request came from the wrong OS thread.
func (c *context) ptraceError(op string, err error) error {
	if err == unix.ECHILD {
		c.dead.Store(true)
		return fmt.Errorf("ptrace: %s on stub thread %d: %w", op, c.tid, platform.ErrDead)
	}
	if err == unix.ESRCH {
		if self := int32(unix.Gettid()); self != c.tracer {
			return fmt.Errorf("ptrace: %s on stub thread %d from OS thread %d, but OS thread %d traces it (is the task goroutine locked to its OS thread?): %w",
				op, c.tid, self, c.tracer, err)
		}
		if c.dead.Load() {
			return fmt.Errorf("ptrace: %s on stub thread %d: %w", op, c.tid, platform.ErrDead)
		}
	}
	return fmt.Errorf("ptrace: %s on stub thread %d: %w", op, c.tid, err)
}
