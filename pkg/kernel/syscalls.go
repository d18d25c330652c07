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
	def("preadv2", sysPreadv2, Full, tr.RetDec, p("fd", tr.FD), p("iov", tr.OutIovec), p("iovcnt", tr.Udec), p("pos_l", tr.Dec64), p("pos_h", tr.Dec64), p("flags", tr.Hex)).note("RWF_HIPRI, RWF_DSYNC, RWF_SYNC, RWF_NOWAIT (EAGAIN where a read would wait), RWF_APPEND, RWF_NOAPPEND; others EOPNOTSUPP"),
	def("pwritev2", sysPwritev2, Full, tr.RetDec, p("fd", tr.FD), p("iov", tr.InIovec), p("iovcnt", tr.Udec), p("pos_l", tr.Dec64), p("pos_h", tr.Dec64), p("flags", tr.Hex)).note("RWF_HIPRI, RWF_DSYNC, RWF_SYNC, RWF_NOWAIT (EAGAIN where a write would wait), RWF_APPEND, RWF_NOAPPEND; others EOPNOTSUPP"),
	sys("lseek", sysLseek, Full).note("the sentry's stdout/stderr is a stream even when it is a host file: ESPIPE (stdin from a file seeks)"),
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
	def("chroot", sysChroot, Partial, tr.RetDec, p("path", tr.Path)).note("the path is checked, then EPERM as without CAP_SYS_CHROOT: no per-process root directory"),
	sys("fchdir", sysFchdir, Full),
	sys("dup", sysDup, Full),
	sys("dup2", sysDup2, Full),
	sys("dup3", sysDup3, Full),
	sys("fcntl", sysFcntl, Partial).note("F_NOTIFY as with dnotify disabled: dropping notifications succeeds, asking for events is EINVAL; F_GETLK64/F_SETLK64/F_SETLKW64 are F_GETLK/F_SETLK/F_SETLKW on 64-bit"),
	sys("ioctl", sysIoctl, Partial).
		note("FIONREAD on files, FIONBIO, FIOCLEX, FIONCLEX; TCGETS/TCSETS*/TIOCGWINSZ on the sentry's own terminal and on ptys (also TIOCSWINSZ, TCFLSH, TIOCGPTN, TIOCSPTLCK); job control TIOCGPGRP/TIOCSPGRP/TIOCGSID/TIOCSCTTY/TIOCNOTTY on both"),
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
	sys("ftruncate", sysFtruncate, Full).note("EINVAL on the sentry's stdio, even when it is a host file"),
	sys("truncate", sysTruncate, Full),
	sys("fsync", sysFsync, Full),
	sys("fdatasync", sysFsync, Full),
	def("sync_file_range", sysSyncFileRange, Full, tr.RetDec, p("fd", tr.FD), p("offset", tr.Dec64), p("nbytes", tr.Dec64), p("flags", tr.Hex)),
	sys("fadvise64", sysFadvise64, Full),
	def("openat2", sysOpenat2, Full, tr.RetFD, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("how", tr.Pointer), p("size", tr.Udec)),
	sys("statfs", sysStatfs, Full),
	sys("fstatfs", sysFstatfs, Full),
	sys("chown", sysChown, Full),
	def("lchown", sysLchown, Full, tr.RetDec, p("pathname", tr.Path), p("owner", tr.Dec), p("group", tr.Dec)),
	sys("fchown", sysFchown, Full),
	sys("fchownat", sysFchownat, Full),
	sys("fchmod", sysFchmod, Full),
	def("fchmodat2", sysFchmodat2, Full, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("mode", tr.Mode), p("flags", tr.AtFlags)),
	sys("utimensat", sysUtimensat, Full),
	def("utimes", sysUtimes, Full, tr.RetDec, p("filename", tr.Path), p("times", tr.Pointer)),
	def("futimesat", sysFutimesat, Full, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("times", tr.Pointer)),
	def("utime", sysUtime, Full, tr.RetDec, p("filename", tr.Path), p("times", tr.Pointer)),
	sys("fallocate", sysFallocate, Partial).
		note("modes 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE, ZERO_RANGE; others EOPNOTSUPP"),
	sys("sync", sysSync, Full),
	def("syncfs", sysSyncfs, Full, tr.RetDec, p("fd", tr.FD)),
	def("mknod", sysMknod, Partial, tr.RetDec, p("pathname", tr.Path), p("mode", tr.Mode), p("dev", tr.Hex)).note("regular files and FIFOs (a FIFO in a volume is EPERM); devices and sockets are EPERM"),
	def("mknodat", sysMknodat, Partial, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("mode", tr.Mode), p("dev", tr.Hex)).note("regular files and FIFOs (a FIFO in a volume is EPERM); devices and sockets are EPERM"),
	def("flock", sysFlock, Full, tr.RetDec, p("fd", tr.FD), p("operation", tr.Dec)),
	def("memfd_create", sysMemfdCreate, Full, tr.RetFD, p("name", tr.Path), p("flags", tr.Hex)),
	sys("sendfile", sysSendfile, Full),
	sys("copy_file_range", sysCopyFileRange, Full),
	def("readahead", sysReadahead, Full, tr.RetDec, p("fd", tr.FD), p("offset", tr.Dec64), p("count", tr.Udec)),
	def("getxattr", sysGetxattr, Partial, tr.RetDec, p("path", tr.Path), p("name", tr.Path), p("value", tr.Pointer), p("size", tr.Udec)).note("no POSIX ACLs: system.* is EOPNOTSUPP outside volumes"),
	def("lgetxattr", sysLgetxattr, Partial, tr.RetDec, p("path", tr.Path), p("name", tr.Path), p("value", tr.Pointer), p("size", tr.Udec)).note("no POSIX ACLs: system.* is EOPNOTSUPP outside volumes"),
	def("fgetxattr", sysFgetxattr, Partial, tr.RetDec, p("fd", tr.FD), p("name", tr.Path), p("value", tr.Pointer), p("size", tr.Udec)).note("no POSIX ACLs: system.* is EOPNOTSUPP outside volumes"),
	def("listxattr", sysListxattr, Full, tr.RetDec, p("path", tr.Path), p("list", tr.Pointer), p("size", tr.Udec)),
	def("llistxattr", sysLlistxattr, Full, tr.RetDec, p("path", tr.Path), p("list", tr.Pointer), p("size", tr.Udec)),
	def("flistxattr", sysFlistxattr, Full, tr.RetDec, p("fd", tr.FD), p("list", tr.Pointer), p("size", tr.Udec)),
	def("setxattr", sysSetxattr, Partial, tr.RetDec, p("path", tr.Path), p("name", tr.Path), p("value", tr.Pointer), p("size", tr.Udec)).note("no POSIX ACLs: system.* is EOPNOTSUPP outside volumes"),
	def("lsetxattr", sysLsetxattr, Partial, tr.RetDec, p("path", tr.Path), p("name", tr.Path), p("value", tr.Pointer), p("size", tr.Udec)).note("no POSIX ACLs: system.* is EOPNOTSUPP outside volumes"),
	def("fsetxattr", sysFsetxattr, Partial, tr.RetDec, p("fd", tr.FD), p("name", tr.Path), p("value", tr.Pointer), p("size", tr.Udec)).note("no POSIX ACLs: system.* is EOPNOTSUPP outside volumes"),
	def("removexattr", sysRemovexattr, Partial, tr.RetDec, p("path", tr.Path), p("name", tr.Path)).note("no POSIX ACLs: system.* is EOPNOTSUPP outside volumes"),
	def("lremovexattr", sysLremovexattr, Partial, tr.RetDec, p("path", tr.Path), p("name", tr.Path)).note("no POSIX ACLs: system.* is EOPNOTSUPP outside volumes"),
	def("fremovexattr", sysFremovexattr, Partial, tr.RetDec, p("fd", tr.FD), p("name", tr.Path)).note("no POSIX ACLs: system.* is EOPNOTSUPP outside volumes"),
	def("setxattrat", sysSetxattrat, Partial, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("at_flags", tr.AtFlags), p("name", tr.Path), p("args", tr.Pointer), p("size", tr.Udec)).note("no POSIX ACLs: system.* is EOPNOTSUPP outside volumes"),
	def("getxattrat", sysGetxattrat, Partial, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("at_flags", tr.AtFlags), p("name", tr.Path), p("args", tr.Pointer), p("size", tr.Udec)).note("no POSIX ACLs: system.* is EOPNOTSUPP outside volumes"),
	def("listxattrat", sysListxattrat, Full, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("at_flags", tr.AtFlags), p("list", tr.Pointer), p("size", tr.Udec)),
	def("removexattrat", sysRemovexattrat, Partial, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("at_flags", tr.AtFlags), p("name", tr.Path)).note("no POSIX ACLs: system.* is EOPNOTSUPP outside volumes"),

	// Memory.
	sys("mmap", sysMmap, Partial).
		note("MAP_SHARED_VALIDATE is taken as MAP_SHARED without checking flags"),
	sys("munmap", sysMunmap, Full),
	sys("mprotect", sysMprotect, Full),
	sys("brk", sysBrk, Full),
	sys("mremap", sysMremap, Full),
	sys("madvise", sysMadvise, Full),
	sys("msync", sysMsync, Full),

	// Process and thread bookkeeping.
	sys("exit", sysExit, Full),
	sys("exit_group", sysExitGroup, Full),
	sys("fork", sysFork, Full),
	sys("vfork", sysVfork, Full),
	sys("execve", sysExecve, Full),
	sys("execveat", sysExecveat, Partial).note("AT_EMPTY_PATH execs the file by its path in the sandbox"),
	sys("getpid", sysGetpid, Full),
	sys("gettid", sysGettid, Full),
	sys("getppid", sysGetppid, Full),
	sys("getuid", sysGetuid, Full),
	sys("geteuid", sysGeteuid, Full),
	sys("getgid", sysGetgid, Full),
	sys("getegid", sysGetegid, Full),
	sys("getresuid", sysGetresuid, Full),
	sys("getresgid", sysGetresgid, Full),
	sys("getgroups", sysGetgroups, Full),
	sys("setuid", sysSetuid, Full).note("ids per process (glibc applies them to every thread anyway); euid 0 is privileged, as root without a user namespace"),
	sys("setgid", sysSetgid, Full),
	def("setreuid", sysSetreuid, Full, tr.RetDec, p("ruid", tr.Dec), p("euid", tr.Dec)),
	def("setregid", sysSetregid, Full, tr.RetDec, p("rgid", tr.Dec), p("egid", tr.Dec)),
	def("setresuid", sysSetresuid, Full, tr.RetDec, p("ruid", tr.Dec), p("euid", tr.Dec), p("suid", tr.Dec)),
	def("setresgid", sysSetresgid, Full, tr.RetDec, p("rgid", tr.Dec), p("egid", tr.Dec), p("sgid", tr.Dec)),
	def("setfsuid", sysSetfsuid, Full, tr.RetDec, p("fsuid", tr.Dec)),
	def("setfsgid", sysSetfsgid, Full, tr.RetDec, p("fsgid", tr.Dec)),
	sys("setgroups", sysSetgroups, Full),
	def("capget", sysCapget, Full, tr.RetDec, p("hdrp", tr.Pointer), p("datap", tr.Pointer)).note("the process's emulated sets"),
	def("capset", sysCapset, Full, tr.RetDec, p("hdrp", tr.Pointer), p("datap", tr.Pointer)).note("Linux's subset rules on the emulated sets; the caller's own only"),
	sys("getpgid", sysGetpgid, Full),
	sys("getpgrp", sysGetpgrp, Full),
	sys("setpgid", sysSetpgid, Full),
	sys("setsid", sysSetsid, Full),
	sys("getsid", sysGetsid, Full),
	sys("wait4", sysWait4, Partial).
		note("rusage holds CPU times only"),
	sys("waitid", sysWaitid, Partial).
		note("rusage holds CPU times only"),
	def("times", sysTimes, Full, tr.RetDec, p("buf", tr.Pointer)),
	sys("getrusage", sysGetrusage, Partial).note("CPU times only: user is time in application code, system the sentry thread serving it"),
	sys("pidfd_open", sysPidfdOpen, Full),
	sys("pidfd_send_signal", sysPidfdSendSignal, Full),
	sys("set_tid_address", sysSetTidAddress, Full),
	sys("set_robust_list", sysSetRobustList, Full),
	sys("get_robust_list", sysGetRobustList, Full),
	sys("clone", sysClone, Partial).
		note("threads need CLONE_VM|CLONE_SIGHAND|CLONE_FS|CLONE_FILES"),
	sys("clone3", sysClone3, Partial).
		note("as clone; set_tid and cgroup are refused (E2BIG)"),
	def("restart_syscall", sysRestartSyscall, Full, tr.RetDec),
	sys("rseq", nil, Unsupported).
		note("ENOSYS: glibc then runs without restartable sequences").quiet(),
	sys("arch_prctl", sysArchPrctl, Full),
	sys("prctl", sysPrctl, Partial).
		note("PR_SET/GET_NAME, PDEATHSIG (on the parent process's death), CHILD_SUBREAPER, DUMPABLE, NO_NEW_PRIVS, CAPBSET_READ/DROP, GET/SET_KEEPCAPS, CAP_AMBIENT, TIMERSLACK, GET_SECCOMP"),
	sys("uname", sysUname, Full),
	def("sethostname", sysSethostname, Full, tr.RetDec, p("name", tr.Pointer), p("len", tr.Udec)).note("the sandbox's own name; the host's never changes"),
	def("setdomainname", sysSetdomainname, Full, tr.RetDec, p("name", tr.Pointer), p("len", tr.Udec)).note("the sandbox's own name; the host's never changes"),
	def("personality", sysPersonality, Partial, tr.RetHex, p("persona", tr.Hex)).
		note("kept, inherited and kept across execve; only ADDR_NO_RANDOMIZE acts (a fixed layout at the next execve)"),
	sys("sysinfo", sysSysinfo, Full),
	sys("getrandom", sysGetrandom, Full),
	sys("prlimit64", sysPrlimit64, Full),
	sys("getrlimit", sysGetrlimit, Full),
	sys("setrlimit", sysSetrlimit, Full),
	sys("sched_getaffinity", sysSchedGetaffinity, Full),
	sys("sched_setaffinity", sysSchedSetaffinity, Partial).
		note("the mask is kept per thread and reported; on amd64 the thread's stub and tracer run on the CPUs named (those the sentry may use); on riscv64 threads run where the Go scheduler puts them"),
	sys("sched_yield", sysSchedYield, Full),
	sys("sched_getscheduler", sysSchedGetscheduler, Full),
	sys("sched_getparam", sysSchedGetparam, Full),
	sys("sched_setscheduler", sysSchedSetscheduler, Partial).note("SCHED_OTHER/BATCH/IDLE accepted and change nothing; real-time policies EPERM"),
	sys("sched_setparam", sysSchedSetparam, Partial).note("priority 0 accepted and changes nothing"),
	def("sched_rr_get_interval", sysSchedRRGetInterval, Full, tr.RetDec, p("pid", tr.Dec), p("tp", tr.Pointer)).note("0: every thread is SCHED_OTHER"),
	def("getpriority", sysGetpriority, Full, tr.RetDec, p("which", tr.Dec), p("who", tr.Dec)).note("nice values per thread are kept and reported; the Go scheduler does not weigh them"),
	def("setpriority", sysSetpriority, Full, tr.RetDec, p("which", tr.Dec), p("who", tr.Dec), p("prio", tr.Dec)).note("nice values per thread are kept and reported; the Go scheduler does not weigh them"),
	sys("sched_get_priority_max", sysSchedGetPriorityMax, Full),
	sys("sched_get_priority_min", sysSchedGetPriorityMin, Full),
	sys("getcpu", sysGetcpu, Full),
	sys("futex", sysFutex, Full).
		note("PI operations without priority boosting (no real-time scheduling): waiters get the lock in arrival order"),

	// Time.
	sys("clock_gettime", sysClockGettime, Full),
	sys("clock_getres", sysClockGetres, Full),
	def("clock_settime", sysClockSettime, Full, tr.RetDec, p("clockid", tr.ClockID), p("tp", tr.Timespec)).note("EPERM after Linux's argument checks: the sandbox never sets the host clock"),
	def("settimeofday", sysSettimeofday, Full, tr.RetDec, p("tv", tr.Pointer), p("tz", tr.Pointer)).note("EPERM after Linux's argument checks: the sandbox never sets the host clock"),
	sys("gettimeofday", sysGettimeofday, Full),
	sys("time", sysTime, Full),
	sys("nanosleep", sysNanosleep, Full),
	sys("clock_nanosleep", sysClockNanosleep, Full).
		note("CPU clocks too: a process's, or another thread's of the caller's process (the caller's own thread clock is EINVAL, as in Linux), sampled at a 4 ms granularity"),
	sys("alarm", sysAlarm, Full),
	def("getitimer", sysGetitimer, Full, tr.RetDec, p("which", tr.Dec), p("curr_value", tr.Pointer)).
		note("ITIMER_VIRTUAL and ITIMER_PROF count the process's user and user+system time as getrusage reports it"),
	sys("setitimer", sysSetitimer, Full).
		note("ITIMER_VIRTUAL (SIGVTALRM) and ITIMER_PROF (SIGPROF) on the process's user and user+system time as getrusage reports it, sampled at a 4 ms granularity"),
	def("timer_create", sysTimerCreate, Partial, tr.RetDec, p("clockid", tr.ClockID), p("sevp", tr.Pointer), p("timerid", tr.Pointer)).
		note("SIGEV_SIGNAL, SIGEV_THREAD_ID, SIGEV_NONE on the real-time clocks and on CPU clocks (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, clock_getcpuclockid and pthread_getcpuclockid ids; CPU timers sampled at a 4 ms granularity); overruns count expiries missed between two firings, not those while the signal is still pending"),
	def("timer_settime", sysTimerSettime, Full, tr.RetDec, p("timerid", tr.Dec), p("flags", tr.Hex), p("new_value", tr.Pointer), p("old_value", tr.Pointer)),
	def("timer_gettime", sysTimerGettime, Full, tr.RetDec, p("timerid", tr.Dec), p("curr_value", tr.Pointer)),
	def("timer_getoverrun", sysTimerGetoverrun, Full, tr.RetDec, p("timerid", tr.Dec)),
	def("timer_delete", sysTimerDelete, Full, tr.RetDec, p("timerid", tr.Dec)),

	// Pipes, readiness and waiting (pkg/epoll).
	sys("pipe", sysPipe, Full),
	sys("pipe2", sysPipe2, Full).
		note("O_DIRECT (packet mode) is accepted and ignored; F_GETPIPE_SZ/F_SETPIPE_SZ resize; EPIPE also raises SIGPIPE"),
	def("eventfd", sysEventfd, Full, tr.RetFD, p("initval", tr.Udec)),
	sys("eventfd2", sysEventfd2, Full),
	sys("timerfd_create", sysTimerfdCreate, Full),
	sys("timerfd_settime", sysTimerfdSettime, Partial).
		note("TFD_TIMER_CANCEL_ON_SET is accepted but clock changes are not watched"),
	def("timerfd_gettime", sysTimerfdGettime, Full, tr.RetDec, p("fd", tr.FD), p("curr_value", tr.Pointer)),
	def("signalfd", sysSignalfd, Full, tr.RetFD, p("fd", tr.FD), p("mask", tr.Sigset), p("sizemask", tr.Udec)),
	def("signalfd4", sysSignalfd4, Full, tr.RetFD, p("fd", tr.FD), p("mask", tr.Sigset), p("sizemask", tr.Udec), p("flags", tr.OFlags)),
	def("splice", sysSplice, Full, tr.RetDec, p("fd_in", tr.FD), p("off_in", tr.Pointer), p("fd_out", tr.FD), p("off_out", tr.Pointer), p("len", tr.Udec), p("flags", tr.Hex)),
	def("tee", sysTee, Full, tr.RetDec, p("fd_in", tr.FD), p("fd_out", tr.FD), p("len", tr.Udec), p("flags", tr.Hex)),
	def("vmsplice", sysVmsplice, Full, tr.RetDec, p("fd", tr.FD), p("iov", tr.InIovec), p("nr_segs", tr.Udec), p("flags", tr.Hex)),
	sys("epoll_create", sysEpollCreate, Full),
	sys("epoll_create1", sysEpollCreate1, Full),
	sys("epoll_ctl", sysEpollCtl, Full),
	sys("epoll_wait", sysEpollWait, Full),
	sys("epoll_pwait", sysEpollPwait, Full),
	def("epoll_pwait2", sysEpollPwait2, Full, tr.RetDec, p("epfd", tr.FD), p("events", tr.OutEpollEvents), p("maxevents", tr.Dec), p("timeout", tr.Timespec), p("sigmask", tr.Sigset), p("sigsetsize", tr.Udec)),
	sys("poll", sysPoll, Full),
	sys("ppoll", sysPpoll, Full),
	sys("select", sysSelect, Full),
	sys("pselect6", sysPselect6, Full),

	// Sockets (pkg/netstack): the sandbox's own loopback network.
	sys("socket", sysSocket, Full).
		note("AF_INET, AF_INET6 (TCP, UDP, UDP-Lite), AF_UNIX, AF_NETLINK (NETLINK_ROUTE link and address dumps); only lo exists"),
	sys("socketpair", sysSocketpair, Full),
	sys("bind", sysBind, Full),
	sys("listen", sysListen, Full),
	sys("accept", sysAccept, Full),
	sys("accept4", sysAccept4, Full),
	sys("connect", sysConnect, Full),
	sys("getsockname", sysGetsockname, Full),
	sys("getpeername", sysGetpeername, Full),
	sys("sendto", sysSendto, Full),
	sys("recvfrom", sysRecvfrom, Full),
	sys("sendmsg", sysSendmsg, Full),
	sys("recvmsg", sysRecvmsg, Full),
	def("sendmmsg", sysSendmmsg, Full, tr.RetDec, p("sockfd", tr.FD), p("msgvec", tr.Pointer), p("vlen", tr.Udec), p("flags", tr.MsgFlags)),
	def("recvmmsg", sysRecvmmsg, Full, tr.RetDec, p("sockfd", tr.FD), p("msgvec", tr.Pointer), p("vlen", tr.Udec), p("flags", tr.MsgFlags), p("timeout", tr.Timespec)),
	sys("shutdown", sysShutdown, Full),
	sys("setsockopt", sysSetsockopt, Partial).
		note("options with no meaning on a loopback (keepalive timings, TCP_NODELAY, IP_TOS...) are stored and read back"),
	sys("getsockopt", sysGetsockopt, Partial).
		note("TCP_INFO reports only the state"),
	// Signals.
	sys("rt_sigaction", sysRtSigaction, Full),
	sys("rt_sigprocmask", sysRtSigprocmask, Full),
	sys("rt_sigreturn", sysRtSigreturn, Full),
	sys("rt_sigpending", sysRtSigpending, Full),
	sys("rt_sigsuspend", sysRtSigsuspend, Full),
	def("rt_sigtimedwait", sysRtSigtimedwait, Full, tr.RetDec, p("set", tr.Sigset), p("info", tr.Pointer), p("timeout", tr.Timespec), p("sigsetsize", tr.Udec)),
	def("rt_sigqueueinfo", sysRtSigqueueinfo, Full, tr.RetDec, p("tgid", tr.Dec), p("sig", tr.Signal), p("info", tr.Pointer)),
	def("rt_tgsigqueueinfo", sysRtTgsigqueueinfo, Full, tr.RetDec, p("tgid", tr.Dec), p("tid", tr.Dec), p("sig", tr.Signal), p("info", tr.Pointer)),
	sys("sigaltstack", sysSigaltstack, Full),
	sys("pause", sysPause, Full),
	sys("kill", sysKill, Full),
	sys("tgkill", sysTgkill, Full),
	sys("tkill", sysTkill, Full),

	// riscv64 only.
	sys("riscv_hwprobe", sysRiscvHwprobe, Full).
		note("answers what the interpreter implements: IMA, F, D, C, Zba, Zbb; fast misaligned access"),
	sys("riscv_flush_icache", sysRiscvFlushIcache, Full),
}
