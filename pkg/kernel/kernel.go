// Package kernel is the sentry's kernel: the thread groups (processes) and
// tasks (threads) of one sandbox, their fd tables, credentials, rlimits,
// clocks and futexes, and syscall dispatch from an architecture's numbers to
// one handler per syscall (syscall_table.go), which --strace also reads.
//
// Invariants: every application syscall is served here and never passed to
// the host; the host only runs what a platform injects into its stub. All
// kernel state hangs off one *Kernel (no package-level state); a syscall
// handler returns a Linux errno, never panics on application input.
// Resources are charged to the sandbox: every task, and every zombie
// until reaped, against Config.PidsLimit (clone past it is EAGAIN), open files against
// RLIMIT_NOFILE capped at Config.NoFile, memory against
// Config.MemoryLimit (oom.go), which also holds the fd tables and open
// file descriptions (fd_charge.go: ENOMEM past a quarter of it). The first process is the init of
// the sandbox's pid namespace: signals sent to it from inside that it
// leaves at SIG_DFL are dropped (signal_send.go). When it exits the
// sandbox ends: every other process is killed and waited for, forks
// meanwhile fail with ENOMEM, and only then does Close unmap the memory
// file (process.go's shutdown).
//
// Concurrency: one goroutine per task, locked to its OS thread for life
// (the ptrace platform requires it). Lock order:
//
//	Kernel.mu (PID table, process tree: process.go)
//	  ThreadGroup.mu (signal state, exit status)
//	    FDTable.mu
//	      futexBucket.mu (one or two, in index order; all of them, in
//	      index order, to release a dying task's PI futexes: futex.go)
//	    sigHandlers.mu (a leaf: the handler table, which processes made
//	    with CLONE_SIGHAND share; sighand.go)
//
//	timerTable.mu (per process) > ktimer.mu > ThreadGroup.mu (a timer's
//	expiry sends its signal holding only ktimer.mu; a timer on a CPU
//	clock takes the ThreadGroup.mu of the clock's process, which may be
//	another process, to sample it)
//
//	pty.mu and ptyTable.mu (pseudo-terminals, tty.go) are leaves: a
//	signal the line discipline raises is sent after pty.mu is released.
//	A terminal's session and foreground group (ttyJob, tty_job.go) are
//	the process tree's, under Kernel.mu.
//
//	utsNames.mu (hostname and domain name, uts.go) is a leaf.
//
// vm.MM and vfs.FS lock internally and are called without kernel locks
// held, except that futex buckets are held across MM's atomic word reads
// and compare-and-swaps (the check-and-queue of FUTEX_WAIT and the PI
// futex handovers must be atomic with respect to other futex calls); MM
// never calls back into the kernel. A PI futex operation needs the task
// its word names, from the TID table under Kernel.mu: it looks it up
// before taking the futex's bucket and starts over if the word changed.
//
// Threads and signals: task_clone.go (clone, clone3), task_exit.go (what a
// dying thread leaves in memory), task_signal.go (generation, the choice
// of thread, delivery, group stop), task_sigframe.go (amd64 frames and
// rt_sigreturn), task_restart.go (ERESTART* rules and restart_syscall),
// task_block.go (waitFor: every blocking wait ends with EINTR when a
// signal becomes deliverable), sys_timer.go, signal_host.go (signals sent
// to the sentry go to the first process), pgrp_orphan.go (orphaned
// process groups get SIGHUP and SIGCONT), tty.go/tty_job.go (pseudo-
// terminals, controlling terminals, SIGTTIN/SIGTTOU), exec_process.go
// (processes started beside the first one from outside: OCI exec). CPU time: rusage.go
// (the one source of CPU times, readable from any goroutine), cpu_clock.go
// (CPU clock ids; timers and sleeps on them sample the clock).
// Credentials: creds.go (per-process ids, the set*id rules, kill
// permission), perm.go (mode-bit checks for unprivileged ids),
// exec_creds.go (set-uid exec), sys_caps.go; creds are immutable values
// read without locks. Scheduling: sys_affinity.go (the mask, kept per
// thread and reported), cpu_placement.go (sched_setaffinity places a
// thread on host CPUs through its platform Context, which a new thread
// or process and execve keep), sys_priority.go (nice, kept and reported,
// not applied). The pure pieces (sets, queues,
// siginfo, default actions) are pkg/signals.
package kernel

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/loader"
	"sentry/pkg/netstack"
	"sentry/pkg/platform"
	"sentry/pkg/procfs"
	"sentry/pkg/signals"
	"sentry/pkg/strace"
	"sentry/pkg/vfs"
	"sentry/pkg/vm"
)

