package kernel

import (
	tr "sentry/pkg/strace"
)

// p names one argument of a syscall description.
func p(name string, k tr.ArgKind) tr.Arg { return tr.Arg{Name: name, Kind: k} }

// def builds one description.
func def(name string, fn handler, sup Support, ret tr.RetKind, args ...tr.Arg) Syscall {
	return Syscall{Desc: tr.Desc{Name: name, Args: args, Ret: ret}, Fn: fn, Support: sup}
}

func (s Syscall) note(n string) Syscall { s.Note = n; return s }
func (s Syscall) quiet() Syscall        { s.Quiet = true; return s }

// syscalls is every syscall the sentry describes. Names are Linux's (as
// golang.org/x/sys/unix spells them), so one entry serves every
// architecture that has the call. Calls absent here are unsupported and
// traced with raw arguments.
var syscalls = []Syscall{
	// Files: descriptors and I/O.
	def("read", sysRead, Full, tr.RetDec, p("fd", tr.FD), p("buf", tr.OutBuf), p("count", tr.Udec)),
	def("write", sysWrite, Full, tr.RetDec, p("fd", tr.FD), p("buf", tr.InBuf), p("count", tr.Udec)),
	def("pread64", sysPread64, Full, tr.RetDec, p("fd", tr.FD), p("buf", tr.OutBuf), p("count", tr.Udec), p("offset", tr.Dec64)),
	def("pwrite64", sysPwrite64, Full, tr.RetDec, p("fd", tr.FD), p("buf", tr.InBuf), p("count", tr.Udec), p("offset", tr.Dec64)),
	def("readv", sysReadv, Full, tr.RetDec, p("fd", tr.FD), p("iov", tr.OutIovec), p("iovcnt", tr.Dec)),
	def("writev", sysWritev, Full, tr.RetDec, p("fd", tr.FD), p("iov", tr.InIovec), p("iovcnt", tr.Dec)),
	def("preadv", sysPreadv, Full, tr.RetDec, p("fd", tr.FD), p("iov", tr.OutIovec), p("iovcnt", tr.Dec), p("offset", tr.Dec64)),
	def("pwritev", sysPwritev, Full, tr.RetDec, p("fd", tr.FD), p("iov", tr.InIovec), p("iovcnt", tr.Dec), p("offset", tr.Dec64)),
	def("lseek", sysLseek, Full, tr.RetDec, p("fd", tr.FD), p("offset", tr.Dec64), p("whence", tr.Whence)),
	def("close", sysClose, Full, tr.RetDec, p("fd", tr.FD)),
	def("close_range", sysCloseRange, Full, tr.RetDec, p("first", tr.FD), p("last", tr.FD), p("flags", tr.Hex)),
	def("open", sysOpen, Full, tr.RetFD, p("pathname", tr.Path), p("flags", tr.OpenFlags), p("mode", tr.OpenMode)),
	def("openat", sysOpenat, Full, tr.RetFD, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("flags", tr.OpenFlags), p("mode", tr.OpenMode)),
	def("creat", sysCreat, Full, tr.RetFD, p("pathname", tr.Path), p("mode", tr.Mode)),
	def("fstat", sysFstat, Full, tr.RetDec, p("fd", tr.FD), p("statbuf", tr.StatPtr)),
	def("stat", sysStat, Full, tr.RetDec, p("pathname", tr.Path), p("statbuf", tr.StatPtr)),
	def("lstat", sysLstat, Full, tr.RetDec, p("pathname", tr.Path), p("statbuf", tr.StatPtr)),
	def("newfstatat", sysNewfstatat, Full, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("statbuf", tr.StatPtr), p("flags", tr.AtFlags)),
	def("statx", sysStatx, Full, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("flags", tr.AtFlags), p("mask", tr.Hex), p("statxbuf", tr.StatxPtr)),
	def("getdents64", sysGetdents64, Full, tr.RetDec, p("fd", tr.FD), p("dirp", tr.Pointer), p("count", tr.Udec)),
	def("readlink", sysReadlink, Full, tr.RetDec, p("pathname", tr.Path), p("buf", tr.OutBuf), p("bufsiz", tr.Udec)),
	def("readlinkat", sysReadlinkat, Full, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("buf", tr.OutBuf), p("bufsiz", tr.Udec)),
	def("access", sysAccess, Full, tr.RetDec, p("pathname", tr.Path), p("mode", tr.AccessMode)),
	def("faccessat", sysFaccessat, Full, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("mode", tr.AccessMode)),
	def("faccessat2", sysFaccessat2, Full, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("mode", tr.AccessMode), p("flags", tr.AtFlags)),
	def("getcwd", sysGetcwd, Full, tr.RetDec, p("buf", tr.OutBuf), p("size", tr.Udec)),
	def("chdir", sysChdir, Full, tr.RetDec, p("path", tr.Path)),
	def("fchdir", sysFchdir, Full, tr.RetDec, p("fd", tr.FD)),
	def("dup", sysDup, Full, tr.RetFD, p("oldfd", tr.FD)),
	def("dup2", sysDup2, Full, tr.RetFD, p("oldfd", tr.FD), p("newfd", tr.FD)),
	def("dup3", sysDup3, Full, tr.RetFD, p("oldfd", tr.FD), p("newfd", tr.FD), p("flags", tr.OpenFlags)),
	def("fcntl", sysFcntl, Partial, tr.RetFcntl, p("fd", tr.FD), p("cmd", tr.FcntlCmd), p("arg", tr.FcntlArg)).
		note("record locks always succeed (one process); real lock tables come with the filesystem issue"),
	def("ioctl", sysIoctl, Partial, tr.RetDec, p("fd", tr.FD), p("request", tr.IoctlReq), p("arg", tr.Hex)).
		note("FIONBIO, FIOCLEX, FIONCLEX; terminal TCGETS/TCSETS*/TIOCGWINSZ/TIOCGPGRP on the sentry's own terminal"),
	def("mkdir", sysMkdir, Full, tr.RetDec, p("pathname", tr.Path), p("mode", tr.Mode)),
	def("mkdirat", sysMkdirat, Full, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("mode", tr.Mode)),
	def("rmdir", sysRmdir, Full, tr.RetDec, p("pathname", tr.Path)),
	def("unlink", sysUnlink, Full, tr.RetDec, p("pathname", tr.Path)),
	def("unlinkat", sysUnlinkat, Full, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("flags", tr.AtFlags)),
	def("rename", sysRename, Full, tr.RetDec, p("oldpath", tr.Path), p("newpath", tr.Path)),
	def("renameat", sysRenameat, Full, tr.RetDec, p("olddirfd", tr.AtFD), p("oldpath", tr.Path), p("newdirfd", tr.AtFD), p("newpath", tr.Path)),
	def("renameat2", sysRenameat2, Full, tr.RetDec, p("olddirfd", tr.AtFD), p("oldpath", tr.Path), p("newdirfd", tr.AtFD), p("newpath", tr.Path), p("flags", tr.RenameFlags)),
	def("symlink", sysSymlink, Full, tr.RetDec, p("target", tr.Path), p("linkpath", tr.Path)),
	def("symlinkat", sysSymlinkat, Full, tr.RetDec, p("target", tr.Path), p("newdirfd", tr.AtFD), p("linkpath", tr.Path)),
	def("link", sysLink, Full, tr.RetDec, p("oldpath", tr.Path), p("newpath", tr.Path)),
	def("linkat", sysLinkat, Full, tr.RetDec, p("olddirfd", tr.AtFD), p("oldpath", tr.Path), p("newdirfd", tr.AtFD), p("newpath", tr.Path), p("flags", tr.AtFlags)),
	def("chmod", sysChmod, Full, tr.RetDec, p("pathname", tr.Path), p("mode", tr.Mode)),
	def("fchmodat", sysFchmodat, Full, tr.RetDec, p("dirfd", tr.AtFD), p("pathname", tr.Path), p("mode", tr.Mode)),
	def("umask", sysUmask, Full, tr.RetOct, p("mask", tr.Mode)),
	def("ftruncate", sysFtruncate, Full, tr.RetDec, p("fd", tr.FD), p("length", tr.Dec64)),
	def("truncate", sysTruncate, Full, tr.RetDec, p("path", tr.Path), p("length", tr.Dec64)),
	def("fsync", sysFsync, Full, tr.RetDec, p("fd", tr.FD)),
	def("fdatasync", sysFsync, Full, tr.RetDec, p("fd", tr.FD)),
	def("fadvise64", sysFadvise64, Full, tr.RetDec, p("fd", tr.FD), p("offset", tr.Dec64), p("len", tr.Dec64), p("advice", tr.Dec)),

	// Memory.
	def("mmap", sysMmap, Partial, tr.RetHex, p("addr", tr.Pointer), p("length", tr.Udec), p("prot", tr.MmapProt), p("flags", tr.MmapFlags), p("fd", tr.FD), p("offset", tr.Hex)).
		note("MAP_SHARED file mappings are private copies"),
	def("munmap", sysMunmap, Full, tr.RetDec, p("addr", tr.Pointer), p("length", tr.Udec)),
	def("mprotect", sysMprotect, Full, tr.RetDec, p("addr", tr.Pointer), p("length", tr.Udec), p("prot", tr.MmapProt)),
	def("brk", sysBrk, Full, tr.RetHex, p("addr", tr.Pointer)),
	def("mremap", sysMremap, Full, tr.RetHex, p("old_address", tr.Pointer), p("old_size", tr.Udec), p("new_size", tr.Udec), p("flags", tr.MremapFlags), p("new_address", tr.Pointer)),
	def("madvise", sysMadvise, Full, tr.RetDec, p("addr", tr.Pointer), p("length", tr.Udec), p("advice", tr.Madvise)),

	// Process and thread bookkeeping.
	def("exit", sysExit, Partial, tr.RetVoid, p("status", tr.Dec)).note("threads arrive with the threads issue"),
	def("exit_group", sysExitGroup, Full, tr.RetVoid, p("status", tr.Dec)),
	def("getpid", sysGetpid, Full, tr.RetDec),
	def("gettid", sysGettid, Full, tr.RetDec),
	def("getppid", sysGetppid, Full, tr.RetDec),
	def("getuid", sysGetuid, Full, tr.RetDec),
	def("geteuid", sysGetuid, Full, tr.RetDec),
	def("getgid", sysGetgid, Full, tr.RetDec),
	def("getegid", sysGetgid, Full, tr.RetDec),
	def("getresuid", sysGetresuid, Full, tr.RetDec, p("ruid", tr.Pointer), p("euid", tr.Pointer), p("suid", tr.Pointer)),
	def("getresgid", sysGetresgid, Full, tr.RetDec, p("rgid", tr.Pointer), p("egid", tr.Pointer), p("sgid", tr.Pointer)),
	def("getgroups", sysGetgroups, Full, tr.RetDec, p("size", tr.Dec), p("list", tr.Pointer)),
	def("getpgid", sysGetpgid, Partial, tr.RetDec, p("pid", tr.Dec)).note("one process until processes arrive"),
	def("getpgrp", sysGetpgrp, Partial, tr.RetDec).note("one process until processes arrive"),
	def("setpgid", sysSetpgid, Partial, tr.RetDec, p("pid", tr.Dec), p("pgid", tr.Dec)).note("one process until processes arrive"),
	def("setsid", sysSetsid, Partial, tr.RetDec).note("one process until processes arrive"),
	def("wait4", sysWait4, Partial, tr.RetDec, p("pid", tr.Dec), p("wstatus", tr.WaitStatus), p("options", tr.WaitOptions), p("rusage", tr.Pointer)).
		note("no children until fork arrives: ECHILD"),
	def("set_tid_address", sysSetTidAddress, Full, tr.RetDec, p("tidptr", tr.Pointer)),
	def("set_robust_list", sysSetRobustList, Partial, tr.RetDec, p("head", tr.Pointer), p("len", tr.Udec)).note("recorded; walked on thread death with the threads issue"),
	def("rseq", nil, Unsupported, tr.RetDec, p("rseq", tr.Pointer), p("rseq_len", tr.Udec), p("flags", tr.Hex), p("sig", tr.Hex)).
		note("ENOSYS: glibc then runs without restartable sequences").quiet(),
	def("arch_prctl", sysArchPrctl, Full, tr.RetDec, p("code", tr.ArchPrctlCode), p("addr", tr.ArchPrctlAddr)),
	def("uname", sysUname, Full, tr.RetDec, p("buf", tr.Utsname)),
	def("sysinfo", sysSysinfo, Full, tr.RetDec, p("info", tr.Pointer)),
	def("getrandom", sysGetrandom, Full, tr.RetDec, p("buf", tr.OutHexBuf), p("buflen", tr.Udec), p("flags", tr.GetrandomFlag)),
	def("prlimit64", sysPrlimit64, Full, tr.RetDec, p("pid", tr.Dec), p("resource", tr.PrlimitResource), p("new_limit", tr.Rlimit64), p("old_limit", tr.OutRlimit64)),
	def("getrlimit", sysGetrlimit, Full, tr.RetDec, p("resource", tr.PrlimitResource), p("rlim", tr.OutRlimit)),
	def("setrlimit", sysSetrlimit, Full, tr.RetDec, p("resource", tr.PrlimitResource), p("rlim", tr.Rlimit)),
	def("sched_getaffinity", sysSchedGetaffinity, Full, tr.RetDec, p("pid", tr.Dec), p("cpusetsize", tr.Udec), p("mask", tr.Pointer)),
	def("sched_yield", sysSchedYield, Full, tr.RetDec),
	def("getcpu", sysGetcpu, Full, tr.RetDec, p("cpu", tr.Pointer), p("node", tr.Pointer), p("tcache", tr.Pointer)),
	def("futex", sysFutex, Partial, tr.RetDec, p("uaddr", tr.Pointer), p("futex_op", tr.FutexOp), p("val", tr.Dec), p("timeout", tr.Pointer), p("uaddr2", tr.Pointer), p("val3", tr.Hex)).
		note("WAIT, WAKE and the BITSET forms; requeue and WAKE_OP come with the threads issue"),

	// Time.
	def("clock_gettime", sysClockGettime, Full, tr.RetDec, p("clockid", tr.ClockID), p("tp", tr.OutTimespec)),
	def("clock_getres", sysClockGetres, Full, tr.RetDec, p("clockid", tr.ClockID), p("res", tr.OutTimespec)),
	def("gettimeofday", sysGettimeofday, Full, tr.RetDec, p("tv", tr.Pointer), p("tz", tr.Pointer)),
	def("time", sysTime, Full, tr.RetDec, p("tloc", tr.Pointer)),
	def("nanosleep", sysNanosleep, Partial, tr.RetDec, p("req", tr.Timespec), p("rem", tr.Pointer)).note("not yet interrupted by signals"),
	def("clock_nanosleep", sysClockNanosleep, Partial, tr.RetDec, p("clockid", tr.ClockID), p("flags", tr.Hex), p("request", tr.Timespec), p("remain", tr.Pointer)).
		note("not yet interrupted by signals"),

	// Signals: state only until delivery arrives.
	def("rt_sigaction", sysRtSigaction, Partial, tr.RetDec, p("signum", tr.Signal), p("act", tr.SigactionPtr), p("oldact", tr.OutSigaction), p("sigsetsize", tr.Udec)).
		note("dispositions recorded; delivery to handlers comes with the signals issue"),
	def("rt_sigprocmask", sysRtSigprocmask, Full, tr.RetDec, p("how", tr.SigprocmaskHow), p("set", tr.Sigset), p("oldset", tr.OutSigset), p("sigsetsize", tr.Udec)),
	def("sigaltstack", sysSigaltstack, Full, tr.RetDec, p("ss", tr.Pointer), p("old_ss", tr.Pointer)),
	def("kill", sysKill, Partial, tr.RetDec, p("pid", tr.Dec), p("sig", tr.Signal)).note("default actions only"),
	def("tgkill", sysTgkill, Partial, tr.RetDec, p("tgid", tr.Dec), p("tid", tr.Dec), p("sig", tr.Signal)).note("default actions only"),
	def("tkill", sysTkill, Partial, tr.RetDec, p("tid", tr.Dec), p("sig", tr.Signal)).note("default actions only"),

	// Pipes, readiness and waiting (pkg/epoll).
	def("pipe", sysPipe, Full, tr.RetDec, p("pipefd", tr.OutFDPair)),
	def("pipe2", sysPipe2, Full, tr.RetDec, p("pipefd", tr.OutFDPair), p("flags", tr.OFlags)).
		note("O_DIRECT (packet mode) is accepted and ignored; F_GETPIPE_SZ/F_SETPIPE_SZ resize; SIGPIPE is raised through a hook the signals work completes"),
	def("eventfd", sysEventfd, Full, tr.RetFD, p("initval", tr.Udec)),
	def("eventfd2", sysEventfd2, Full, tr.RetFD, p("initval", tr.Udec), p("flags", tr.EventfdFlags)),
	def("timerfd_create", sysTimerfdCreate, Full, tr.RetFD, p("clockid", tr.ClockID), p("flags", tr.OFlags)),
	def("timerfd_settime", sysTimerfdSettime, Partial, tr.RetDec, p("fd", tr.FD), p("flags", tr.Hex), p("new_value", tr.Pointer), p("old_value", tr.Pointer)).
		note("TFD_TIMER_CANCEL_ON_SET is accepted but clock changes are not watched"),
	def("timerfd_gettime", sysTimerfdGettime, Full, tr.RetDec, p("fd", tr.FD), p("curr_value", tr.Pointer)),
	def("epoll_create", sysEpollCreate, Full, tr.RetFD, p("size", tr.Dec)),
	def("epoll_create1", sysEpollCreate1, Full, tr.RetFD, p("flags", tr.EpollFlags)),
	def("epoll_ctl", sysEpollCtl, Full, tr.RetDec, p("epfd", tr.FD), p("op", tr.EpollCtlOp), p("fd", tr.FD), p("event", tr.EpollEvent)),
	def("epoll_wait", sysEpollWait, Full, tr.RetDec, p("epfd", tr.FD), p("events", tr.OutEpollEvents), p("maxevents", tr.Dec), p("timeout", tr.Dec)),
	def("epoll_pwait", sysEpollPwait, Full, tr.RetDec, p("epfd", tr.FD), p("events", tr.OutEpollEvents), p("maxevents", tr.Dec), p("timeout", tr.Dec), p("sigmask", tr.Sigset), p("sigsetsize", tr.Udec)),
	def("epoll_pwait2", sysEpollPwait2, Full, tr.RetDec, p("epfd", tr.FD), p("events", tr.OutEpollEvents), p("maxevents", tr.Dec), p("timeout", tr.Timespec), p("sigmask", tr.Sigset), p("sigsetsize", tr.Udec)),
	def("poll", sysPoll, Full, tr.RetPoll, p("fds", tr.PollFds), p("nfds", tr.Udec), p("timeout", tr.Dec)),
	def("ppoll", sysPpoll, Full, tr.RetPoll, p("fds", tr.PollFds), p("nfds", tr.Udec), p("tmo_p", tr.Timespec), p("sigmask", tr.Sigset), p("sigsetsize", tr.Udec)),
	def("select", sysSelect, Full, tr.RetDec, p("nfds", tr.Dec), p("readfds", tr.Pointer), p("writefds", tr.Pointer), p("exceptfds", tr.Pointer), p("timeout", tr.Pointer)),
	def("pselect6", sysPselect6, Full, tr.RetDec, p("nfds", tr.Dec), p("readfds", tr.Pointer), p("writefds", tr.Pointer), p("exceptfds", tr.Pointer), p("timeout", tr.Timespec), p("sigmask", tr.Pointer)),

	// Sockets (pkg/netstack): the sandbox's own loopback network.
	def("socket", sysSocket, Full, tr.RetFD, p("domain", tr.SockDomain), p("type", tr.SockType), p("protocol", tr.SockProto)).
		note("AF_INET, AF_INET6, AF_UNIX, AF_NETLINK (NETLINK_ROUTE link and address dumps); only lo exists"),
	def("socketpair", sysSocketpair, Full, tr.RetDec, p("domain", tr.SockDomain), p("type", tr.SockType), p("protocol", tr.SockProto), p("sv", tr.OutFDPair)),
	def("bind", sysBind, Partial, tr.RetDec, p("sockfd", tr.FD), p("addr", tr.Sockaddr), p("addrlen", tr.Udec)).
		note("AF_UNIX path names live in the network's name table, not as socket files in the filesystem"),
	def("listen", sysListen, Full, tr.RetDec, p("sockfd", tr.FD), p("backlog", tr.Dec)),
	def("accept", sysAccept, Full, tr.RetFD, p("sockfd", tr.FD), p("addr", tr.OutSockaddr), p("addrlen", tr.SocklenPtr)),
	def("accept4", sysAccept4, Full, tr.RetFD, p("sockfd", tr.FD), p("addr", tr.OutSockaddr), p("addrlen", tr.SocklenPtr), p("flags", tr.SockFlags)),
	def("connect", sysConnect, Full, tr.RetDec, p("sockfd", tr.FD), p("addr", tr.Sockaddr), p("addrlen", tr.Udec)),
	def("getsockname", sysGetsockname, Full, tr.RetDec, p("sockfd", tr.FD), p("addr", tr.OutSockaddr), p("addrlen", tr.SocklenPtr)),
	def("getpeername", sysGetpeername, Full, tr.RetDec, p("sockfd", tr.FD), p("addr", tr.OutSockaddr), p("addrlen", tr.SocklenPtr)),
	def("sendto", sysSendto, Full, tr.RetDec, p("sockfd", tr.FD), p("buf", tr.InBuf), p("len", tr.Udec), p("flags", tr.MsgFlags), p("dest_addr", tr.Sockaddr), p("addrlen", tr.Udec)),
	def("recvfrom", sysRecvfrom, Full, tr.RetDec, p("sockfd", tr.FD), p("buf", tr.OutBuf), p("len", tr.Udec), p("flags", tr.MsgFlags), p("src_addr", tr.OutSockaddr), p("addrlen", tr.SocklenPtr)),
	def("sendmsg", sysSendmsg, Full, tr.RetDec, p("sockfd", tr.FD), p("msg", tr.Pointer), p("flags", tr.MsgFlags)),
	def("recvmsg", sysRecvmsg, Full, tr.RetDec, p("sockfd", tr.FD), p("msg", tr.Pointer), p("flags", tr.MsgFlags)),
	def("sendmmsg", sysSendmmsg, Full, tr.RetDec, p("sockfd", tr.FD), p("msgvec", tr.Pointer), p("vlen", tr.Udec), p("flags", tr.MsgFlags)),
	def("recvmmsg", sysRecvmmsg, Full, tr.RetDec, p("sockfd", tr.FD), p("msgvec", tr.Pointer), p("vlen", tr.Udec), p("flags", tr.MsgFlags), p("timeout", tr.Timespec)),
	def("shutdown", sysShutdown, Full, tr.RetDec, p("sockfd", tr.FD), p("how", tr.ShutdownHow)),
	def("setsockopt", sysSetsockopt, Partial, tr.RetDec, p("sockfd", tr.FD), p("level", tr.SockoptLevel), p("optname", tr.SockoptName), p("optval", tr.SockoptVal), p("optlen", tr.Udec)).
		note("options with no meaning on a loopback (keepalive timings, TCP_NODELAY, IP_TOS...) are stored and read back"),
	def("getsockopt", sysGetsockopt, Partial, tr.RetDec, p("sockfd", tr.FD), p("level", tr.SockoptLevel), p("optname", tr.SockoptName), p("optval", tr.OutSockoptVal), p("optlen", tr.SocklenPtr)).
		note("TCP_INFO reports only the state"),
}
