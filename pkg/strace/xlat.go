package strace

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
	"strconv"
	"strings"
)

// xl is one named value of a flag set or enumeration, as in strace's xlat
// tables. Order matters for flag sets: a multi-bit entry listed first
// (O_SYNC before O_DSYNC, O_TMPFILE before O_DIRECTORY) wins its bits.
type xl struct {
	v    uint64
	name string
}

func hex(v uint64) string {
	if v == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(v, 16)
}

// flags renders v as NAME|NAME|0xrest like strace's printflags; zero is the
// table's zero entry if it has one, else "0".
func flags(tab []xl, v uint64) string {
	if v == 0 {
		for _, e := range tab {
			if e.v == 0 {
				return e.name
			}
		}
		return "0"
	}
	var b strings.Builder
	for _, e := range tab {
		if e.v != 0 && v&e.v == e.v {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(e.name)
			v &^= e.v
		}
	}
	if v != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(hex(v))
	}
	return b.String()
}

// lookup finds v's name in an enumeration.
func lookup(tab []xl, v uint64) (string, bool) {
	for _, e := range tab {
		if e.v == v {
			return e.name, true
		}
	}
	return "", false
}

// xval renders an enumeration value like strace's printxval: the name, or
// "0x3e7 /* MADV_??? */" for an unknown value.
func xval(tab []xl, v uint64, unknown string) string {
	if n, ok := lookup(tab, v); ok {
		return n
	}
	return hex(v) + " /* " + unknown + " */"
}

var openFlagTab = []xl{
	{linux.O_CREAT, "O_CREAT"}, {linux.O_EXCL, "O_EXCL"}, {linux.O_NOCTTY, "O_NOCTTY"}, {linux.O_TRUNC, "O_TRUNC"},
	{linux.O_APPEND, "O_APPEND"}, {linux.O_NONBLOCK, "O_NONBLOCK"}, {oSync, "O_SYNC"},
	{linux.O_SYNC, "__O_SYNC"}, {linux.O_DSYNC, "O_DSYNC"}, {linux.O_DIRECT, "O_DIRECT"},
	{linux.O_LARGEFILE, "O_LARGEFILE"}, {linux.O_NOFOLLOW, "O_NOFOLLOW"}, {linux.O_NOATIME, "O_NOATIME"},
	{linux.O_CLOEXEC, "O_CLOEXEC"}, {linux.O_PATH, "O_PATH"}, {oTmpfile, "O_TMPFILE"},
	{linux.O_TMPFILE, "__O_TMPFILE"}, {linux.O_DIRECTORY, "O_DIRECTORY"}, {linux.O_ASYNC, "FASYNC"},
}

var accModes = [4]string{"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"}

func openFlags(v uint64) string {
	v &= 0xffffffff
	s := accModes[v&3]
	if rest := v &^ 3; rest != 0 {
		s += "|" + flags(openFlagTab, rest)
	}
	return s
}

