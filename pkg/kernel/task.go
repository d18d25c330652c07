package kernel

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/epoll"
	"sentry/pkg/platform"
	"sentry/pkg/signals"
	"sentry/pkg/strace"
	"sentry/pkg/vfs"
	"sentry/pkg/vm"
)

// ThreadGroup is a process: the tasks sharing an address space, fd table,
// filesystem context and signal dispositions.
type ThreadGroup struct {
	k   *Kernel
	pid int
	mm  *vm.MM
	as  platform.AddressSpace
	fds *FDTable
	fs  *fsContext

	exe  string
	argv []string
	// sigTramp is the rt_sigreturn trampoline in the sentry's [vdso]
	// page (riscv64 only; see task_sigframe_rv64.go).
	sigTramp uint64
	envp     []string

	// proc is the process's place in the process tree (guarded by
	// Kernel.mu, see process.go).
	proc procLinks
	// vmShared is set while another process shares mm and as (CLONE_VM
	// without CLONE_THREAD; guarded by mu).
	vmShared *vmShare

	mu     sync.Mutex
	tasks  map[int]*Task
	limits rlimits
	sig    signalState
	sigfd  epoll.Queue // signalfd watchers, told of every queued signal
	timers timerTable  // alarm, setitimer, timer_create (own lock)
	// deadUserNS, deadSysNS are the CPU times of the group's exited
	// tasks (rusage.go).
	deadUserNS, deadSysNS int64
	exiting               bool
	noNewPrivs            bool
	// creds are the process's ids (creds.go), read without a lock.
	creds atomic.Pointer[Credentials]
	// nonDumpable is the inverse of Linux's mm dumpable flag
	// (PR_GET_DUMPABLE; dumpable.go): the zero value is dumpable.
	nonDumpable atomic.Bool
	// personality is personality(2)'s value, inherited by fork and
	// kept by execve (sys_personality.go).
	personality uint32
	// oomScoreAdj is /proc/PID/oom_score_adj: kept and inherited, and
	// weighed by the OOM killer (oom.go).
	oomScoreAdj int
	exitStatus  ExitStatus
	// killed is closed when the group starts exiting, waking every
	// blocked task of it; done is closed when its last task is gone.
	killed chan struct{}
	done   chan struct{}
}

// fsContext is what CLONE_FS shares: the working directory and umask.
type fsContext struct {
	mu    sync.Mutex
	cwd   *vfs.Dentry
	umask uint32
}

// Task is a thread.
type Task struct {
	k    *Kernel
	tg   *ThreadGroup
	tid  int
	ctx  platform.Context
	regs arch.Regs

	// interruptCh holds a token while the task has a reason to stop
	// waiting (see task_block.go).
	interruptCh chan struct{}
	// park is what waitUntil sleeps on (task_park.go).
	park parker
	// scratchBuf stages read/write bytes (task_scratch.go).
	scratchBuf []byte
	// latencyBound: the last epoll wait had to wait (task_latency.go).
	latencyBound bool

	// name is the comm set by PR_SET_NAME or a write to /proc/PID/comm,
	// if named (guarded by tg.mu); an empty name is a valid one.
	name      string
	named     bool
	pdeathSig int
	// affinity is the thread's CPU mask (sys_affinity.go), nice its
	// nice value (sys_priority.go).
	affinity atomic.Pointer[cpuMask]
	nice     atomic.Int32

	// ctxMu guards ctx against other goroutines (interruptPlatform)
	// while execve replaces it; the task's own goroutine reads ctx freely.
	ctxMu sync.Mutex

	// vforkDone is closed when a vfork child execs or exits.
	vforkDone chan struct{}
	vforkOnce sync.Once
	// execKilled: another thread of the group called execve; this one
	// ends at its next return to the run loop.
	execKilled atomic.Bool
	// CPU accounting (rusage.go), readable from any goroutine. userNS
	// is the time spent running user code (encoded while in Switch);
	// hostTID the task's OS thread, set before its first Switch;
	// sysBase that thread's CPU time then (it may have run other
	// goroutines before it was locked); cpuInline: the platform runs
	// user code on that thread; userClock the context's own CPU clock,
	// which replaces userNS where the platform has one.
	userNS    atomic.Int64
	userClock atomic.Pointer[userClock]
	hostTID   atomic.Int32
	sysBase   atomic.Int64
	cpuInline atomic.Bool
	// traced is the call being traced, if any, for waitFor's
	// Tracer.Blocking.
	traced *strace.Pending

	clearChildTID uint64
	robustList    uint64
	// futexExited: the task has released its PI futexes for good; a PI
	// word naming it names no one (written holding every futex bucket,
	// read holding one).
	futexExited bool
	altStack    stackT
	exitCode    int // exit(2)'s status, for the group if this is its last task

	// Guarded by tg.mu: senders read them to pick a thread.
	sigMask    signals.Set
	pending    signals.Queue // thread-directed signals
	sigWaiting signals.Set   // signals rt_sigtimedwait is waiting for

	// Owned by the task goroutine (task_signal.go, task_restart.go).
	savedMask     signals.Set // the mask to restore after rt_sigsuspend
	haveSavedMask bool
	restart       restartState
}

