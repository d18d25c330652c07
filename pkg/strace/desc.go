package strace

// ArgKind says how to decode one syscall argument. Kinds named Out... (and
// StatPtr, Utsname, WaitStatus and the like) describe memory the kernel
// fills in: they are decoded at Exit, and shown as a bare address when the
// call fails. Every other kind is decoded at Enter. A zero Arg{} is Hex.
type ArgKind int

const (
	Hex     ArgKind = iota // 0x1f; 0 as "0"
	Dec                    // C int: the low 32 bits, signed
	Udec                   // unsigned long (sizes, counts)
	Dec64                  // signed 64-bit (off_t, loff_t)
	Pointer                // NULL or 0x7f...

	FD   // C int file descriptor
	AtFD // like FD, but -100 is AT_FDCWD

	Path   // NUL-terminated string going in, up to PATH_MAX
	InBuf  // bytes going in; length in the next argument
	OutBuf // bytes coming out; length is the return value
	// OutHexBuf is OutBuf shown with every byte as \xNN (getrandom).
	OutHexBuf
	InIovec  // struct iovec[] going in; count in the next argument
	OutIovec // struct iovec[] coming out; total length is the return value
	Argv     // execve argv: NULL-terminated array of strings
	Envp     // execve envp: shown as address and count, like strace

	OpenFlags     // O_RDONLY|O_CLOEXEC
	OFlags        // O_* flags without an access mode (pipe2, dup3): O_NONBLOCK|O_CLOEXEC
	OpenMode      // mode of open/openat: shown only with O_CREAT or O_TMPFILE in the previous argument
	Mode          // 0644
	AtFlags       // AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW
	AccessAtFlags // faccessat2: AT_EACCESS
	StatxFlags    // AT_STATX_SYNC_AS_STAT|AT_NO_AUTOMOUNT
	StatxMask     // STATX_BASIC_STATS
	AccessMode    // F_OK, R_OK|X_OK
	RenameFlags   // RENAME_NOREPLACE
	Whence        // SEEK_SET
	FcntlCmd      // F_SETFD
	FcntlArg      // third fcntl argument, decoded per the command in the previous argument
	IoctlReq      // TCGETS
	StatPtr       // out: struct stat, {st_mode=S_IFREG|0644, st_size=N, ...}
	StatxPtr      // out: struct statx
	Utsname       // out: struct utsname

	MmapProt    // PROT_READ|PROT_WRITE
	MmapFlags   // MAP_PRIVATE|MAP_ANONYMOUS
	MremapFlags // MREMAP_MAYMOVE
	Madvise     // MADV_DONTNEED
	Fadvice     // POSIX_FADV_SEQUENTIAL

	Signal         // SIGSEGV
	SigactionPtr   // in: struct sigaction
	OutSigaction   // out: old struct sigaction
	Sigset         // in: sigset_t, [INT TERM] or ~[RTMIN RT_1]
	OutSigset      // out: sigset_t
	SigprocmaskHow // SIG_SETMASK

	ClockID     // CLOCK_MONOTONIC
	Timespec    // in: {tv_sec=1, tv_nsec=0}
	OutTimespec // out: struct timespec

	ArchPrctlCode   // ARCH_SET_FS
	ArchPrctlAddr   // second arch_prctl argument: a value for SET codes, an out pointer for GET codes
	PrlimitResource // RLIMIT_STACK
	Rlimit64        // in: struct rlimit64, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}
	OutRlimit64     // out: struct rlimit64
	Rlimit          // in: struct rlimit (getrlimit/setrlimit: RLIM_INFINITY)
	OutRlimit       // out: struct rlimit

	CloneFlags // first clone argument; it selects strace's named rendering of the whole call
	Clone3Args // in: struct clone_args; size in the next argument
	FutexOp    // second futex argument; the arguments after it are shown as FutexArg whatever their kind
	FutexArg   // third to sixth futex arguments: shown, and how, per the op
	WaitStatus // out: int status of wait4, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}]
	WaitOptions
	OutFDPair     // out: int[2] of pipe/socketpair, [3, 4]
	GetrandomFlag // GRND_NONBLOCK

	SockDomain     // AF_INET
	SockType       // SOCK_STREAM|SOCK_CLOEXEC
	SockProto      // IPPROTO_TCP
	Sockaddr       // in: struct sockaddr; length in the next argument
	OutSockaddr    // out: struct sockaddr; the next argument points to its length
	SocklenPtr     // in/out: socklen_t*, [128 => 16]
	SockFlags      // accept4/socket flags: SOCK_CLOEXEC|SOCK_NONBLOCK
	SockoptLevel   // SOL_SOCKET
	SockoptName    // SO_REUSEADDR; decoded per the level in the previous argument
	SockoptVal     // in: option value; length in the next argument
	OutSockoptVal  // out: option value; the next argument points to its length
	ShutdownHow    // SHUT_WR
	MsgFlags       // MSG_NOSIGNAL
	EpollCtlOp     // EPOLL_CTL_ADD
	EpollEvent     // in: struct epoll_event
	OutEpollEvents // out: struct epoll_event[]; count is the return value
	EpollFlags     // EPOLL_CLOEXEC
	EventfdFlags   // EFD_CLOEXEC|EFD_NONBLOCK
	PollFds        // in/out: struct pollfd[]; count in the next argument

	numArgKinds
)

// Arg describes one syscall argument.
type Arg struct {
	Name string // the C parameter name, for documentation and jsonl
	Kind ArgKind
}

// RetKind says how to show a syscall's result.
type RetKind int

const (
	RetDec   RetKind = iota // signed decimal
	RetHex                  // 0x7f... (mmap, brk)
	RetFD                   // a new file descriptor
	RetVoid                 // never returns: exit, exit_group show "= ?"
	RetFcntl                // per the fcntl command: "0x1 (flags FD_CLOEXEC)"
	RetOct                  // umask: 022
	RetPoll                 // poll/ppoll: "1 ([{fd=3, revents=POLLIN}])", "0 (Timeout)"
)

// Desc describes a syscall once, for dispatch and for tracing. Args lists
// only the arguments the syscall takes (strace shows no more).
type Desc struct {
	Name string
	Args []Arg
	Ret  RetKind
}

// Memory reads application memory. vm.MM implements it. CopyIn copies as
// much of [addr, addr+len(dst)) as is readable and says how much; an error
// means less than len(dst) was copied. CopyInString reads a NUL-terminated
// string of at most max bytes, without the NUL.
type Memory interface {
	CopyIn(addr uint64, dst []byte) (int, error)
	CopyInString(addr uint64, max int) (string, error)
}