// Config is what a user chose on the command line.
type Config struct {
	FS       *vfs.FS
	Platform platform.Platform
	// Strace, when non-nil, receives every syscall.
	Strace *strace.Tracer
	// VDSO gives the application the host vDSO so time calls do not trap.
	VDSO bool
	// ASLR is the sandbox's kernel.randomize_va_space (zero: full).
	ASLR ASLRLevel
	// Stdio are the sentry's own files serving as the application's
	// fds 0, 1 and 2.
	Stdio [3]*vfs.File
	// Preserved become the first process's fds 3, 4, ... (an OCI
	// runtime's --preserve-fds): host files the sentry serves, as it
	// serves Stdio. The kernel takes over their references and drops
	// them once the first process is made (it holds its own).
	Preserved []*vfs.File
	// Warn receives one-line warnings (unsupported syscalls); Debug
	// adds a summary at exit.
	Warn  io.Writer
	Debug bool
	// Hostname is the sandbox's nodename; Domainname its NIS domain
	// name ("" shows as "(none)", Linux's default).
	Hostname, Domainname string
	// Net is the sandbox's network; nil gives a fresh one.
	Net *netstack.Stack
	// Cwd is the directory the first process starts in (FS.Workdir);
	// nil is the root.
	Cwd *vfs.Dentry
	// IgnoredSignals start ignored in the first process, as execve
	// keeps ignored dispositions (HostIgnoredSignals: the sentry's own).
	IgnoredSignals []int
	// PidsLimit bounds the tasks (threads of every process) alive at
	// once, like docker's --pids-limit: fork and clone past it are
	// EAGAIN. 0 means DefaultPidsLimit.
	PidsLimit int
	// NoFile is the hard cap of RLIMIT_NOFILE (Linux's nr_open): the
	// initial limit is min(1024, NoFile) soft, NoFile hard, and raising
	// it further is EPERM. 0 means DefaultNoFile.
	NoFile uint64
	// MemoryLimit is the sandbox's memory account in bytes, docker's
	// --memory: application memory, in-memory file data, pipe and
	// socket buffers (oom.go). 0 means vm.DefaultMemoryLimit of the
	// host's /proc/meminfo.
	MemoryLimit int64
	// Restrict masks and makes read-only paths of /proc and /sys (an
	// OCI config's linux.maskedPaths and readonlyPaths there).
	Restrict procfs.Restrict
	// UIDMap and GIDMap are the user namespace /proc/PID/uid_map and
	// gid_map show (an OCI config's linux.uidMappings, gidMappings):
	// the sandbox's ids are its own whatever the map says, so it is
	// only what the application reads. Empty is the identity map.
	UIDMap, GIDMap []procfs.IDMapping
	// Sysctl are sysctls set at boot (an OCI config's linux.sysctl),
	// among those procfs.CheckSysctl knows.
	Sysctl map[string]string
	// Init is what the first process starts with beyond its program
	// (an OCI config's process.user, rlimits and noNewPrivileges); nil
	// is the sentry's own ids, umask 0022 and the default limits.
	Init *InitProcess
}

// check refuses limits Linux's setrlimit would: a resource it does
// not have, a soft limit above the hard one, RLIMIT_NOFILE above nr_open.
func (in *InitProcess) check(nrOpen uint64) error {
	if in == nil {
		return nil
	}
	for res, l := range in.Rlimits {
		switch {
		case res < 0 || res >= len(rlimits{}):
			return fmt.Errorf("rlimit %d: no such resource", res)
		case l[0] > l[1]:
			return fmt.Errorf("rlimit %d: soft limit %d above hard limit %d", res, l[0], l[1])
		case res == unix.RLIMIT_NOFILE && l[1] > nrOpen:
			return fmt.Errorf("RLIMIT_NOFILE %d above the sandbox's nr_open %d", l[1], nrOpen)
		}
	}
	return nil
}

