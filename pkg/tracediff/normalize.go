package tracediff

import "sentry/pkg/strace"

// families folds names that do one thing under different numbers on
// different arches, kernels and libcs to one name. Names absent here are
// their own family.
var families = map[string]string{
	"openat": "open", "openat2": "open", "creat": "open",
	"newfstatat": "stat", "fstatat": "stat", "fstatat64": "stat", "lstat": "stat",
	"fstat": "stat", "statx": "stat", "stat64": "stat", "lstat64": "stat", "fstat64": "stat",
	"epoll_pwait": "epoll_wait", "epoll_pwait2": "epoll_wait",
	"epoll_create1": "epoll_create",
	"renameat":      "rename", "renameat2": "rename",
	"clone3": "clone", "fork": "clone", "vfork": "clone",
	"pipe2": "pipe",
	"dup3":  "dup2",
	"ppoll": "poll", "ppoll_time64": "poll",
	"pselect6": "select", "_newselect": "select", "pselect6_time64": "select",
	"accept4":   "accept",
	"faccessat": "access", "faccessat2": "access",
	"getdents64": "getdents",
	"mkdirat":    "mkdir", "unlinkat": "unlink", "rmdir": "unlink",
	"readlinkat": "readlink", "symlinkat": "symlink", "linkat": "link",
	"fchmodat": "chmod", "fchownat": "chown", "mknodat": "mknod",
	"eventfd2": "eventfd", "signalfd4": "signalfd", "inotify_init1": "inotify_init",
	"rt_sigaction": "sigaction", "rt_sigprocmask": "sigprocmask", "rt_sigreturn": "sigreturn",
	"rt_sigsuspend": "sigsuspend", "rt_sigtimedwait": "sigtimedwait",
	"getrlimit": "prlimit64", "setrlimit": "prlimit64", "ugetrlimit": "prlimit64",
	"fcntl64": "fcntl", "pread": "pread64", "pwrite": "pwrite64", "sendfile64": "sendfile",
	"mmap2": "mmap", "wait4": "wait", "waitpid": "wait", "waitid": "wait",
	"clock_gettime64": "clock_gettime", "clock_nanosleep": "nanosleep",
	"recv": "recvfrom", "send": "sendto", "umount": "umount2",
	// A server picks the gather form by how its reply happens to be
	// buffered (redis: one buffer → write, a reply list → writev), which
	// depends on timing; both move the same bytes to the same fd.
	"writev": "write", "readv": "read",
}

// LinuxName turns a maturin log name into the Linux name (pkg/strace
// holds the one table of that kernel's names).
func LinuxName(maturin string) string { return strace.LinuxNameOfMaturin(maturin) }

// Normalize folds a Linux syscall name to its family name.
func Normalize(name string) string {
	if f, ok := families[name]; ok {
		return f
	}
	return name
}

// vdsoCalls can be served by a vDSO without a syscall, so a trace may or
// may not show them (normalised names).
var vdsoCalls = map[string]bool{"clock_gettime": true, "gettimeofday": true, "time": true, "getcpu": true}

// IsVDSO says a normalised name is a call a vDSO can serve.
func IsVDSO(name string) bool { return vdsoCalls[name] }

// noResult are calls whose result says nothing comparable: they do not
// return, or return a restored register.
var noResult = map[string]bool{"exit": true, "exit_group": true, "sigreturn": true, "execve": true}

// waitsForEvents are the calls with which a server waits for its next
// event (normalised names).
var waitsForEvents = map[string]bool{"epoll_wait": true, "poll": true, "select": true}

// readsBytes are calls whose first argument is an fd and that bring
// bytes in (normalised names).
var readsBytes = map[string]bool{"read": true, "recvfrom": true, "recvmsg": true, "readv": true, "pread64": true}

// terminating are signals whose default action ends a server, and which
// servers catch to shut down.
var terminating = map[string]bool{"SIGTERM": true, "SIGINT": true, "SIGHUP": true, "SIGQUIT": true}
