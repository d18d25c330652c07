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

	// riscv64 only.
	def("riscv_hwprobe", sysRiscvHwprobe, Full, tr.RetDec, p("pairs", tr.Pointer), p("pair_count", tr.Udec), p("cpusetsize", tr.Udec), p("cpus", tr.Pointer), p("flags", tr.Hex)).
		note("answers what the interpreter implements: IMA, F, D, C, Zba, Zbb; fast misaligned access"),
	def("riscv_flush_icache", sysRiscvFlushIcache, Full, tr.RetDec, p("start", tr.Pointer), p("end", tr.Pointer), p("flags", tr.Hex)),
}