// InitProcess sets up the first process (Config.Init). Its ids are
// emulated: they need no privilege on the host.
type InitProcess struct {
	// UID and GID become its real, effective, saved and filesystem
	// ids, Groups its supplementary groups.
	UID, GID uint32
	Groups   []uint32
	// Umask, if set, replaces the default 0022.
	Umask *uint32
	// Rlimits replace the default limits, {soft, hard} by RLIMIT_*
	// number; a soft limit above its hard one is an error of New.
	Rlimits map[int][2]uint64
	// NoNewPrivs is PR_SET_NO_NEW_PRIVS, set before the program runs.
	NoNewPrivs bool
	// Caps, if set, are its capability sets (an OCI config's
	// process.capabilities) as set before the program is exec'd, which
	// then transforms them as execve does (applyInit); otherwise uid 0
	// has every capability and other ids none.
	Caps *CapSets
	// OOMScoreAdj is its /proc/PID/oom_score_adj (process.oomScoreAdj),
	// which the sandbox's OOM killer weighs; the host's is untouched.
	OOMScoreAdj int
}

const (
	// DefaultPidsLimit keeps a fork bomb well below what the sentry
	// itself can hold: on ptrace every task is a host thread of a stub
	// and an OS thread of the sentry, and the Go runtime dies at 10000.
	DefaultPidsLimit = 4096
	// DefaultNoFile is Linux's default nr_open.
	DefaultNoFile = 1 << 20
)

// Kernel is one sandbox.
type Kernel struct {
	cfg   Config
	mf    *vm.MemoryFile
	mem   *vm.Account  // Config.MemoryLimit (oom.go)
	kobj  *kobjAccount // fd tables and file descriptions' share of mem (fd_charge.go)
	table *syscallTable
	start time.Time
	host  hostInfo
	// hostIDs are the sentry's own ids: the sandbox's initial
	// credentials and the owner of the files vfs creates.
	hostIDs *Credentials
	// uts are the names sethostname and setdomainname set (uts.go).
	uts utsNames
	// cpuMaskBytes is the host's cpumask size (sys_affinity.go).
	cpuMaskBytes int

	mu      sync.Mutex
	nextTID int
	tasks   map[int]*Task
	// tasksLive counts tasks charged against cfg.PidsLimit: charged by
	// clone (and the first task), released by exitTask, or for a
	// group's last task when its zombie is reaped (reapLocked).
	tasksLive atomic.Int64
	// dying is set once PID 1 has exited and shutdown is killing the
	// rest: clone is ENOMEM from then on.
	dying atomic.Bool
	// procs are the processes by PID, zombies included (process.go).
	procs map[int]*ThreadGroup
	// hostTTY is the job-control state of the sentry's own terminal
	// (tty_job.go), ptys the pseudo-terminals (tty.go).
	hostTTY ttyJob
	ptys    ptyTable
	// hostPTS maps N to the sentry's stdio fd when that is the host's
	// /dev/pts/N: the sandbox's devpts shows it under that number
	// (tty_devpts.go). Set in New, read-only after.
	hostPTS map[int]int
	init    *ThreadGroup // the first process, once it exists
	early   []int        // host signals that arrived before it
	// initSet is closed once init is set (Exec waits for it).
	initSet chan struct{}
	// execTTYs are the host terminals exec gave processes as their
	// controlling terminals: vfs.FileImpl -> *ttyJob (tty_job.go's
	// ttyOf reads it on every terminal read and write, without k.mu).
	execTTYs sync.Map

	futexes futexTable
	// lockWaits is the wait-for graph of blocked F_SETLKW calls, for
	// EDEADLK (sys_lock.go).
	lockWaits vfs.LockWaits
	threads   osThreads // host TID -> task, for /proc/self
	net       *netState

	unsupportedMu sync.Mutex
	unsupported   map[string]int
}

