package kernel

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
	"sentry/pkg/signals"
	"sentry/pkg/vm"
)

// fork, vfork and clone of a new process. The child gets an address space
// of its own (on ptrace, a new stub process, started and traced by the
// child's own task goroutine) holding a copy of the parent's memory
// (vm.MM.Fork: copied outright when small, shared copy-on-write when
// large), a copy of the fd table (or the same one with CLONE_FILES), the
// working directory (shared with CLONE_FS), the signal dispositions and
// mask and the floating-point state, and returns 0 where the parent gets
// the child's PID. The parent's SIGCHLD, zombies and wait are
// process.go's and sys_wait.go's. The parent's other threads keep running
// while it forks: then memory is copied only while write-protected
// (vm.MM.ForkRunning), and their faults on it may be stale by the time
// they are served (copyOnWrite).
//
// CLONE_VM without CLONE_THREAD (vfork, posix_spawn) shares the parent's
// address space instead: the child is a new thread of the parent's stub
// (platform.ThreadCreator) in a process of its own, and the address space
// is released by the last process using it (vmShare).

const (
	cloneClearSighand = 0x100000000
	cloneIntoCgroup   = 0x200000000
)

func sysFork(t *Task, a [6]uint64) (uint64, error) {
	return t.clone(cloneArgs{exitSignal: uint64(unix.SIGCHLD)})
}

func sysVfork(t *Task, a [6]uint64) (uint64, error) {
	return t.clone(cloneArgs{flags: cloneVM | cloneVfork, exitSignal: uint64(unix.SIGCHLD)})
}

// forkProcess creates the child process.
func (t *Task) forkProcess(c cloneArgs) (uint64, error) {
	k := t.k
	parent := t.tg
	f := c.flags
	switch {
	case f&cloneSighand != 0 && f&cloneVM == 0,
		f&cloneSighand != 0 && f&cloneClearSighand != 0,
		f&cloneParent != 0 && parent.pid == 1,
		f&cloneIntoCgroup != 0,
		c.exitSignal > signals.NumSignals:
		return 0, unix.EINVAL
	case f&clonePidfd != 0 && f&cloneParentSettid != 0 && c.pidfd == c.parentTID:
		return 0, unix.EINVAL
	case f&cloneSettls != 0 && t.regs.Arch == arch.AMD64 && c.tls >= vm.TaskSize:
		return 0, unix.EPERM // do_arch_prctl_64's check, as for threads
	}
	if f&clonePidfd != 0 && c.pidfd == 0 {
		c.pidfd = c.parentTID // clone(2) stores the pidfd at parent_tid
	}

	// The child's task goroutine runs childStart, then the child. It
	// is locked to its OS thread for life: that thread traces the
	// child's stub thread.
	var (
		mm        *vm.MM
		as        platform.AddressSpace
		ctx       platform.Context
		err       error
		sharedVM  = f&cloneVM != 0
		taskCh    = make(chan *Task)
		fpCh      = make(chan []byte, 1)
		childBody = func(child *Task) {
			if fp := <-fpCh; fp != nil {
				if fc, ok := child.ctx.(platform.FPUContext); ok {
					_ = fc.SetFPState(fp)
				}
			}
			if c.flags&cloneChildSettid != 0 {
				_ = child.writeU32(c.childTID, uint32(child.tid))
			}
			child.run()
		}
	)
	// The fd table first: its copy is charged to the memory account
	// and may be refused (ENOMEM, as dup_fd's), before there is an
	// address space to undo.
	fds := parent.fds
	if c.flags&cloneFiles == 0 {
		if fds, err = fds.fork(); err != nil {
			return 0, err
		}
	} else {
		fds.sharers.Add(1)
	}
	if tc, ok := parent.as.(platform.ThreadCreator); sharedVM && ok {
		mm, as = parent.mm, parent.as
		ctx, err = t.startSharedVM(tc, taskCh, childBody)
	} else {
		sharedVM = false
		mm, as, ctx, err = t.startCopiedVM(taskCh, childBody)
	}
	if err != nil {
		fds.release()
		return 0, err
	}

	fsctx := parent.fs
	if c.flags&cloneFS == 0 {
		fsctx.mu.Lock()
		fsctx = &fsContext{cwd: fsctx.cwd, umask: fsctx.umask}
		parent.fs.mu.Unlock()
	}
	parent.mu.Lock()
	tg := &ThreadGroup{
		k: k, mm: mm, as: as, fds: fds, fs: fsctx,
		exe: parent.exe, argv: parent.argv, envp: parent.envp,
		limits: parent.limits, noNewPrivs: parent.noNewPrivs, oomScoreAdj: parent.oomScoreAdj,
		personality: parent.personality,
		killed:      make(chan struct{}), done: make(chan struct{}),
	}
	tg.creds.Store(parent.credentials())
	tg.nonDumpable.Store(parent.nonDumpable.Load())
	if c.flags&cloneSighand != 0 {
		tg.sig.hand = parent.sig.hand
	} else {
		tg.sig.hand = parent.sig.hand.copyTable(c.flags&cloneClearSighand != 0)
	}
	if sharedVM {
		if parent.vmShared == nil {
			parent.vmShared = &vmShare{}
		}
		parent.vmShared.n.Add(1)
		tg.vmShared = parent.vmShared
	}
	name, named, mask := t.name, t.named, t.sigMask
	parent.mu.Unlock()
	child := &Task{
		k: k, tg: tg, ctx: ctx, regs: t.regs, interruptCh: make(chan struct{}, 1),
		name: name, named: named, sigMask: mask, altStack: t.altStack,
	}
	child.affinity.Store(t.affinity.Load())
	child.nice.Store(t.nice.Load())
	if c.flags&cloneChildCleartid != 0 {
		child.clearChildTID = c.childTID
	}
	if c.flags&cloneVfork != 0 {
		child.vforkDone = make(chan struct{})
	}
	child.regs.SetReturn(0)
	if c.stack != 0 {
		child.regs.SetSP(c.stack) // clone3's stack+stack_size already
	}
	if c.flags&cloneSettls != 0 {
		child.regs.SetTLS(c.tls)
	}

	k.mu.Lock()
	pid := k.nextTID
	k.nextTID++
	tg.pid, child.tid = pid, pid
	tg.tasks = map[int]*Task{pid: child}
	k.tasks[pid] = child
	p := parent
	if c.flags&cloneParent != 0 && parent.proc.parent != nil {
		p = parent.proc.parent
	}
	k.registerProcess(tg, p)
	tg.proc.exitSignal = int(c.exitSignal)
	k.mu.Unlock()

	if c.flags&cloneParentSettid != 0 {
		_ = t.writeU32(c.parentTID, uint32(pid))
	}
	if c.flags&clonePidfd != 0 {
		pf := newPidfdFile(tg, 0)
		fd, err := parent.fds.install(pf, 0, true, parent.limit(unix.RLIMIT_NOFILE))
		if err == nil {
			_ = t.writeU32(c.pidfd, uint32(fd))
		} else {
			pf.DecRef()
		}
	}
	vforkDone := child.vforkDone // the child owns child from here on
	taskCh <- child
	// The child starts with the parent's floating-point state (MXCSR,
	// the x87 control word, vector registers), as after a host fork.
	var fp []byte
	if fc, ok := t.ctx.(platform.FPUContext); ok {
		fp, _ = fc.FPState()
	}
	fpCh <- fp
	if vforkDone != nil {
		t.waitVfork(vforkDone)
	}
	return uint64(pid), nil
}

