package ptrace

import (
	"fmt"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// Threads. A new application thread is a new host thread of the stub:
//
//  1. The tracer of an existing stub thread (the cloning task's goroutine)
//     injects clone(CLONE_VM|CLONE_THREAD|...) at the stub's clone site.
//     Without CLONE_PTRACE the child is not traced by anyone; it returns
//     from clone with rax == 0 and spins at the clone site, touching no
//     memory, while the parent traps back to its tracer. It waits as
//     long as its tracer takes to come (a loaded machine can delay that
//     goroutine's OS thread for long); the kernel always calls Start
//     right after NewThread, and a thread never claimed dies with the
//     stub.
//  2. The goroutine of the new task, locked to its own OS thread, calls
//     Start: PTRACE_ATTACH (which queues a SIGSTOP for the thread), wait
//     for that stop, set the options. The SIGSTOP is discarded when the
//     first Switch resumes the thread with no signal.
//
// Compared with gVisor (which clones with CLONE_PTRACE, then detaches and
// reattaches from the driving thread), nothing ever runs detached at an
// int3, and no group stop can be started by a detach-time SIGSTOP.
//
// A thread ends by an injected exit (Context.Release). The first thread
// (the thread-group leader) is different: the host reports its exit to the
// tracer only once every other thread has gone, so the kernel must not
// release the leader's Context while other threads live.

var (
	_ platform.ThreadCreator = (*addressSpace)(nil)
	_ platform.FPUContext    = (*context)(nil)
)

// stubCloneFlags make the new host thread share everything with the stub.
const stubCloneFlags = unix.CLONE_VM | unix.CLONE_FS | unix.CLONE_FILES | unix.CLONE_SIGHAND |
	unix.CLONE_THREAD | unix.CLONE_SYSVSEM

// threadStarter is a spinning, untraced stub thread waiting for its tracer.
type threadStarter struct {
	as  *addressSpace
	tid int32
}

// NewThread injects clone through the calling OS thread's stub thread.
func (as *addressSpace) NewThread() (platform.ThreadStarter, error) {
	as.mu.Lock()
	defer as.mu.Unlock()
	c, err := as.callerThread()
	if err != nil {
		return nil, err
	}
	tid, err := c.injectAt(cloneSyscall, cloneTrapNext, unix.SYS_CLONE, stubCloneFlags, 0, 0, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("ptrace: cloning a thread of stub %d: %w", as.pid, err)
	}
	if e := int64(tid); e <= 0 {
		return nil, fmt.Errorf("ptrace: cloning a thread of stub %d: %w", as.pid, unix.Errno(-e))
	}
	return &threadStarter{as: as, tid: int32(tid)}, nil
}

// Start attaches the calling OS thread to the new stub thread.
func (s *threadStarter) Start() (platform.Context, error) {
	as := s.as
	tracer := int32(unix.Gettid())
	if err := unix.PtraceAttach(int(s.tid)); err != nil {
		return nil, fmt.Errorf("ptrace: attaching to new stub thread %d: %w", s.tid, err)
	}
	for {
		var ws unix.WaitStatus
		if err := wait4(s.tid, &ws); err != nil {
			return nil, fmt.Errorf("ptrace: waiting for new stub thread %d: %w", s.tid, err)
		}
		if !ws.Stopped() {
			return nil, fmt.Errorf("ptrace: new stub thread %d: %w", s.tid, platform.ErrDead)
		}
		if ws.StopSignal() == unix.SIGSTOP {
			break
		}
		// Another signal stop came first (an early Interrupt): drop it.
		if err := ptraceResume(s.tid, unix.PTRACE_CONT); err != nil {
			return nil, fmt.Errorf("ptrace: new stub thread %d: %w", s.tid, err)
		}
	}
	if err := unix.PtraceSetOptions(int(s.tid), unix.PTRACE_O_TRACESYSGOOD|unix.PTRACE_O_EXITKILL); err != nil {
		return nil, fmt.Errorf("ptrace: PTRACE_SETOPTIONS on new stub thread %d: %w", s.tid, err)
	}
	c := &context{as: as, tid: s.tid, tracer: tracer}
	if err := ptraceGetRegs(s.tid, &c.initial); err != nil {
		return nil, fmt.Errorf("ptrace: reading new stub thread %d's registers: %w", s.tid, err)
	}
	c.cur = c.initial
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.released {
		return nil, fmt.Errorf("ptrace: new stub thread %d: %w", s.tid, platform.ErrDead)
	}
	as.threads[tracer] = c
	if as.balance != nil {
		as.balance.add(c)
	}
	return c, nil
}

// xstateMax bounds the XSAVE area (AMX tiles make it ~11 KiB).
const xstateMax = 16 << 10

// FPState returns the thread's XSAVE area as ptrace reports it (its
// software-reserved bytes hold XCR0 in their first 8 bytes).
func (c *context) FPState() ([]byte, error) {
	buf := make([]byte, xstateMax)
	n, err := ptraceGetXState(c.tid, buf)
	if err != nil {
		return nil, c.ptraceError("PTRACE_GETREGSET(NT_X86_XSTATE)", err)
	}
	return buf[:n], nil
}

// SetFPState writes the thread's XSAVE area.
func (c *context) SetFPState(b []byte) error {
	if len(b) < 512 {
		return fmt.Errorf("ptrace: FPU state of %d bytes: %w", len(b), unix.EINVAL)
	}
	if err := ptraceSetXState(c.tid, b); err != nil {
		return c.ptraceError("PTRACE_SETREGSET(NT_X86_XSTATE)", err)
	}
	return nil
}
