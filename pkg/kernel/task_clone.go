package kernel

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
	"sentry/pkg/vm"
)

// Threads: clone and clone3 with CLONE_THREAD create a task in the
// caller's thread group. Each task is its own goroutine, locked to its OS
// thread for life; the platform creates the host thread through the
// caller's context (platform.ThreadCreator) and the new goroutine takes it
// over (ThreadStarter.Start) before it runs user code.

// clone flags (linux/sched.h).
const (
	cloneVM            = 0x100
	cloneFS            = 0x200
	cloneFiles         = 0x400
	cloneSighand       = 0x800
	clonePidfd         = 0x1000
	clonePtrace        = 0x2000
	cloneVfork         = 0x4000
	cloneParent        = 0x8000
	cloneThread        = 0x10000
	cloneSysvsem       = 0x40000
	cloneSettls        = 0x80000
	cloneParentSettid  = 0x100000
	cloneChildCleartid = 0x200000
	cloneDetached      = 0x400000
	cloneUntraced      = 0x800000
	cloneChildSettid   = 0x1000000
	cloneIO            = 0x80000000
	// Namespace flags: refused (EINVAL would mislead; Linux without
	// privileges says EPERM).
	cloneNamespaces = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080
)

// cloneArgs is struct clone_args, whichever syscall carried it.
type cloneArgs struct {
	flags, pidfd, childTID, parentTID, exitSignal, stack, stackSize, tls uint64
}

func sysClone(t *Task, a [6]uint64) (uint64, error) {
	ca := cloneArgs{flags: a[0] &^ 0xff, exitSignal: a[0] & 0xff, stack: a[1], parentTID: a[2]}
	if t.regs.Arch == arch.RISCV64 {
		// CONFIG_CLONE_BACKWARDS: tls before child_tid.
		ca.tls, ca.childTID = a[3], a[4]
	} else {
		ca.childTID, ca.tls = a[3], a[4]
	}
	return t.clone(ca)
}

func sysClone3(t *Task, a [6]uint64) (uint64, error) {
	const sizeVer0 = linux.CLONE_ARGS_SIZE_VER0
	if a[1] < sizeVer0 || a[1] > 4096 {
		return 0, unix.EINVAL
	}
	var args linux.CloneArgs
	// A smaller struct from an older caller reads as zeros past its end,
	// as Linux's copy_struct_from_user pads it.
	b := make([]byte, max(a[1], uint64(args.SizeBytes())))
	if err := t.copyIn(a[0], b[:a[1]]); err != nil {
		return 0, err
	}
	for _, x := range b[sizeVer0:] {
		if x != 0 {
			// set_tid, cgroup: not supported.
			return 0, unix.E2BIG
		}
	}
	args.UnmarshalBytes(b)
	ca := cloneArgs{
		flags: args.Flags, pidfd: args.Pidfd, childTID: args.ChildTID,
		parentTID: args.ParentTID, exitSignal: args.ExitSignal, stack: args.Stack,
		stackSize: args.StackSize, tls: args.TLS,
	}
	if ca.exitSignal > 64 || (ca.stack == 0) != (ca.stackSize == 0) {
		return 0, unix.EINVAL
	}
	if ca.stack != 0 {
		ca.stack += ca.stackSize // clone3 gives the lowest address
	}
	return t.clone(ca)
}

// clone creates a thread or a process, charged against the sandbox's
// pids limit: past it the call is EAGAIN, as with a pids cgroup. The
// charge is the new task's until it exits (exitTask).
func (t *Task) clone(ca cloneArgs) (uint64, error) {
	k := t.k
	if k.dying.Load() {
		return 0, unix.ENOMEM
	}
	if k.tasksLive.Add(1) > int64(k.cfg.PidsLimit) {
		k.tasksLive.Add(-1)
		return 0, unix.EAGAIN
	}
	v, err := t.cloneCharged(ca)
	if err != nil {
		k.tasksLive.Add(-1)
	}
	return v, err
}

// cloneCharged creates a thread. Processes (clone without CLONE_THREAD,
// fork, vfork) are forkProcess's.
func (t *Task) cloneCharged(ca cloneArgs) (uint64, error) {
	f := ca.flags
	if f&cloneNamespaces != 0 {
		return 0, unix.EPERM
	}
	if f&cloneThread == 0 {
		return t.forkProcess(ca)
	}
	// Linux's consistency rules for threads.
	if f&cloneSighand == 0 || f&cloneVM == 0 || f&clonePidfd != 0 || f&cloneVfork != 0 {
		return 0, unix.EINVAL
	}
	if f&(cloneFS|cloneFiles) != cloneFS|cloneFiles {
		// A thread with its own fd table or cwd: not modelled.
		return 0, unix.EINVAL
	}
	tc, ok := t.tg.as.(platform.ThreadCreator)
	if !ok {
		return 0, unix.EAGAIN
	}

	tg := t.tg
	nt := &Task{k: t.k, tg: tg, interruptCh: make(chan struct{}, 1)}
	nt.regs = t.regs
	nt.regs.SetReturn(0)
	if ca.stack != 0 {
		nt.regs.SetSP(ca.stack)
	}
	if f&cloneSettls != 0 {
		if t.regs.Arch == arch.AMD64 && ca.tls >= vm.TaskSize { // TASK_SIZE_MAX, as arch_prctl
			return 0, unix.EPERM
		}
		nt.regs.SetTLS(ca.tls)
	}
	if f&cloneChildCleartid != 0 {
		nt.clearChildTID = ca.childTID
	}
	nt.sigMask = t.mask()
	nt.affinity.Store(t.affinity.Load())
	nt.nice.Store(t.nice.Load())
	nt.altStack = stackT{flags: ssDisable} // a thread sharing the VM starts without one

	t.k.mu.Lock()
	nt.tid = t.k.nextTID
	t.k.nextTID++
	t.k.mu.Unlock()
	// The ids are in memory before the thread can run: pthread_create's
	// caller and the new thread both read them at once.
	if f&cloneParentSettid != 0 {
		if err := t.writeU32(ca.parentTID, uint32(nt.tid)); err != nil {
			return 0, err
		}
	}
	if f&cloneChildSettid != 0 {
		if err := t.writeU32(ca.childTID, uint32(nt.tid)); err != nil {
			return 0, err
		}
	}

	starter, err := tc.NewThread()
	if err != nil {
		fmt.Fprintf(t.k.cfg.Warn, "sentry: task %d: creating a thread: %v\n", t.tid, err)
		return 0, unix.EAGAIN
	}
	started := make(chan error, 1)
	parentCtx := t.ctx
	go func() {
		// Like every task goroutine: locked for life, never unlocked,
		// so its OS thread (the stub thread's tracer) dies with it.
		runtime.LockOSThread()
		ctx, err := starter.Start()
		if err != nil {
			started <- err
			return
		}
		inheritPlacement(parentCtx, ctx)
		nt.ctx = ctx
		tg.mu.Lock()
		if tg.exiting {
			tg.mu.Unlock()
			started <- unix.EAGAIN
			ctx.Release()
			return
		}
		tg.tasks[nt.tid] = nt
		tg.mu.Unlock()
		t.k.mu.Lock()
		t.k.tasks[nt.tid] = nt
		t.k.mu.Unlock()
		started <- nil
		nt.run()
	}()
	if err := <-started; err != nil {
		if err != unix.EAGAIN {
			fmt.Fprintf(t.k.cfg.Warn, "sentry: task %d: starting a thread: %v\n", t.tid, err)
		}
		return 0, unix.EAGAIN
	}
	return uint64(nt.tid), nil
}
