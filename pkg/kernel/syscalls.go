package kernel

import (
	tr "sentry/pkg/strace"
)

// p names one argument of a syscall description.
func p(name string, k tr.ArgKind) tr.Arg { return tr.Arg{Name: name, Kind: k} }

// sys declares a syscall whose arguments pkg/strace describes
// (strace.Describe): the description lives there once, dispatch lives here.
func sys(name string, fn handler, sup Support) Syscall {
	return Syscall{Desc: tr.Desc{Name: name}, Fn: fn, Support: sup}
}

// def declares a syscall strace.Describe does not know, with its
// argument kinds.
func def(name string, fn handler, sup Support, ret tr.RetKind, args ...tr.Arg) Syscall {
	return Syscall{Desc: tr.Desc{Name: name, Args: args, Ret: ret}, Fn: fn, Support: sup}
}

func (s Syscall) note(n string) Syscall { s.Note = n; return s }
func (s Syscall) quiet() Syscall        { s.Quiet = true; return s }

// syscalls is every syscall the sentry serves. Names are Linux's (as
// golang.org/x/sys/unix spells them), so one entry serves every
// architecture that has the call. Calls absent here are unsupported and
// traced with raw arguments.
var syscalls = []Syscall{
	// Files: descriptors and I/O.
	sys("read", sysRead, Full),
	sys("write", sysWrite, Full),
	sys("pread64", sysPread64, Full),
	sys("pwrite64", sysPwrite64, Full),
	sys("readv", sysReadv, Full),
	sys("writev", sysWritev, Full),
	sys("preadv", sysPreadv, Full),
	sys("pwritev", sysPwritev, Full),
	sys("lseek", sysLseek, Full),
	sys("close", sysClose, Full),
	sys("close_range", sysCloseRange, Full),
	sys("open", sysOpen, Full),
	sys("openat", sysOpenat, Full),
	sys("creat", sysCreat, Full),
	sys("fstat", sysFstat, Full),
	sys("stat", sysStat, Full),
	sys("lstat", sysLstat, Full),
	sys("newfstatat", sysNewfstatat, Full),
	sys("statx", sysStatx, Full),
	sys("getdents64", sysGetdents64, Full),
	sys("readlink", sysReadlink, Full),
	sys("readlinkat", sysReadlinkat, Full),
	sys("access", sysAccess, Full),
	sys("faccessat", sysFaccessat, Full),
	sys("faccessat2", sysFaccessat2, Full),
	sys("getcwd", sysGetcwd, Full),
	sys("chdir", sysChdir, Full),
	sys("fchdir", sysFchdir, Full),
	sys("dup", sysDup, Full),
	sys("dup2", sysDup2, Full),
	sys("dup3", sysDup3, Full),
	sys("fcntl", sysFcntl, Partial).
		note("record locks always succeed (one process); real lock tables come with the filesystem issue"),
	sys("ioctl", sysIoctl, Partial).
		note("FIONBIO, FIOCLEX, FIONCLEX; terminal TCGETS/TCSETS*/TIOCGWINSZ/TIOCGPGRP on the sentry's own terminal"),
	sys("mkdir", sysMkdir, Full),
	sys("mkdirat", sysMkdirat, Full),
	sys("rmdir", sysRmdir, Full),
	sys("unlink", sysUnlink, Full),
	sys("unlinkat", sysUnlinkat, Full),
	sys("rename", sysRename, Full),
	sys("renameat", sysRenameat, Full),
	sys("renameat2", sysRenameat2, Full),
	sys("symlink", sysSymlink, Full),
	sys("symlinkat", sysSymlinkat, Full),
	sys("link", sysLink, Full),
	sys("linkat", sysLinkat, Full),
	sys("chmod", sysChmod, Full),
	sys("fchmodat", sysFchmodat, Full),
	sys("umask", sysUmask, Full),
	sys("ftruncate", sysFtruncate, Full),
	sys("truncate", sysTruncate, Full),
	sys("fsync", sysFsync, Full),
	sys("fdatasync", sysFsync, Full),
	sys("fadvise64", sysFadvise64, Full),

	// Memory.
	sys("mmap", sysMmap, Partial).
		note("MAP_SHARED file mappings are private copies"),
	sys("munmap", sysMunmap, Full),
	sys("mprotect", sysMprotect, Full),
	sys("brk", sysBrk, Full),
	sys("mremap", sysMremap, Full),
	sys("madvise", sysMadvise, Full),

	// Process and thread bookkeeping.
	sys("exit", sysExit, Partial).note("threads arrive with the threads issue"),
	sys("exit_group", sysExitGroup, Full),
	sys("fork", sysFork, Full),
	sys("vfork", sysVfork, Partial).note("the child gets a copy of the address space, not the parent's"),
	sys("clone", sysClone, Partial).note("new processes; CLONE_VM without CLONE_THREAD copies the address space; threads come with the threads issue"),
	sys("clone3", sysClone3, Partial).note("as clone; set_tid and CLONE_INTO_CGROUP are EINVAL"),
	sys("execve", sysExecve, Partial).note("other threads of the caller are not killed yet"),
	sys("execveat", sysExecveat, Partial).note("AT_EMPTY_PATH execs the file by its path in the sandbox"),
	sys("getpid", sysGetpid, Full),
	sys("gettid", sysGettid, Full),
	sys("getppid", sysGetppid, Full),
	sys("getuid", sysGetuid, Full),
	sys("geteuid", sysGetuid, Full),
	sys("getgid", sysGetgid, Full),
	sys("getegid", sysGetgid, Full),
	sys("getresuid", sysGetresuid, Full),
	sys("getresgid", sysGetresgid, Full),
	sys("getgroups", sysGetgroups, Full),
	sys("getpgid", sysGetpgid, Full),
	sys("getpgrp", sysGetpgrp, Full),
	sys("setpgid", sysSetpgid, Full),
	sys("setsid", sysSetsid, Full),
	sys("getsid", sysGetsid, Full),
	sys("wait4", sysWait4, Partial).
		note("rusage holds no CPU times yet; stopped/continued children need job-control stops"),
	sys("waitid", sysWaitid, Partial).
		note("P_ALL, P_PID, P_PGID, P_PIDFD; no CPU times"),
	sys("getrusage", sysGetrusage, Partial).note("CPU times not measured yet: zeros"),
	sys("pidfd_open", sysPidfdOpen, Partial).note("not pollable yet"),
	sys("pidfd_send_signal", sysPidfdSendSignal, Partial).note("siginfo argument ignored"),
	sys("set_tid_address", sysSetTidAddress, Full),
	sys("set_robust_list", sysSetRobustList, Partial).note("recorded; walked on thread death with the threads issue"),
	sys("rseq", nil, Unsupported).
		note("ENOSYS: glibc then runs without restartable sequences").quiet(),
	sys("arch_prctl", sysArchPrctl, Full),
	sys("prctl", sysPrctl, Partial).
		note("PR_SET/GET_NAME, PDEATHSIG (recorded), DUMPABLE, NO_NEW_PRIVS, CAPBSET_READ, TIMERSLACK, GET_SECCOMP"),
	sys("uname", sysUname, Full),
	sys("sysinfo", sysSysinfo, Full),
	sys("getrandom", sysGetrandom, Full),
	sys("prlimit64", sysPrlimit64, Full),
	sys("getrlimit", sysGetrlimit, Full),
	sys("setrlimit", sysSetrlimit, Full),
	sys("sched_getaffinity", sysSchedGetaffinity, Full),
	sys("sched_yield", sysSchedYield, Full),
	sys("getcpu", sysGetcpu, Full),
	sys("futex", sysFutex, Partial).
		note("WAIT, WAKE and the BITSET forms; requeue and WAKE_OP come with the threads issue"),

	// Time.
	sys("clock_gettime", sysClockGettime, Full),
	sys("clock_getres", sysClockGetres, Full),
	sys("gettimeofday", sysGettimeofday, Full),
	sys("time", sysTime, Full),
	sys("nanosleep", sysNanosleep, Partial).note("not yet interrupted by signals"),
	sys("clock_nanosleep", sysClockNanosleep, Partial).
		note("not yet interrupted by signals"),

	// Signals: state only until delivery arrives.
	sys("rt_sigaction", sysRtSigaction, Partial).
		note("dispositions recorded; delivery to handlers comes with the signals issue"),
	sys("rt_sigprocmask", sysRtSigprocmask, Full),
	sys("sigaltstack", sysSigaltstack, Full),
	sys("kill", sysKill, Partial).note("to a process, a group, or everyone (-1); default actions only"),
	sys("tgkill", sysTgkill, Partial).note("default actions only"),
	sys("tkill", sysTkill, Partial).note("default actions only"),
}