// run is the task goroutine's loop: run user code, serve what stopped it.
func (t *Task) run() {
	defer t.exitTask()
	defer t.k.threads.enter(t)()
	for {
		if t.execKilled.Load() || t.handleSignals() {
			return
		}
		// A shared file another process truncated: its pages past the
		// new end must fault here too (vm.MM.FileShrunk).
		if err := t.tg.mm.SyncPending(); err != nil {
			fmt.Fprintf(t.k.cfg.Warn, "sentry: task %d: %v\n", t.tid, err)
		}
		gen := t.tg.mm.MirrorGen()
		ev, err := t.switchTimed()
		if err != nil {
			if !errors.Is(err, platform.ErrDead) {
				fmt.Fprintf(t.k.cfg.Warn, "sentry: task %d: %v\n", t.tid, err)
			}
			t.tg.exitGroup(ExitStatus{Signal: int(unix.SIGKILL)})
			return
		}
		switch ev.Kind {
		case platform.EventSyscall:
			if t.syscall() {
				return
			}
		case platform.EventFault, platform.EventSignal:
			if ev.Kind == platform.EventFault && t.copyOnWrite(ev.Addr, gen) {
				break
			}
			t.forceSignal(t.faultInfo(ev))
		case platform.EventInterrupted:
		}
	}
}

// syscall serves the syscall the task is stopped at and reports whether
// the task is done.
func (t *Task) syscall() bool {
	nr := t.regs.SyscallNo()
	args := t.regs.SyscallArgs()
	sc := t.k.table.lookup(t.regs.Arch, nr)
	var pending *strace.Pending
	if tr := t.k.cfg.Strace; tr != nil {
		pending = tr.EnterCall(t.tg.pid, t.tid, sc.Sysno, nr, &sc.Desc, args, t.tg.mm)
		t.traced = pending
		defer func() { t.traced = nil }()
	}
	var ret uint64
	traceRet := ^uint64(0) // differs from ret only for a restartable call
	done := false
	if sc.Fn == nil {
		t.k.warnUnsupported(sc.Name, nr, sc.Quiet)
		ret = negErrno(unix.ENOSYS)
	} else {
		v, err := sc.Fn(t, args)
		switch {
		case err == nil:
			ret = v
		case errors.Is(err, errExited):
			done = true
		case t.setRestart(sc, nr, args, err):
			// -EINTR unless a delivery decides to restart; strace
			// shows the ERESTART* errno, as for Linux.
			ret = negErrno(unix.EINTR)
			traceRet = uint64(-int64(t.restart.kind))
		default:
			ret = negErrno(t.k.errno(err))
		}
	}
	if done {
		if tr := t.k.cfg.Strace; tr != nil {
			tr.Exit(pending, 0)
		}
		return true
	}
	t.regs.SetReturn(ret)
	if tr := t.k.cfg.Strace; tr != nil {
		if traceRet == ^uint64(0) {
			traceRet = ret
		}
		tr.Exit(pending, traceRet)
	}
	return false
}

func negErrno(e unix.Errno) uint64 { return uint64(-int64(e)) }

// exitTask ends this thread; the group ends with its last thread.
func (t *Task) exitTask() {
	t.releaseVfork()
	tg := t.tg
	t.releaseUserState()
	tg.mu.Lock()
	times := t.retireCPULocked()
	delete(tg.tasks, t.tid)
	last := len(tg.tasks) == 0
	if last && !tg.exiting {
		// Every thread left by exit(2): the process's status is the
		// last one's, as Linux reports it (measured: the leader's own
		// status does not count once it has gone first).
		tg.exiting = true
		tg.exitStatus = ExitStatus{Code: t.exitCode}
		close(tg.killed)
	}
	tg.mu.Unlock()
	t.k.mu.Lock()
	tg.proc.selfTimes.user += times.user
	tg.proc.selfTimes.sys += times.sys
	delete(t.k.tasks, t.tid)
	t.k.mu.Unlock()
	if !last {
		// The group's last task leaves its charge to the zombie, which
		// holds its PID until reaped (reapLocked), as a pids cgroup
		// counts it.
		t.k.tasksLive.Add(-1)
	}
	if !last {
		if t.tid == tg.pid {
			// The host reports the exit of a thread-group leader only
			// after every other thread's, so the leader's stub thread
			// stays (stopped) until the group is gone.
			<-tg.done
		}
		t.ctx.Release()
		return
	}
	t.ctx.Release()
	tg.stopTimers()
	tg.fds.release()
	t.k.cfg.FS.ReleaseAllLocks(tg.pid)
	if tg.releaseVM() {
		tg.mm.Release()
		tg.as.Release()
	}
	if tr := t.k.cfg.Strace; tr != nil {
		st := tg.exitStatus
		if st.Signal != 0 {
			tr.Killed(t.tid, st.Signal, st.Core)
		} else {
			tr.Exited(t.tid, st.Code)
		}
	}
	t.k.processExited(tg)
	close(tg.done)
}

// exitGroup records the group's status (first caller wins) and stops
// every task in it.
func (tg *ThreadGroup) exitGroup(st ExitStatus) {
	tg.mu.Lock()
	if !tg.exiting {
		tg.exiting = true
		tg.exitStatus = st
		close(tg.killed)
	}
	tasks := make([]*Task, 0, len(tg.tasks))
	for _, t := range tg.tasks {
		tasks = append(tasks, t)
	}
	tg.mu.Unlock()
	for _, t := range tasks {
		t.park.wake()
		t.interruptPlatform()
	}
}

func (tg *ThreadGroup) isExiting() bool {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.exiting
}
