package kernel

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/loader"
	"sentry/pkg/platform"
	"sentry/pkg/vfs"
	"sentry/pkg/vm"
)

// execve: a new program in the calling process. The new image is loaded
// into a new address space (on ptrace, a new stub process, started from
// this task's own OS thread, which then traces it) while the old one is
// untouched, so a failure at any point before the switch leaves the
// caller running as it was; except that a failure Linux meets past its
// point of no return (loader.ErrNoReturn: placing the segments) kills the
// caller with SIGSEGV, as on Linux.

const (
	// maxArgStrlen is MAX_ARG_STRLEN: one argument or environment
	// string, with its NUL.
	maxArgStrlen = 32 * vm.PageSize
	// minArgBytes is the smallest total Linux allows whatever the stack
	// limit (ARG_MAX).
	minArgBytes = 32 * vm.PageSize
	// maxArgCount is MAX_ARG_STRINGS.
	maxArgCount = 0x7fffffff
)

func sysExecve(t *Task, a [6]uint64) (uint64, error) {
	path, err := t.copyInPath(a[0], false)
	if err != nil {
		return 0, err
	}
	return t.execve(int32(atFDCWD), path, a[1], a[2], 0)
}

func sysExecveat(t *Task, a [6]uint64) (uint64, error) {
	flags := int(a[4])
	if flags&^(unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW) != 0 {
		return 0, unix.EINVAL
	}
	path, err := t.copyInPath(a[1], flags&unix.AT_EMPTY_PATH != 0)
	if err != nil {
		return 0, err
	}
	return t.execve(int32(a[0]), path, a[2], a[3], flags)
}

// copyInArgs reads a NULL-terminated array of string pointers (argv or
// envp), counting its bytes against *budget: E2BIG past it or past
// MAX_ARG_STRLEN for one string.
func (t *Task) copyInArgs(addr uint64, budget *int) ([]string, error) {
	var out []string
	if addr == 0 {
		return nil, nil
	}
	for i := 0; ; i++ {
		if i >= maxArgCount {
			return nil, unix.E2BIG
		}
		p, err := t.readU64(addr + uint64(8*i))
		if err != nil {
			return nil, err
		}
		if p == 0 {
			return out, nil
		}
		s, err := t.tg.mm.CopyInString(p, maxArgStrlen)
		if errors.Is(err, unix.ENAMETOOLONG) {
			return nil, unix.E2BIG
		}
		if err != nil {
			return nil, err
		}
		*budget -= len(s) + 1 + 8
		if *budget < 0 {
			return nil, unix.E2BIG
		}
		out = append(out, s)
	}
}

func (t *Task) execve(dirfd int32, path string, argvAddr, envpAddr uint64, flags int) (uint64, error) {
	budget := int(t.tg.limit(unix.RLIMIT_STACK) / 4)
	if budget < minArgBytes {
		budget = minArgBytes
	}
	argv, err := t.copyInArgs(argvAddr, &budget)
	if err != nil {
		return 0, err
	}
	envp, err := t.copyInArgs(envpAddr, &budget)
	if err != nil {
		return 0, err
	}

	cwd := t.cwd()
	if dirfd != atFDCWD && (path == "" || path[0] != '/') {
		f, err := t.file(uint64(uint32(dirfd)))
		if err != nil {
			return 0, err
		}
		d := f.Dentry()
		f.DecRef()
		if d == nil {
			return 0, unix.EBADF
		}
		if path == "" {
			// fexecve: the file dirfd itself.
			path, cwd = d.Path(), t.k.cfg.FS.Root()
		} else {
			cwd = d
		}
	}

	nc, secure, err := t.execCreds(cwd, path)
	if err != nil {
		return 0, err
	}
	k := t.k
	t.tg.mu.Lock()
	pers := t.tg.personality
	t.tg.mu.Unlock()
	layout, err := k.newLayout(pers)
	if err != nil {
		return 0, fmt.Errorf("execve: %w", err)
	}
	as, ctx, err := k.newAddressSpace(layout.VDSO)
	if err != nil {
		return 0, fmt.Errorf("execve: new address space: %w", err)
	}
	inheritPlacement(t.ctx, ctx) // execve keeps a thread's affinity
	mm := vm.NewMM(k.mf, as)
	mm.SetLayout(layout)
	var vdso uint64
	if k.cfg.VDSO {
		vdso = as.VDSO()
	}
	var rnd [16]byte
	_, _ = rand.Read(rnd[:])
	img, err := loader.Load(loader.Args{
		MM: mm, FS: k.cfg.FS, Cwd: cwd, Path: path, Argv: argv, Envp: envp,
		Arch: k.cfg.Platform.Arch(), VDSO: vdso, HWCap: k.host.hwcap, HWCap2: k.host.hwcap2,
		MinSigStkSz: k.host.minSigStkSz, Random: rnd,
		UID: nc.RealUID, GID: nc.RealGID, EUID: nc.EffectiveUID, EGID: nc.EffectiveGID, Secure: secure,
	})
	if err != nil {
		mm.Release()
		ctx.Release()
		as.Release()
		if errors.Is(err, loader.ErrNoReturn) {
			// Linux has dropped the old image by then and kills the
			// process with SIGSEGV (force_fatal_sig).
			if t.k.cfg.Debug {
				fmt.Fprintf(t.k.cfg.Warn, "sentry: execve: %v\n", err)
			}
			t.tg.exitGroup(ExitStatus{Signal: int(unix.SIGSEGV), Core: true})
			return 0, errExited
		}
		var errno unix.Errno
		if errors.As(err, &errno) {
			return 0, errno
		}
		return 0, unix.ENOEXEC
	}

	// The point of no return.
	if !t.endOtherThreads() {
		// The group is being killed (Linux's de_thread gives up on a
		// pending fatal signal too): the new image is dropped and this
		// thread ends with the others. Going on would make it the leader
		// under the PID of a leader that is still leaving, and both
		// would end the group.
		mm.Release()
		ctx.Release()
		as.Release()
		return 0, errExited
	}
	// Linux releases the old image's robust and PI futexes at exec,
	// while the TID and address space they name are still current.
	t.releaseFutexes(false)
	t.becomeLeader()
	t.tg.creds.Store(nc)
	t.tg.execDumpable(nc)
	t.execSwitch(mm, as, ctx, img, envp)
	return 0, nil
}