// startCopiedVM starts the child's goroutine on a new address space (a
// new stub process) holding a copy-on-write copy of the parent's memory.
// The goroutine then takes the child's Task from taskCh and runs body.
func (t *Task) startCopiedVM(taskCh <-chan *Task, body func(*Task)) (*vm.MM, platform.AddressSpace, platform.Context, error) {
	k, parent := t.k, t.tg
	type started struct {
		as  platform.AddressSpace
		ctx platform.Context
		err error
	}
	startCh := make(chan started)
	mmCh := make(chan *vm.MM)
	mirrored := make(chan error)
	go func() {
		runtime.LockOSThread()
		// The child's vDSO where its parent's is (libc cached pointers).
		as, ctx, err := k.newAddressSpace(parent.as.VDSO())
		startCh <- started{as, ctx, err}
		if err != nil {
			return
		}
		mm := <-mmCh
		if mm == nil {
			ctx.Release()
			as.Release()
			return
		}
		err = mm.MirrorAll()
		mirrored <- err
		if err != nil {
			mm.Release()
			ctx.Release()
			as.Release()
			return
		}
		body(<-taskCh)
	}()

	s := <-startCh
	if s.err != nil {
		fmt.Fprintf(k.cfg.Warn, "sentry: fork: %v\n", s.err)
		return nil, nil, nil, unix.EAGAIN
	}
	if parent.as.VDSO() != s.as.VDSO() && k.cfg.VDSO {
		fmt.Fprintf(k.cfg.Warn, "sentry: fork: the child's vDSO is at %#x, the parent's at %#x\n", s.as.VDSO(), parent.as.VDSO())
		mmCh <- nil
		return nil, nil, nil, unix.EAGAIN
	}
	// Another thread of the process (or another process sharing its
	// memory, CLONE_VM) may be writing memory while the child's copy is
	// made: then it must be write-protected meanwhile (vm.MM.ForkRunning).
	parent.mu.Lock()
	alone := len(parent.tasks) == 1 && parent.vmShared == nil
	parent.mu.Unlock()
	fork := parent.mm.ForkRunning
	if alone {
		fork = parent.mm.Fork
	}
	mm, err := fork(s.as)
	if err != nil {
		mmCh <- nil
		fmt.Fprintf(k.cfg.Warn, "sentry: fork: %v\n", err)
		return nil, nil, nil, unix.ENOMEM
	}
	mmCh <- mm
	if err := <-mirrored; err != nil {
		fmt.Fprintf(k.cfg.Warn, "sentry: fork: %v\n", err)
		return nil, nil, nil, unix.ENOMEM
	}
	inheritPlacement(t.ctx, s.ctx)
	return mm, s.as, s.ctx, nil
}

