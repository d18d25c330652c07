package arch

// Kind is the broad area of the kernel a syscall belongs to, for views
// that group calls (trace-diff's timeline colours marks by it). It is a
// fact about the syscall, the same on every arch.
type Kind uint8

const (
	KindOther   Kind = iota // identity, limits, randomness, misc.
	KindMemory              // address space: mmap, brk, madvise...
	KindFiles               // files, pipes, fds, readiness (epoll, poll)
	KindNetwork             // sockets
	KindSignals             // signal dispositions, masks, delivery
	KindTime                // clocks, timers, sleeps
	KindThreads             // threads and processes: clone, futex, wait
	NumKinds
)

var kindNames = [NumKinds]string{"other", "memory", "files", "network", "signals", "time", "threads"}

// String is the kind's lower-case name ("memory", "files"...).
func (k Kind) String() string {
	if k < NumKinds {
		return kindNames[k]
	}
	return "other"
}

// kindOf lists the syscalls by kind; a syscall not listed is KindOther.
var kindOf = func() map[string]Kind {
	lists := map[Kind][]string{
		KindMemory: {"brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "pkey_mprotect",
			"madvise", "process_madvise", "mlock", "mlock2", "munlock", "mlockall", "munlockall",
			"mincore", "msync", "remap_file_pages", "membarrier", "memfd_create", "memfd_secret",
			"mbind", "get_mempolicy", "set_mempolicy", "migrate_pages", "move_pages",
			"userfaultfd", "process_vm_readv", "process_vm_writev", "riscv_flush_icache",
			"shmget", "shmat", "shmdt", "shmctl", "map_shadow_stack", "mseal"},
		KindFiles: {"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
			"preadv2", "pwritev2", "open", "openat", "openat2", "creat", "close", "close_range",
			"lseek", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
			"access", "faccessat", "faccessat2", "dup", "dup2", "dup3", "fcntl", "ioctl",
			"flock", "fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "truncate",
			"ftruncate", "fallocate", "getdents", "getdents64", "getcwd", "chdir", "fchdir",
			"rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir", "link", "linkat",
			"unlink", "unlinkat", "symlink", "symlinkat", "readlink", "readlinkat", "chmod",
			"fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "umask",
			"utime", "utimes", "utimensat", "futimesat", "mknod", "mknodat", "pipe", "pipe2",
			"sendfile", "splice", "tee", "vmsplice", "copy_file_range", "readahead", "fadvise64",
			"getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr",
			"listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr",
			"fremovexattr", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
			"epoll_pwait", "epoll_pwait2", "poll", "ppoll", "select", "pselect6", "eventfd",
			"eventfd2", "inotify_init", "inotify_init1", "inotify_add_watch",
			"inotify_rm_watch", "fanotify_init", "fanotify_mark", "name_to_handle_at",
			"open_by_handle_at", "mount", "umount2", "chroot", "pivot_root", "io_setup",
			"io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
			"io_uring_setup", "io_uring_enter", "io_uring_register", "ustat", "sysfs"},
		KindNetwork: {"socket", "socketpair", "bind", "listen", "accept", "accept4", "connect",
			"getsockname", "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg",
			"sendmmsg", "recvmmsg", "shutdown", "setsockopt", "getsockopt"},
		KindSignals: {"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
			"rt_sigtimedwait", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "rt_sigsuspend",
			"sigaltstack", "kill", "tkill", "tgkill", "signalfd", "signalfd4", "pause",
			"pidfd_send_signal"},
		KindTime: {"clock_gettime", "clock_settime", "clock_getres", "clock_nanosleep",
			"clock_adjtime", "gettimeofday", "settimeofday", "time", "nanosleep", "alarm",
			"getitimer", "setitimer", "timer_create", "timer_settime", "timer_gettime",
			"timer_getoverrun", "timer_delete", "timerfd_create", "timerfd_settime",
			"timerfd_gettime", "times", "adjtimex"},
		KindThreads: {"clone", "clone3", "fork", "vfork", "execve", "execveat", "exit",
			"exit_group", "wait4", "waitid", "futex", "futex_waitv", "set_tid_address",
			"set_robust_list", "get_robust_list", "gettid", "getpid", "getppid", "arch_prctl",
			"sched_yield", "sched_setaffinity", "sched_getaffinity", "sched_setscheduler",
			"sched_getscheduler", "sched_setparam", "sched_getparam", "sched_get_priority_max",
			"sched_get_priority_min", "sched_rr_get_interval", "sched_setattr", "sched_getattr",
			"rseq", "unshare", "setns", "pidfd_open", "pidfd_getfd", "getpgid", "setpgid",
			"getpgrp", "setsid", "getsid", "prctl", "getpriority", "setpriority",
			"ptrace", "kcmp", "getcpu"},
	}
	m := map[string]Kind{}
	for k, names := range lists {
		for _, n := range names {
			m[n] = k
		}
	}
	return m
}()

// Kind is the syscall's kind (KindOther for SysInvalid).
func (s Sysno) Kind() Kind { return kindOf[s.Name()] }

// KindByName is the kind of a syscall by its Linux name; names no arch
// has (or "") are KindOther.
func KindByName(name string) Kind { return kindOf[name] }