// New creates a kernel with its memory file.
func New(cfg Config) (*Kernel, error) {
	if cfg.Warn == nil {
		cfg.Warn = os.Stderr
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "sentry"
	}
	if cfg.PidsLimit <= 0 {
		cfg.PidsLimit = DefaultPidsLimit
	}
	if cfg.NoFile == 0 {
		cfg.NoFile = DefaultNoFile
	}
	if err := cfg.Init.check(cfg.NoFile); err != nil {
		return nil, err
	}
	table, err := newSyscallTable(syscalls)
	if err != nil {
		return nil, err
	}
	mf, err := vm.NewMemoryFile()
	if err != nil {
		return nil, fmt.Errorf("memory file: %w", err)
	}
	if cfg.MemoryLimit <= 0 {
		meminfo, _ := os.ReadFile("/proc/meminfo")
		cfg.MemoryLimit = vm.DefaultMemoryLimit(meminfo)
	}
	k := &Kernel{
		cfg:          cfg,
		mf:           mf,
		mem:          vm.NewAccount(mf, cfg.MemoryLimit),
		table:        table,
		start:        time.Now(),
		host:         readHostInfo(),
		hostIDs:      hostCredentials(),
		cpuMaskBytes: hostCPUMaskSize(runtime.NumCPU()),
		nextTID:      1,
		initSet:      make(chan struct{}),
		tasks:        map[int]*Task{},
		unsupported:  map[string]int{},
		net:          newNetState(cfg.Net),
	}
	k.kobj = newKobjAccount(k.mem, cfg.MemoryLimit)
	k.net.stack.SetMemoryCharger(k.mem)
	if cfg.FS != nil {
		cfg.FS.SetFIFOProvider(k.newFIFO)
		cfg.FS.SetMemoryCharger(k.mem)
		if err := k.mountProc(); err != nil {
			mf.Close()
			return nil, err
		}
		k.hostPTS = hostTerminals(cfg.Stdio)
		if err := cfg.FS.MountTyped("/dev/pts", devptsRoot{k}, "devpts"); err != nil {
			mf.Close()
			return nil, err
		}
	}
	return k, nil
}

// Close releases the memory file.
func (k *Kernel) Close() error { return k.mf.Close() }

// ExitStatus is how the sandbox's first process ended.
type ExitStatus struct {
	Code   int  // exit code when Signal == 0
	Signal int  // the signal that killed it, or 0
	Core   bool // the signal's default action dumps core (none is written)
}

// ShellStatus is the status a shell would report: the exit code, or
// 128+N for death by signal N.
func (s ExitStatus) ShellStatus() int {
	if s.Signal != 0 {
		return 128 + s.Signal
	}
	return s.Code
}

// Run loads argv[0] (resolved by the caller) and runs it as the sandbox's
// first process (PID 1) until it exits.
func (k *Kernel) Run(path string, argv, envp []string) (ExitStatus, error) {
	h, err := k.Hold(path, argv, envp)
	if err != nil {
		return ExitStatus{}, err
	}
	return h.Run(), nil
}

// Held is the sandbox's first process, loaded but not yet running: what
// an OCI container is between create and start, when runc's init waits
// for start. It is already PID 1 and Exec already starts processes
// beside it (runc lets exec into a created container); signals sent to
// it stay pending until it runs.
type Held struct {
	k       *Kernel
	tg      *ThreadGroup
	release chan struct{}
}

// Hold loads argv[0] (resolved by the caller) as the sandbox's first
// process and holds it until Run.
func (k *Kernel) Hold(path string, argv, envp []string) (*Held, error) {
	type started struct {
		tg  *ThreadGroup
		err error
	}
	ch := make(chan started, 1)
	release := make(chan struct{})
	go func() {
		// The task goroutine traces its stub thread: it must stay on
		// one OS thread for its whole life and never unlock, so the
		// thread dies with it.
		runtime.LockOSThread()
		t, err := k.newInitTask(path, argv, envp)
		for _, f := range k.cfg.Preserved {
			f.DecRef()
		}
		k.cfg.Preserved = nil
		if err != nil {
			ch <- started{err: err}
			return
		}
		k.setInit(t.tg)
		ch <- started{tg: t.tg}
		<-release
		// No traced call made this process: show the exec that
		// started it, as strace's first line does. envp follows argc
		// and argv's pointers and NULL on the new stack.
		k.cfg.Strace.Exec(t.tg.pid, t.tid, path, argv, t.regs.SP()+8*uint64(len(argv)+2), len(envp))
		t.run()
	}()
	s := <-ch
	if s.err != nil {
		return nil, s.err
	}
	return &Held{k: k, tg: s.tg, release: release}, nil
}