// startSharedVM starts the child's goroutine on a new thread of the
// parent's address space (CLONE_VM: vfork, posix_spawn): the child runs
// in the parent's memory until it execs or exits.
func (t *Task) startSharedVM(tc platform.ThreadCreator, taskCh <-chan *Task, body func(*Task)) (platform.Context, error) {
	starter, err := tc.NewThread()
	if err != nil {
		fmt.Fprintf(t.k.cfg.Warn, "sentry: task %d: a thread for a CLONE_VM child: %v\n", t.tid, err)
		return nil, unix.EAGAIN
	}
	type started struct {
		ctx platform.Context
		err error
	}
	startCh := make(chan started)
	go func() {
		runtime.LockOSThread()
		ctx, err := starter.Start()
		startCh <- started{ctx, err}
		if err != nil {
			return
		}
		body(<-taskCh)
	}()
	s := <-startCh
	if s.err != nil {
		fmt.Fprintf(t.k.cfg.Warn, "sentry: task %d: starting a CLONE_VM child: %v\n", t.tid, s.err)
		return nil, unix.EAGAIN
	}
	inheritPlacement(t.ctx, s.ctx)
	return s.ctx, nil
}

// vmShare counts the processes sharing one address space beyond the
// first (clone with CLONE_VM and without CLONE_THREAD).
type vmShare struct{ n atomic.Int32 }

// releaseVM drops tg's use of its address space and reports whether it
// was the last, which releases the memory and the platform's space.
func (tg *ThreadGroup) releaseVM() bool {
	tg.mu.Lock()
	s := tg.vmShared
	tg.vmShared = nil
	tg.mu.Unlock()
	return s == nil || s.n.Add(-1) < 0
}

// waitVfork suspends a vfork parent until the child has called execve or
// exited. Only the parent's own death ends the wait early.
func (t *Task) waitVfork(done <-chan struct{}) {
	for {
		if err := t.waitFor(done, time.Time{}); err == nil || t.tg.isExiting() || t.execKilled.Load() {
			return
		}
	}
}

// releaseVfork lets a vfork parent go on (exec or exit of the child).
func (t *Task) releaseVfork() {
	if t.vforkDone != nil {
		t.vforkOnce.Do(func() { close(t.vforkDone) })
	}
}

// release is a process's last use of the table: the last process using it
// closes every descriptor.
func (ft *FDTable) release() {
	if ft.sharers.Add(-1) >= 0 {
		return
	}
	ft.closeAll()
	ft.uncharge()
}

// unshare returns a table of the process's own: ft itself, or if another
// process shares it (CLONE_FILES), a copy, dropping this process's use of
// ft. execve does this before closing close-on-exec descriptors.
func (ft *FDTable) unshare() *FDTable {
	if ft.sharers.Load() == 0 {
		return ft
	}
	n, err := ft.fork()
	if err != nil {
		// execve is past its point of no return: the copy goes
		// uncharged (its size is that of a table already charged to
		// the process still sharing it).
		n = ft.forkUncharged()
	}
	ft.release()
	return n
}

// fork copies the table for a child process: the same open file
// descriptions, one more reference each, and the same close-on-exec
// flags. ENOMEM when the memory account refuses the copy's slots.
func (ft *FDTable) fork() (*FDTable, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	n := &FDTable{acct: ft.acct}
	if !n.chargeSlotsLocked(len(ft.slots)) {
		return nil, errNoKernelMemory
	}
	ft.copyLocked(n)
	return n, nil
}

// forkUncharged is fork without charging the copy's slots.
func (ft *FDTable) forkUncharged() *FDTable {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	n := &FDTable{acct: ft.acct}
	ft.copyLocked(n)
	return n
}

// copyLocked fills n, a new table, with ft's descriptors. Caller holds
// ft.mu.
func (ft *FDTable) copyLocked(n *FDTable) {
	n.slots = make([]fdEntry, len(ft.slots))
	n.used = append([]uint64(nil), ft.used...)
	n.full = append([]uint64(nil), ft.full...)
	copy(n.slots, ft.slots)
	for _, e := range n.slots {
		if e.file != nil {
			e.file.IncRef()
		}
	}
}

// copyOnWrite resolves a write fault on memory shared copy-on-write with
// another process, or a fault taken on mappings another thread has changed
// since the task resumed (MirrorGen was gen then), and reports whether it
// did (the access is retried).
func (t *Task) copyOnWrite(addr, gen uint64) bool {
	ok, err := t.tg.mm.HandleFaultSince(addr, gen)
	if err != nil {
		fmt.Fprintf(t.k.cfg.Warn, "sentry: task %d: copy-on-write at %#x: %v\n", t.tid, addr, err)
		return false
	}
	return ok
}