// mode renders a numeric mode like strace's %#03o.
func mode(v uint64) string {
	v &= 0xffffffff
	s := strconv.FormatUint(v, 8)
	if v != 0 {
		s = "0" + s
	}
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

var fileTypes = []xl{
	{linux.S_IFSOCK, "S_IFSOCK"}, {linux.S_IFLNK, "S_IFLNK"}, {linux.S_IFREG, "S_IFREG"},
	{linux.S_IFBLK, "S_IFBLK"}, {linux.S_IFDIR, "S_IFDIR"}, {linux.S_IFCHR, "S_IFCHR"}, {linux.S_IFIFO, "S_IFIFO"},
}

// fileMode renders st_mode: S_IFDIR|S_ISVTX|0777.
func fileMode(m uint64) string {
	var b strings.Builder
	if t := m & linux.S_IFMT; t != 0 {
		if n, ok := lookup(fileTypes, t); ok {
			b.WriteString(n)
		} else {
			b.WriteString(hex(t))
		}
		b.WriteByte('|')
	}
	for _, e := range []xl{{linux.S_ISUID, "S_ISUID"}, {linux.S_ISGID, "S_ISGID"}, {linux.S_ISVTX, "S_ISVTX"}} {
		if m&e.v != 0 {
			b.WriteString(e.name)
			b.WriteByte('|')
		}
	}
	b.WriteString(mode(m & 0o777))
	return b.String()
}

var atFlagTab = []xl{
	{linux.AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"}, {linux.AT_REMOVEDIR, "AT_REMOVEDIR"}, {linux.AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"},
	{linux.AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"}, {linux.AT_EMPTY_PATH, "AT_EMPTY_PATH"}, {linux.AT_RECURSIVE, "AT_RECURSIVE"},
}

var accessAtFlagTab = []xl{
	{linux.AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"}, {linux.AT_EACCESS, "AT_EACCESS"}, {linux.AT_EMPTY_PATH, "AT_EMPTY_PATH"},
}

var statxSyncTab = []xl{
	{linux.AT_STATX_SYNC_AS_STAT, "AT_STATX_SYNC_AS_STAT"}, {linux.AT_STATX_FORCE_SYNC, "AT_STATX_FORCE_SYNC"}, {linux.AT_STATX_DONT_SYNC, "AT_STATX_DONT_SYNC"},
}

// statxSyncMask is AT_STATX_SYNC_TYPE (include/uapi/linux/fcntl.h).
const statxSyncMask = linux.AT_STATX_FORCE_SYNC | linux.AT_STATX_DONT_SYNC

func statxFlags(v uint64) string {
	s := xval(statxSyncTab, v&statxSyncMask, "AT_STATX_???")
	if rest := v &^ statxSyncMask; rest != 0 {
		s += "|" + flags(atFlagTab, rest)
	}
	return s
}

var statxMaskTab = []xl{
	{linux.STATX_BASIC_STATS, "STATX_BASIC_STATS"}, {linux.STATX_TYPE, "STATX_TYPE"}, {linux.STATX_MODE, "STATX_MODE"}, {linux.STATX_NLINK, "STATX_NLINK"},
	{linux.STATX_UID, "STATX_UID"}, {linux.STATX_GID, "STATX_GID"}, {linux.STATX_ATIME, "STATX_ATIME"}, {linux.STATX_MTIME, "STATX_MTIME"},
	{linux.STATX_CTIME, "STATX_CTIME"}, {linux.STATX_INO, "STATX_INO"}, {linux.STATX_SIZE, "STATX_SIZE"}, {linux.STATX_BLOCKS, "STATX_BLOCKS"},
	{linux.STATX_BTIME, "STATX_BTIME"}, {linux.STATX_MNT_ID, "STATX_MNT_ID"}, {unix.STATX_DIOALIGN, "STATX_DIOALIGN"},
}

var accessModeTab = []xl{{unix.F_OK, "F_OK"}, {unix.R_OK, "R_OK"}, {unix.W_OK, "W_OK"}, {unix.X_OK, "X_OK"}}

var renameFlagTab = []xl{{linux.RENAME_NOREPLACE, "RENAME_NOREPLACE"}, {linux.RENAME_EXCHANGE, "RENAME_EXCHANGE"}, {linux.RENAME_WHITEOUT, "RENAME_WHITEOUT"}}

var whenceTab = []xl{{linux.SEEK_SET, "SEEK_SET"}, {linux.SEEK_CUR, "SEEK_CUR"}, {linux.SEEK_END, "SEEK_END"}, {linux.SEEK_DATA, "SEEK_DATA"}, {linux.SEEK_HOLE, "SEEK_HOLE"}}

const (
	fDupfd        = linux.F_DUPFD
	fGetfd        = linux.F_GETFD
	fSetfd        = linux.F_SETFD
	fGetfl        = linux.F_GETFL
	fSetfl        = linux.F_SETFL
	fGetlk        = linux.F_GETLK
	fSetlk        = linux.F_SETLK
	fSetlkw       = linux.F_SETLKW
	fGetown       = linux.F_GETOWN
	fGetsig       = linux.F_GETSIG
	fOfdGetlk     = linux.F_OFD_GETLK
	fOfdSetlk     = linux.F_OFD_SETLK
	fOfdSetlkw    = linux.F_OFD_SETLKW
	fGetlease     = linux.F_LINUX_SPECIFIC_BASE + 1 // F_GETLEASE, which gVisor does not name (uapi fcntl.h)
	fDupfdCloexec = linux.F_DUPFD_CLOEXEC
	fGetpipeSz    = linux.F_GETPIPE_SZ
	fAddSeals     = linux.F_ADD_SEALS
	fGetSeals     = linux.F_GET_SEALS
)

var fcntlCmdTab = []xl{
	{linux.F_DUPFD, "F_DUPFD"}, {linux.F_GETFD, "F_GETFD"}, {linux.F_SETFD, "F_SETFD"}, {linux.F_GETFL, "F_GETFL"}, {linux.F_SETFL, "F_SETFL"},
	{linux.F_GETLK, "F_GETLK"}, {linux.F_SETLK, "F_SETLK"}, {linux.F_SETLKW, "F_SETLKW"}, {linux.F_SETOWN, "F_SETOWN"}, {linux.F_GETOWN, "F_GETOWN"},
	{linux.F_SETSIG, "F_SETSIG"}, {linux.F_GETSIG, "F_GETSIG"}, {linux.F_SETOWN_EX, "F_SETOWN_EX"}, {linux.F_GETOWN_EX, "F_GETOWN_EX"},
	{linux.F_OFD_GETLK, "F_OFD_GETLK"}, {linux.F_OFD_SETLK, "F_OFD_SETLK"}, {linux.F_OFD_SETLKW, "F_OFD_SETLKW"}, {unix.F_SETLEASE, "F_SETLEASE"},
	{unix.F_GETLEASE, "F_GETLEASE"}, {unix.F_NOTIFY, "F_NOTIFY"}, {linux.F_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC"},
	{linux.F_SETPIPE_SZ, "F_SETPIPE_SZ"}, {linux.F_GETPIPE_SZ, "F_GETPIPE_SZ"}, {linux.F_ADD_SEALS, "F_ADD_SEALS"}, {linux.F_GET_SEALS, "F_GET_SEALS"},
}

var fdFlagTab = []xl{{linux.FD_CLOEXEC, "FD_CLOEXEC"}}

var sealTab = []xl{
	{linux.F_SEAL_SEAL, "F_SEAL_SEAL"}, {linux.F_SEAL_SHRINK, "F_SEAL_SHRINK"}, {linux.F_SEAL_GROW, "F_SEAL_GROW"}, {linux.F_SEAL_WRITE, "F_SEAL_WRITE"},
	{unix.F_SEAL_FUTURE_WRITE, "F_SEAL_FUTURE_WRITE"},
}

var lockTypeTab = []xl{{linux.F_RDLCK, "F_RDLCK"}, {linux.F_WRLCK, "F_WRLCK"}, {linux.F_UNLCK, "F_UNLCK"}}

var ioctlTab = []xl{
	{linux.TCGETS, "TCGETS"}, {linux.TCSETS, "TCSETS"}, {linux.TCSETSW, "TCSETSW"}, {linux.TCSETSF, "TCSETSF"},
	{unix.TCGETA, "TCGETA"}, {unix.TCSETA, "TCSETA"}, {unix.TCSETAW, "TCSETAW"}, {unix.TCSETAF, "TCSETAF"},
	{linux.TCSBRK, "TCSBRK"}, {unix.TCXONC, "TCXONC"}, {linux.TCFLSH, "TCFLSH"}, {linux.TIOCEXCL, "TIOCEXCL"},
	{linux.TIOCNXCL, "TIOCNXCL"}, {linux.TIOCSCTTY, "TIOCSCTTY"}, {linux.TIOCGPGRP, "TIOCGPGRP"}, {linux.TIOCSPGRP, "TIOCSPGRP"},
	{linux.TIOCOUTQ, "TIOCOUTQ"}, {linux.TIOCSTI, "TIOCSTI"}, {linux.TIOCGWINSZ, "TIOCGWINSZ"}, {linux.TIOCSWINSZ, "TIOCSWINSZ"},
	{linux.TIOCMGET, "TIOCMGET"}, {linux.FIONREAD, "FIONREAD"}, {unix.TIOCLINUX, "TIOCLINUX"}, {linux.TIOCCONS, "TIOCCONS"},
	{linux.FIONBIO, "FIONBIO"}, {linux.TIOCNOTTY, "TIOCNOTTY"}, {linux.TIOCGSID, "TIOCGSID"}, {linux.FIONCLEX, "FIONCLEX"},
	{linux.FIOCLEX, "FIOCLEX"}, {linux.FIOASYNC, "FIOASYNC"}, {linux.TIOCGPTN, "TIOCGPTN"}, {linux.TIOCSPTLCK, "TIOCSPTLCK"},
	{linux.TCGETS2, "TCGETS2"}, {linux.TCSETS2, "TCSETS2"},
}

var iocDirs = [4]string{"_IOC_NONE", "_IOC_WRITE", "_IOC_READ", "_IOC_READ|_IOC_WRITE"}

func ioctlReq(v uint64) string {
	v &= 0xffffffff
	if n, ok := lookup(ioctlTab, v); ok {
		return n
	}
	return "_IOC(" + iocDirs[v>>30] + ", " + hex(v>>8&0xff) + ", " + hex(v&0xff) + ", " + hex(v>>16&0x3fff) + ")"
}

var protTab = []xl{
	{linux.PROT_NONE, "PROT_NONE"}, {linux.PROT_READ, "PROT_READ"}, {linux.PROT_WRITE, "PROT_WRITE"}, {linux.PROT_EXEC, "PROT_EXEC"}, {linux.PROT_SEM, "PROT_SEM"},
	{linux.PROT_GROWSDOWN, "PROT_GROWSDOWN"}, {linux.PROT_GROWSUP, "PROT_GROWSUP"},
}

var mapTypeTab = []xl{{linux.MAP_SHARED, "MAP_SHARED"}, {linux.MAP_PRIVATE, "MAP_PRIVATE"}, {unix.MAP_SHARED_VALIDATE, "MAP_SHARED_VALIDATE"}}

// mapFlagTab is the generic (riscv64) set; amd64 adds MAP_32BIT and
// MAP_ABOVE4G in mapFlagTabAMD64.
var mapFlagTab = []xl{
	{linux.MAP_FIXED, "MAP_FIXED"}, {linux.MAP_ANONYMOUS, "MAP_ANONYMOUS"}, {linux.MAP_NORESERVE, "MAP_NORESERVE"},
	{linux.MAP_POPULATE, "MAP_POPULATE"}, {linux.MAP_NONBLOCK, "MAP_NONBLOCK"}, {linux.MAP_GROWSDOWN, "MAP_GROWSDOWN"},
	{linux.MAP_DENYWRITE, "MAP_DENYWRITE"}, {linux.MAP_EXECUTABLE, "MAP_EXECUTABLE"}, {linux.MAP_LOCKED, "MAP_LOCKED"},
	{linux.MAP_STACK, "MAP_STACK"}, {linux.MAP_HUGETLB, "MAP_HUGETLB"}, {unix.MAP_SYNC, "MAP_SYNC"},
	{mapUninitialized, "MAP_UNINITIALIZED"}, {linux.MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"},
}

var mapFlagTabAMD64 = []xl{
	{linux.MAP_FIXED, "MAP_FIXED"}, {linux.MAP_ANONYMOUS, "MAP_ANONYMOUS"}, {linux.MAP_32BIT, "MAP_32BIT"}, {unix.MAP_ABOVE4G, "MAP_ABOVE4G"},
	{linux.MAP_NORESERVE, "MAP_NORESERVE"}, {linux.MAP_POPULATE, "MAP_POPULATE"}, {linux.MAP_NONBLOCK, "MAP_NONBLOCK"},
	{linux.MAP_GROWSDOWN, "MAP_GROWSDOWN"}, {linux.MAP_DENYWRITE, "MAP_DENYWRITE"}, {linux.MAP_EXECUTABLE, "MAP_EXECUTABLE"},
	{linux.MAP_LOCKED, "MAP_LOCKED"}, {linux.MAP_STACK, "MAP_STACK"}, {linux.MAP_HUGETLB, "MAP_HUGETLB"},
	{unix.MAP_SYNC, "MAP_SYNC"}, {mapUninitialized, "MAP_UNINITIALIZED"}, {linux.MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"},
}

var mremapTab = []xl{{linux.MREMAP_MAYMOVE, "MREMAP_MAYMOVE"}, {linux.MREMAP_FIXED, "MREMAP_FIXED"}, {unix.MREMAP_DONTUNMAP, "MREMAP_DONTUNMAP"}}

var madviseTab = []xl{
	{linux.MADV_NORMAL, "MADV_NORMAL"}, {linux.MADV_RANDOM, "MADV_RANDOM"}, {linux.MADV_SEQUENTIAL, "MADV_SEQUENTIAL"}, {linux.MADV_WILLNEED, "MADV_WILLNEED"},
	{linux.MADV_DONTNEED, "MADV_DONTNEED"}, {unix.MADV_FREE, "MADV_FREE"}, {linux.MADV_REMOVE, "MADV_REMOVE"}, {linux.MADV_DONTFORK, "MADV_DONTFORK"},
	{linux.MADV_DOFORK, "MADV_DOFORK"}, {linux.MADV_MERGEABLE, "MADV_MERGEABLE"}, {linux.MADV_UNMERGEABLE, "MADV_UNMERGEABLE"},
	{linux.MADV_HUGEPAGE, "MADV_HUGEPAGE"}, {linux.MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE"}, {linux.MADV_DONTDUMP, "MADV_DONTDUMP"}, {linux.MADV_DODUMP, "MADV_DODUMP"},
	{unix.MADV_WIPEONFORK, "MADV_WIPEONFORK"}, {unix.MADV_KEEPONFORK, "MADV_KEEPONFORK"}, {unix.MADV_COLD, "MADV_COLD"}, {unix.MADV_PAGEOUT, "MADV_PAGEOUT"},
	{unix.MADV_POPULATE_READ, "MADV_POPULATE_READ"}, {unix.MADV_POPULATE_WRITE, "MADV_POPULATE_WRITE"}, {unix.MADV_DONTNEED_LOCKED, "MADV_DONTNEED_LOCKED"},
	{unix.MADV_COLLAPSE, "MADV_COLLAPSE"}, {linux.MADV_HWPOISON, "MADV_HWPOISON"}, {linux.MADV_SOFT_OFFLINE, "MADV_SOFT_OFFLINE"},
}

var clockTab = []xl{
	{linux.CLOCK_REALTIME, "CLOCK_REALTIME"}, {linux.CLOCK_MONOTONIC, "CLOCK_MONOTONIC"}, {linux.CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID"},
	{linux.CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID"}, {linux.CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"}, {linux.CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"},
	{linux.CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"}, {linux.CLOCK_BOOTTIME, "CLOCK_BOOTTIME"}, {linux.CLOCK_REALTIME_ALARM, "CLOCK_REALTIME_ALARM"},
	{linux.CLOCK_BOOTTIME_ALARM, "CLOCK_BOOTTIME_ALARM"}, {unix.CLOCK_TAI, "CLOCK_TAI"},
}

var archPrctlTab = []xl{
	{linux.ARCH_SET_GS, "ARCH_SET_GS"}, {linux.ARCH_SET_FS, "ARCH_SET_FS"}, {linux.ARCH_GET_FS, "ARCH_GET_FS"},
	{linux.ARCH_GET_GS, "ARCH_GET_GS"}, {archGetCpuid, "ARCH_GET_CPUID"}, {linux.ARCH_SET_CPUID, "ARCH_SET_CPUID"},
	{archGetXcompSupp, "ARCH_GET_XCOMP_SUPP"}, {archGetXcompPerm, "ARCH_GET_XCOMP_PERM"},
	{archReqXcompPerm, "ARCH_REQ_XCOMP_PERM"}, {archGetXcompGuestPerm, "ARCH_GET_XCOMP_GUEST_PERM"},
	{archReqXcompGuestPerm, "ARCH_REQ_XCOMP_GUEST_PERM"}, {archMapVdsoX32, "ARCH_MAP_VDSO_X32"},
	{archMapVdso32, "ARCH_MAP_VDSO_32"}, {archMapVdso64, "ARCH_MAP_VDSO_64"},
}

var rlimitTab = []xl{
	{linux.RLIMIT_CPU, "RLIMIT_CPU"}, {linux.RLIMIT_FSIZE, "RLIMIT_FSIZE"}, {linux.RLIMIT_DATA, "RLIMIT_DATA"}, {linux.RLIMIT_STACK, "RLIMIT_STACK"},
	{linux.RLIMIT_CORE, "RLIMIT_CORE"}, {linux.RLIMIT_RSS, "RLIMIT_RSS"}, {linux.RLIMIT_NPROC, "RLIMIT_NPROC"}, {linux.RLIMIT_NOFILE, "RLIMIT_NOFILE"},
	{linux.RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"}, {linux.RLIMIT_AS, "RLIMIT_AS"}, {linux.RLIMIT_LOCKS, "RLIMIT_LOCKS"}, {linux.RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"},
	{linux.RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"}, {linux.RLIMIT_NICE, "RLIMIT_NICE"}, {linux.RLIMIT_RTPRIO, "RLIMIT_RTPRIO"}, {linux.RLIMIT_RTTIME, "RLIMIT_RTTIME"},
}

var sigprocmaskTab = []xl{{linux.SIG_BLOCK, "SIG_BLOCK"}, {linux.SIG_UNBLOCK, "SIG_UNBLOCK"}, {linux.SIG_SETMASK, "SIG_SETMASK"}}

var saFlagTab = []xl{
	{linux.SA_RESTORER, "SA_RESTORER"}, {linux.SA_ONSTACK, "SA_ONSTACK"}, {linux.SA_RESTART, "SA_RESTART"},
	{linux.SA_NODEFER, "SA_NODEFER"}, {linux.SA_RESETHAND, "SA_RESETHAND"}, {linux.SA_SIGINFO, "SA_SIGINFO"},
	{linux.SA_NOCLDSTOP, "SA_NOCLDSTOP"}, {linux.SA_NOCLDWAIT, "SA_NOCLDWAIT"},
}

const (
	cloneVM            = linux.CLONE_VM
	cloneVfork         = linux.CLONE_VFORK
	cloneThread        = linux.CLONE_THREAD
	cloneSettls        = linux.CLONE_SETTLS
	cloneParentSettid  = linux.CLONE_PARENT_SETTID
	cloneChildCleartid = linux.CLONE_CHILD_CLEARTID
	cloneChildSettid   = linux.CLONE_CHILD_SETTID
	clonePidfd         = linux.CLONE_PIDFD
)

var cloneFlagTab = []xl{
	{linux.CLONE_VM, "CLONE_VM"}, {linux.CLONE_FS, "CLONE_FS"}, {linux.CLONE_FILES, "CLONE_FILES"}, {linux.CLONE_SIGHAND, "CLONE_SIGHAND"},
	{linux.CLONE_PIDFD, "CLONE_PIDFD"}, {linux.CLONE_PTRACE, "CLONE_PTRACE"}, {linux.CLONE_VFORK, "CLONE_VFORK"},
	{linux.CLONE_PARENT, "CLONE_PARENT"}, {linux.CLONE_THREAD, "CLONE_THREAD"}, {linux.CLONE_NEWNS, "CLONE_NEWNS"},
	{linux.CLONE_SYSVSEM, "CLONE_SYSVSEM"}, {linux.CLONE_SETTLS, "CLONE_SETTLS"}, {linux.CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"},
	{linux.CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"}, {linux.CLONE_UNTRACED, "CLONE_UNTRACED"},
	{linux.CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"}, {linux.CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
	{linux.CLONE_NEWUTS, "CLONE_NEWUTS"}, {linux.CLONE_NEWIPC, "CLONE_NEWIPC"}, {linux.CLONE_NEWUSER, "CLONE_NEWUSER"},
	{linux.CLONE_NEWPID, "CLONE_NEWPID"}, {linux.CLONE_NEWNET, "CLONE_NEWNET"}, {linux.CLONE_IO, "CLONE_IO"},
}

var futexCmdTab = []xl{
	{linux.FUTEX_WAIT, "FUTEX_WAIT"}, {linux.FUTEX_WAKE, "FUTEX_WAKE"}, {linux.FUTEX_FD, "FUTEX_FD"}, {linux.FUTEX_REQUEUE, "FUTEX_REQUEUE"},
	{linux.FUTEX_CMP_REQUEUE, "FUTEX_CMP_REQUEUE"}, {linux.FUTEX_WAKE_OP, "FUTEX_WAKE_OP"}, {linux.FUTEX_LOCK_PI, "FUTEX_LOCK_PI"},
	{linux.FUTEX_UNLOCK_PI, "FUTEX_UNLOCK_PI"}, {linux.FUTEX_TRYLOCK_PI, "FUTEX_TRYLOCK_PI"}, {linux.FUTEX_WAIT_BITSET, "FUTEX_WAIT_BITSET"},
	{linux.FUTEX_WAKE_BITSET, "FUTEX_WAKE_BITSET"}, {linux.FUTEX_WAIT_REQUEUE_PI, "FUTEX_WAIT_REQUEUE_PI"}, {linux.FUTEX_CMP_REQUEUE_PI, "FUTEX_CMP_REQUEUE_PI"},
	{futexLockPI2, "FUTEX_LOCK_PI2"},
}

var waitOptionTab = []xl{
	{linux.WNOHANG, "WNOHANG"}, {linux.WUNTRACED, "WUNTRACED"}, {linux.WEXITED, "WEXITED"}, {linux.WCONTINUED, "WCONTINUED"}, {linux.WNOWAIT, "WNOWAIT"},
	{unix.WNOTHREAD, "__WNOTHREAD"}, {unix.WALL, "__WALL"}, {unix.WCLONE, "__WCLONE"},
}

var grndTab = []xl{{unix.GRND_NONBLOCK, "GRND_NONBLOCK"}, {unix.GRND_RANDOM, "GRND_RANDOM"}, {unix.GRND_INSECURE, "GRND_INSECURE"}}

var fadviseTab = []xl{
	{linux.POSIX_FADV_NORMAL, "POSIX_FADV_NORMAL"}, {linux.POSIX_FADV_RANDOM, "POSIX_FADV_RANDOM"}, {linux.POSIX_FADV_SEQUENTIAL, "POSIX_FADV_SEQUENTIAL"},
	{linux.POSIX_FADV_WILLNEED, "POSIX_FADV_WILLNEED"}, {linux.POSIX_FADV_DONTNEED, "POSIX_FADV_DONTNEED"}, {linux.POSIX_FADV_NOREUSE, "POSIX_FADV_NOREUSE"},
}