// Run lets the first process run and returns how it ended, once it and
// so the sandbox have; call it once.
func (h *Held) Run() ExitStatus {
	k := h.k
	close(h.release)
	stopOOM := make(chan struct{})
	oomDone := make(chan struct{})
	go func() { k.watchMemory(stopOOM); close(oomDone) }()
	<-h.tg.done
	close(stopOOM)
	<-oomDone
	k.shutdown()
	if k.cfg.Debug {
		k.printSummary()
	}
	return h.tg.exitStatus
}

func (k *Kernel) newInitTask(path string, argv, envp []string) (*Task, error) {
	cwd := k.cfg.Cwd
	if cwd == nil {
		cwd = k.cfg.FS.Root()
	}
	p := procSpec{path: path, argv: argv, envp: envp, cwd: cwd, stdio: k.cfg.Stdio, preserved: k.cfg.Preserved, creds: k.hostIDs, umask: 0o022}
	if in := k.cfg.Init; in != nil {
		k.applyInit(&p, in)
	}
	return k.newProcess(p)
}

// applyInit gives p what in asks: its ids, groups and capability sets
// (uid 0's or none without Caps), umask, rlimits and no_new_privs. The
// sets are those a program has once exec'd with them, as an OCI
// runtime sets them and then execs the program (runc's init): uid 0
// gets its bounding and inheritable sets as permitted and effective,
// another uid only its ambient set.
func (k *Kernel) applyInit(p *procSpec, in *InitProcess) {
	c := *k.hostIDs
	c.RealUID, c.EffectiveUID, c.SavedUID, c.FilesystemUID = in.UID, in.UID, in.UID, in.UID
	c.RealGID, c.EffectiveGID, c.SavedGID, c.FilesystemGID = in.GID, in.GID, in.GID, in.GID
	c.Groups = normGroups(slices.Clone(in.Groups))
	c.Caps = initialCaps(in.UID)
	if in.Caps != nil {
		c.Caps = *in.Caps
	}
	set := c
	c.execCaps(&set)
	p.creds = &c
	if in.Umask != nil {
		p.umask = *in.Umask & 0o777
	}
	p.rlimits, p.noNewPrivs = in.Rlimits, in.NoNewPrivs
	p.oomScoreAdj = in.OOMScoreAdj
}

// procSpec is a process made from nothing (not forked): the first one,
// or one an OCI exec starts beside it (exec_process.go).
type procSpec struct {
	path       string
	argv, envp []string
	cwd        *vfs.Dentry
	stdio      [3]*vfs.File
	preserved  []*vfs.File // fds 3, 4, ...
	creds      *Credentials
	umask      uint32
	rlimits    map[int][2]uint64 // over the defaults
	noNewPrivs bool
	// oomScoreAdj is its oom_score_adj (the first process's from
	// InitProcess).
	oomScoreAdj int
}

