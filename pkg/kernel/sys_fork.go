package kernel

import (
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
	"sentry/pkg/signals"
	"sentry/pkg/vm"
)

// fork, vfork and clone of a new process. The child gets an address space
// of its own (on ptrace, a new stub process, started and traced by the
// child's own task goroutine) holding a copy-on-write copy of the
// parent's memory (vm.MM.Fork), a copy of the fd table (or the same one
// with CLONE_FILES), the working directory (shared with CLONE_FS), the
// signal dispositions and mask, and returns 0 where the parent gets the
// child's PID.
//
// CLONE_VM without CLONE_THREAD (vfork, posix_spawn) is served as a copy
// too: a vfork child that only calls execve or _exit cannot tell; one
// that writes to its parent's memory (posix_spawn reporting an exec
// error) is not seen by the parent.

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
		f&cloneParent != 0 && parent.pid == 1,
		f&cloneIntoCgroup != 0,
		c.exitSignal > signals.NumSignals:
		return 0, unix.EINVAL
	case f&clonePidfd != 0 && f&cloneParentSettid != 0 && c.pidfd == c.parentTID:
		return 0, unix.EINVAL
	}
	if f&clonePidfd != 0 && c.pidfd == 0 {
		c.pidfd = c.parentTID // clone(2) stores the pidfd at parent_tid
	}

	type started struct {
		as  platform.AddressSpace
		ctx platform.Context
		err error
	}
	startCh := make(chan started)
	mmCh := make(chan *vm.MM)
	mirrored := make(chan error)
	taskCh := make(chan *Task)
	go func() {
		// The child's task goroutine: it starts and traces the child's
		// stub, so it stays on this OS thread for life.
		runtime.LockOSThread()
		as, ctx, err := k.cfg.Platform.NewAddressSpace(k.mf.FD())
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
		child := <-taskCh
		if c.flags&cloneChildSettid != 0 {
			_ = child.writeU32(c.childTID, uint32(child.tid))
		}
		child.run()
	}()

	s := <-startCh
	if s.err != nil {
		fmt.Fprintf(k.cfg.Warn, "sentry: fork: %v\n", s.err)
		return 0, unix.EAGAIN
	}
	if parent.as.VDSO() != s.as.VDSO() && k.cfg.VDSO {
		fmt.Fprintf(k.cfg.Warn, "sentry: fork: the child's vDSO is at %#x, the parent's at %#x\n", s.as.VDSO(), parent.as.VDSO())
		mmCh <- nil
		return 0, unix.EAGAIN
	}
	mm, err := parent.mm.Fork(s.as)
	if err != nil {
		mmCh <- nil
		fmt.Fprintf(k.cfg.Warn, "sentry: fork: %v\n", err)
		return 0, unix.ENOMEM
	}
	mmCh <- mm
	if err := <-mirrored; err != nil {
		fmt.Fprintf(k.cfg.Warn, "sentry: fork: %v\n", err)
		return 0, unix.ENOMEM
	}

	fds := parent.fds
	if c.flags&cloneFiles == 0 {
		fds = fds.fork()
	}
	fsctx := parent.fs
	if c.flags&cloneFS == 0 {
		fsctx.mu.Lock()
		fsctx = &fsContext{cwd: fsctx.cwd, umask: fsctx.umask}
		parent.fs.mu.Unlock()
	}
	parent.mu.Lock()
	tg := &ThreadGroup{
		k: k, mm: mm, as: s.as, fds: fds, fs: fsctx,
		exe: parent.exe, argv: parent.argv, envp: parent.envp,
		limits: parent.limits, noNewPrivs: parent.noNewPrivs,
		killed: make(chan struct{}), done: make(chan struct{}),
	}
	tg.sig.actions = parent.sig.actions
	name, mask := t.name, t.sigMask
	parent.mu.Unlock()
	if c.flags&cloneClearSighand != 0 {
		for i := range tg.sig.actions {
			if tg.sig.actions[i].Handler != signals.SigIgn {
				tg.sig.actions[i] = signals.Action{}
			}
		}
	}
	child := &Task{
		k: k, tg: tg, ctx: s.ctx, regs: t.regs, interruptCh: make(chan struct{}, 1),
		name: name, sigMask: mask, altStack: t.altStack,
	}
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
	if vforkDone != nil {
		t.waitVfork(vforkDone)
	}
	return uint64(pid), nil
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

// fork copies the table for a child process: the same open file
// descriptions, one more reference each, and the same close-on-exec flags.
func (ft *FDTable) fork() *FDTable {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	n := &FDTable{slots: make([]fdEntry, len(ft.slots))}
	copy(n.slots, ft.slots)
	for _, e := range n.slots {
		if e.file != nil {
			e.file.IncRef()
		}
	}
	return n
}

// copyOnWrite resolves a write fault on memory shared copy-on-write with
// another process and reports whether it did (the access is retried).
func (t *Task) copyOnWrite(addr uint64) bool {
	ok, err := t.tg.mm.HandleFault(addr)
	if err != nil {
		fmt.Fprintf(t.k.cfg.Warn, "sentry: task %d: copy-on-write at %#x: %v\n", t.tid, addr, err)
		return false
	}
	return ok
}