// endOtherThreads ends every other thread of the group and waits until
// they are gone, so none of them touches the address space or the fd table
// after the new program starts (Linux's de_thread).
// It reports false, when the group is exiting, without waiting for them.
func (t *Task) endOtherThreads() bool {
	tg := t.tg
	tg.mu.Lock()
	others := tg.otherTasksLocked(t)
	tg.mu.Unlock()
	if len(others) == 0 {
		return !tg.isExiting()
	}
	for _, o := range others {
		o.execKilled.Store(true)
		o.interrupt()
	}
	for {
		tg.mu.Lock()
		n := len(tg.tasks)
		tg.mu.Unlock()
		if tg.isExiting() {
			return false
		}
		if n <= 1 {
			return true
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// interruptPlatform stops the task's user code (Context.Interrupt); safe
// from any goroutine, also while execve swaps the Context.
func (t *Task) interruptPlatform() {
	t.ctxMu.Lock()
	ctx := t.ctx
	t.ctxMu.Unlock()
	if ctx != nil {
		ctx.Interrupt()
	}
}

// becomeLeader gives a thread that execs, once it is the group's only
// task, the group's ID as its own, as Linux does (the old leader is gone).
func (t *Task) becomeLeader() {
	tg, k := t.tg, t.k
	if t.tid == tg.pid {
		return
	}
	k.mu.Lock()
	tg.mu.Lock()
	delete(k.tasks, t.tid)
	delete(tg.tasks, t.tid)
	t.tid = tg.pid
	k.tasks[t.tid] = t
	tg.tasks[t.tid] = t
	tg.mu.Unlock()
	k.mu.Unlock()
}

// execSwitch makes the loaded image the process's program: the new
// address space replaces the old (which is released with its stub),
// close-on-exec descriptors close, caught signals revert to their
// default action (ignored ones stay ignored, the mask and pending
// signals stay), POSIX timers are deleted (alarm and itimers go on), and
// the registers start at the new entry point.
func (t *Task) execSwitch(mm *vm.MM, as platform.AddressSpace, ctx platform.Context, img loader.Image, envp []string) {
	tg := t.tg
	tg.mu.Lock()
	oldMM, oldAS, oldCtx := tg.mm, tg.as, t.ctx
	tg.mm, tg.as = mm, as
	t.ctxMu.Lock()
	t.ctx = ctx
	t.ctxMu.Unlock()
	tg.exe, tg.argv, tg.envp = img.Path, img.Argv, envp
	t.name, t.named = "", false
	// A table shared through CLONE_SIGHAND is left to the other
	// process (Linux's unshare_sighand).
	tg.sig.hand = tg.sig.hand.copyTable(true)
	tg.mu.Unlock()
	t.altStack = stackT{}
	t.clearChildTID = 0
	t.robustList = 0

	oldCtx.Release()
	if tg.releaseVM() {
		oldAS.Release()
		oldMM.Release()
	}

	tg.mu.Lock()
	tg.fds = tg.fds.unshare()
	tg.mu.Unlock()
	tg.fds.closeOnExec(tg.pid)
	tg.deletePosixTimers()
	t.releaseVfork()
	t.k.mu.Lock()
	tg.proc.execed = true
	t.k.mu.Unlock()
	t.regs = initialRegs(t.regs.Arch, img.Entry, img.SP)
}

// closeOnExec closes every descriptor marked close-on-exec, dropping the
// process pid's record locks on each file as any close of it does.
func (t *FDTable) closeOnExec(pid int) {
	t.mu.Lock()
	var files []*vfs.File
	for fd := range t.slots {
		if e := t.slots[fd]; e.file != nil && e.cloexec {
			files = append(files, e.file)
			t.setLocked(fd, fdEntry{})
		}
	}
	t.mu.Unlock()
	for _, f := range files {
		f.ReleaseLocks(pid)
		f.DecRef()
	}
}

// deletePosixTimers is execve's part of the timers: POSIX timers
// (timer_create) are deleted, while alarm and setitimer timers go on.
func (tg *ThreadGroup) deletePosixTimers() {
	tt := &tg.timers
	tt.mu.Lock()
	defer tt.mu.Unlock()
	for id, kt := range tt.posix {
		kt.stop()
		delete(tt.posix, id)
	}
}

// memory returns the process's address space and fd table as another
// goroutine (procfs) may read them: execve replaces them under tg.mu.
func (tg *ThreadGroup) memory() (*vm.MM, platform.AddressSpace, *FDTable) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.mm, tg.as, tg.fds
}