// newProcess loads p.path into a new address space and registers the new
// process, with no parent, in the PID table; its one task is returned
// ready to run.
func (k *Kernel) newProcess(p procSpec) (*Task, error) {
	path, argv, envp := p.path, p.argv, p.envp
	layout, err := k.newLayout(0)
	if err != nil {
		return nil, err
	}
	as, ctx, err := k.newAddressSpace(layout.VDSO)
	if err != nil {
		return nil, fmt.Errorf("start address space: %w", err)
	}
	mm := vm.NewMM(k.mf, as)
	mm.SetLayout(layout)
	a := k.cfg.Platform.Arch()
	var vdso uint64
	if k.cfg.VDSO {
		vdso = as.VDSO()
	}
	var rnd [16]byte
	_, _ = rand.Read(rnd[:])
	fsctx := &fsContext{cwd: p.cwd, umask: p.umask}
	hwcap, hwcap2, minSigStkSz := k.host.hwcap, k.host.hwcap2, k.host.minSigStkSz
	if a == arch.RISCV64 {
		// The interpreter's hart, not the host CPU.
		hwcap, hwcap2, minSigStkSz = arch.RISCV64HWCap, 0, 0
	}
	cr := p.creds
	img, err := loader.Load(loader.Args{
		MM: mm, FS: k.cfg.FS, Cwd: fsctx.cwd, Path: path, Argv: argv, Envp: envp,
		Arch: a, VDSO: vdso, HWCap: hwcap, HWCap2: hwcap2,
		MinSigStkSz: minSigStkSz, Random: rnd,
		UID: cr.RealUID, GID: cr.RealGID, EUID: cr.EffectiveUID, EGID: cr.EffectiveGID,
	})
	if err != nil {
		mm.Release()
		ctx.Release()
		as.Release()
		return nil, &ExecError{Path: path, Err: err}
	}
	var sigTramp uint64
	if a == arch.RISCV64 {
		if sigTramp, err = mapSigTramp(mm); err != nil {
			mm.Release()
			ctx.Release()
			as.Release()
			return nil, fmt.Errorf("map the vDSO page: %w", err)
		}
	}
	fds := newFDTable(k.kobj)
	for i, f := range append(p.stdio[:], p.preserved...) {
		if f != nil {
			f.IncRef()
			if err := fds.installAt(i, f, false); err != nil {
				f.DecRef()
				fds.release()
				mm.Release()
				ctx.Release()
				as.Release()
				return nil, fmt.Errorf("install stdio fd %d: %w", i, err)
			}
		}
	}
	k.mu.Lock()
	tid := k.nextTID
	k.nextTID++
	tg := &ThreadGroup{
		k: k, pid: tid, mm: mm, as: as, fds: fds, fs: fsctx,
		limits: defaultRlimits(k.cfg.NoFile), killed: make(chan struct{}), done: make(chan struct{}),
		exe: img.Path, argv: img.Argv, envp: envp, sigTramp: sigTramp, noNewPrivs: p.noNewPrivs,
		oomScoreAdj: p.oomScoreAdj,
	}
	for res, l := range p.rlimits {
		tg.limits[res] = rlimit{l[0], l[1]}
	}
	tg.sig.hand = &sigHandlers{}
	for _, sig := range k.cfg.IgnoredSignals {
		if signals.Valid(sig) && !signals.Unblockable.Has(sig) {
			tg.sig.hand.act[sig] = signals.Action{Handler: signals.SigIgn}
		}
	}
	tg.creds.Store(cr)
	t := &Task{k: k, tg: tg, tid: tid, ctx: ctx, interruptCh: make(chan struct{}, 1)}
	t.affinity.Store(k.allCPUs())
	t.nice.Store(hostNice())
	tg.tasks = map[int]*Task{tid: t}
	k.tasks[tid] = t
	k.tasksLive.Add(1)
	k.registerProcess(tg, nil)
	k.mu.Unlock()
	t.regs = initialRegs(a, img.Entry, img.SP)
	return t, nil
}

// initialRegs is the register state of a fresh process: everything zero
// but the entry point and stack, and on amd64 the user segment selectors
// and eflags with IF set (what execve leaves).
func initialRegs(a arch.Arch, entry, sp uint64) arch.Regs {
	r := arch.Regs{Arch: a}
	if a == arch.AMD64 {
		r.AMD64.Cs = 0x33
		r.AMD64.Ss = 0x2b
		r.AMD64.Eflags = 0x202
	}
	r.SetIP(entry)
	r.SetSP(sp)
	return r
}

// warnUnsupported logs the first use of each unsupported syscall.
func (k *Kernel) warnUnsupported(name string, nr uint64, quiet bool) {
	k.unsupportedMu.Lock()
	n := k.unsupported[name]
	k.unsupported[name] = n + 1
	k.unsupportedMu.Unlock()
	if n == 0 && !quiet {
		fmt.Fprintf(k.cfg.Warn, "sentry: unsupported syscall %s (%d): returning ENOSYS\n", name, nr)
	}
}

func (k *Kernel) printSummary() {
	k.unsupportedMu.Lock()
	defer k.unsupportedMu.Unlock()
	if len(k.unsupported) == 0 {
		fmt.Fprintln(k.cfg.Warn, "sentry: no unsupported syscalls were called")
		return
	}
	names := make([]string, 0, len(k.unsupported))
	for n := range k.unsupported {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(k.cfg.Warn, "sentry: unsupported syscalls (calls):")
	for _, n := range names {
		fmt.Fprintf(k.cfg.Warn, "  %-24s %d\n", n, k.unsupported[n])
	}
}

// errExited stops a task's run loop after exit or exit_group.
var errExited = errors.New("task exited")

// errno converts a handler error to a Linux errno; the sentry's own
// failures (not errnos) become EIO after they are logged.
func (k *Kernel) errno(err error) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	fmt.Fprintf(k.cfg.Warn, "sentry: internal error: %v\n", err)
	return unix.EIO
}
