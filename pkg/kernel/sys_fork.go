package kernel

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
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

// cloneArgs are clone's and clone3's arguments.
type cloneArgs struct {
	flags      uint64
	exitSignal int
	stack      uint64 // the child's stack pointer; 0: the parent's
	parentTID  uint64
	childTID   uint64
	tls        uint64
	pidfd      uint64 // where CLONE_PIDFD stores the fd
}

const (
	cloneNamespaces = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
		unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWTIME
	cloneClearSighand = 0x100000000
	cloneIntoCgroup   = 0x200000000
)

func sysFork(t *Task, a [6]uint64) (uint64, error) {
	return t.clone(cloneArgs{exitSignal: int(unix.SIGCHLD)})
}

func sysVfork(t *Task, a [6]uint64) (uint64, error) {
	return t.clone(cloneArgs{flags: unix.CLONE_VM | unix.CLONE_VFORK, exitSignal: int(unix.SIGCHLD)})
}

// sysClone: amd64 argument order (flags, stack, parent_tid, child_tid,
// tls).
func sysClone(t *Task, a [6]uint64) (uint64, error) {
	c := cloneArgs{
		flags: a[0] &^ 0xff, exitSignal: int(a[0] & 0xff),
		stack: a[1], parentTID: a[2], childTID: a[3], tls: a[4],
	}
	if c.flags&unix.CLONE_PIDFD != 0 {
		if c.flags&unix.CLONE_PARENT_SETTID != 0 {
			return 0, unix.EINVAL
		}
		c.pidfd = c.parentTID
	}
	return t.clone(c)
}

func sysClone3(t *Task, a [6]uint64) (uint64, error) {
	const ver0 = 64
	size := a[1]
	if size < ver0 || size > vm.PageSize {
		return 0, unix.EINVAL
	}
	b := make([]byte, size)
	if err := t.copyIn(a[0], b); err != nil {
		return 0, err
	}
	for _, x := range b[min(size, 88):] {
		if x != 0 {
			return 0, unix.E2BIG
		}
	}
	le := binary.LittleEndian
	u := func(i int) uint64 {
		if 8*i+8 > len(b) {
			return 0
		}
		return le.Uint64(b[8*i:])
	}
	flags, exitSig, stack, stackSize := u(0), u(4), u(5), u(6)
	if exitSig > numSignals || u(9) != 0 /* set_tid_size */ {
		return 0, unix.EINVAL
	}
	if (stack == 0) != (stackSize == 0) {
		return 0, unix.EINVAL
	}
	c := cloneArgs{flags: flags, exitSignal: int(exitSig), pidfd: u(1), childTID: u(2), parentTID: u(3), tls: u(7)}
	if stack != 0 {
		c.stack = stack + stackSize
	}
	return t.clone(c)
}

// clone validates flags and creates a child process.
func (t *Task) clone(c cloneArgs) (uint64, error) {
	f := c.flags
	switch {
	case f&cloneNamespaces != 0:
		return 0, unix.EPERM
	case f&unix.CLONE_SIGHAND != 0 && f&unix.CLONE_VM == 0,
		f&unix.CLONE_THREAD != 0 && f&unix.CLONE_SIGHAND == 0,
		f&(unix.CLONE_PARENT|unix.CLONE_THREAD) != 0 && t.tg.pid == 1 && f&unix.CLONE_THREAD == 0,
		f&cloneIntoCgroup != 0,
		c.exitSignal < 0 || c.exitSignal > numSignals:
		return 0, unix.EINVAL
	case f&unix.CLONE_THREAD != 0:
		return 0, unix.ENOSYS // threads: the threads issue
	}
	return t.forkProcess(c)
}

// forkProcess creates the child process.
func (t *Task) forkProcess(c cloneArgs) (uint64, error) {
	k := t.k
	parent := t.tg

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
		if c.flags&unix.CLONE_CHILD_SETTID != 0 {
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
	if c.flags&unix.CLONE_FILES == 0 {
		fds = fds.fork()
	}
	fsctx := parent.fs
	if c.flags&unix.CLONE_FS == 0 {
		fsctx.mu.Lock()
		fsctx = &fsContext{cwd: fsctx.cwd, umask: fsctx.umask}
		parent.fs.mu.Unlock()
	}
	parent.mu.Lock()
	tg := &ThreadGroup{
		k: k, mm: mm, as: s.as, fds: fds, fs: fsctx,
		exe: parent.exe, argv: parent.argv,
		limits: parent.limits, sig: parent.sig, noNewPrivs: parent.noNewPrivs,
		killed: make(chan struct{}), done: make(chan struct{}),
	}
	name := t.name
	parent.mu.Unlock()
	if c.flags&cloneClearSighand != 0 {
		for i := range tg.sig.actions {
			if tg.sig.actions[i].handler != sigIgn {
				tg.sig.actions[i] = sigaction{}
			}
		}
	}
	child := &Task{
		k: k, tg: tg, ctx: s.ctx, regs: t.regs, interruptCh: make(chan struct{}, 1),
		name: name, sigMask: t.sigMask, altStack: t.altStack,
	}
	if c.flags&unix.CLONE_CHILD_CLEARTID != 0 {
		child.clearChildTID = c.childTID
	}
	if c.flags&unix.CLONE_VFORK != 0 {
		child.vforkDone = make(chan struct{})
	}
	child.regs.SetReturn(0)
	if c.stack != 0 {
		child.regs.SetSP(c.stack)
	}
	if c.flags&unix.CLONE_SETTLS != 0 {
		child.regs.SetTLS(c.tls)
	}

	k.mu.Lock()
	pid := k.nextTID
	k.nextTID++
	tg.pid, child.tid = pid, pid
	tg.tasks = map[int]*Task{pid: child}
	k.tasks[pid] = child
	p := parent
	if c.flags&unix.CLONE_PARENT != 0 && parent.proc.parent != nil {
		p = parent.proc.parent
	}
	k.registerProcess(tg, p)
	tg.proc.exitSignal = c.exitSignal
	k.mu.Unlock()

	if c.flags&unix.CLONE_PARENT_SETTID != 0 {
		_ = t.writeU32(c.parentTID, uint32(pid))
	}
	if c.flags&unix.CLONE_PIDFD != 0 {
		pf := newPidfdFile(tg, 0)
		fd, err := parent.fds.install(pf, 0, true, parent.limit(unix.RLIMIT_NOFILE))
		if err == nil {
			_ = t.writeU32(c.pidfd, uint32(fd))
		} else {
			pf.DecRef()
		}
	}
	taskCh <- child
	if child.vforkDone != nil {
		t.waitVfork(child)
	}
	return uint64(pid), nil
}

// waitVfork suspends a vfork parent until the child has called execve or
// exited. Only the parent's own death ends the wait early.
func (t *Task) waitVfork(child *Task) {
	for {
		if err := t.waitFor(child.vforkDone, time.Time{}); err == nil || t.tg.isExiting() {
			return
		}
	}
}

// releaseVfork lets a vfork parent go on (exec or exit of the child).
func (t *Task) releaseVfork() {
	if t.vforkDone != nil {
		close(t.vforkDone)
		t.vforkDone = nil
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
