package procfs

import (
	"time"

	"sentry/pkg/vfs"
	"sentry/pkg/vm"
)

// Kernel is the kernel state procfs shows. pkg/kernel implements it.
type Kernel interface {
	// Caller returns the PID and TID of the task whose syscall is being
	// served, for /proc/self and /proc/thread-self; 0 if unknown.
	Caller() (pid, tid int)
	// PIDs lists the live processes, ascending.
	PIDs() []int
	// Process returns a live process, or nil.
	Process(pid int) Process
	// System returns machine-wide facts.
	System() System
	// SetUTSName sets the sandbox's host name (domain false) or NIS
	// domain name, as writes to /proc/sys/kernel/hostname do.
	SetUTSName(domain bool, name string)
	// Mounts lists the mount table (vfs.FS.Mounts).
	Mounts() []vfs.MountInfo
	// NetFiles names the files of /proc/PID/net; NetFile renders one now
	// (false: no such file). The network stack answers them.
	NetFiles() []string
	NetFile(name string) (string, bool)
}

// System holds the machine-wide facts of /proc and /sys.
type System struct {
	Hostname, Release, Version string
	Domainname                 string    // the NIS domain name, "(none)" unset
	Boot                       time.Time // when the sandbox started
	CPUs                       int
	// CPUInfo is /proc/cpuinfo's content: the application runs natively
	// on the host CPU, so the host's description is the true one.
	CPUInfo  string
	MemTotal uint64 // bytes
	MemFree  uint64
	// Running and Threads count tasks for loadavg and /proc/stat.
	Threads   int
	LastPID   int
	Somaxconn int
	// Overcommit is vm.overcommit_memory: the sentry never refuses an
	// mmap for want of memory, which is policy 1.
	Overcommit int
	// RandomizeVASpace is kernel.randomize_va_space, the sandbox's
	// address-space randomisation (0 off, 1 all but the heap, 2 full).
	RandomizeVASpace int
	// UIDMap and GIDMap are the sandbox's user namespace as
	// /proc/PID/uid_map and gid_map show it; empty is the initial
	// namespace's identity map.
	UIDMap, GIDMap []IDMapping
	// Sysctl are the settable sysctls set (sysctl.go), by dotted name.
	Sysctl map[string]string
}

// IDMapping is one line of uid_map or gid_map: Count ids from Inside
// (the sandbox's) are Outside ones.
type IDMapping struct {
	Inside, Outside, Count uint32
}

// Process is one thread group as procfs shows it.
type Process interface {
	Status() Status
	// Tasks lists the thread IDs, ascending.
	Tasks() []int
	// TaskComm is a thread's name.
	TaskComm(tid int) (string, bool)
	// SetTaskComm names the thread tid, or the process's lead thread if
	// tid is 0; false if there is no such thread.
	SetTaskComm(tid int, name string) bool
	// OOMScoreAdj and SetOOMScoreAdj are /proc/PID/oom_score_adj, whose
	// range procfs checks.
	OOMScoreAdj() int
	SetOOMScoreAdj(v int)
	Cmdline() []string
	Environ() []string
	// Exe is the executable's path in the guest tree.
	Exe() string
	// Cwd is the working directory.
	Cwd() *vfs.Dentry
	// Maps lists the mappings in address order, including ranges the
	// platform reserves (named "[vdso]", "[vvar]").
	Maps() []vm.VMAInfo
	// Owner is the process's effective ids and its dumpable flag
	// (PR_GET_DUMPABLE), which decide who owns its /proc/PID files.
	Owner() (uid, gid uint32, dumpable bool)
	// Limits are the resource limits indexed by RLIMIT_*: {soft, hard}.
	Limits() [16][2]uint64
	// FDs lists the open descriptors, ascending.
	FDs() []int
	// FD returns the file at fd with a reference the caller drops, and
	// its close-on-exec flag.
	FD(fd int) (f *vfs.File, cloexec bool, ok bool)
}

// Status is what stat and status show of a process.
type Status struct {
	PID, PPID, PGID, SID int
	Comm                 string
	State                byte   // 'R', 'S', 'Z'
	UID, GID             uint32 // real ids
	// EUID...FSGID are the effective, saved and filesystem ids,
	// Groups the supplementary groups.
	EUID, SUID, FSUID uint32
	EGID, SGID, FSGID uint32
	Groups            []uint32
	Threads           int
	Nice              int // the leader thread's nice value
	Start             time.Time
	VmSize, VmRSS     uint64 // bytes
	Umask             uint32
	NoNewPrivs        bool // PR_SET_NO_NEW_PRIVS
	// CapInh...CapAmb are the capability sets.
	CapInh, CapPrm, CapEff, CapBnd, CapAmb uint64
	SigBlk, SigIgn, SigCgt                 uint64
	SigPnd, ShdPnd                         uint64 // the task's own pending signals, the process's
}
