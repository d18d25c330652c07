package strace

import "sentry/pkg/arch"

// descs describes the syscalls this package knows how to show, strace's
// way. Names are filled in by Describe from arch.Sysno.
var descs = [arch.NumSysno]Desc{
	// Files.
	arch.SysRead:          {Args: []Arg{{"fd", FD}, {"buf", OutBuf}, {"count", Udec}}},
	arch.SysWrite:         {Args: []Arg{{"fd", FD}, {"buf", InBuf}, {"count", Udec}}},
	arch.SysPread64:       {Args: []Arg{{"fd", FD}, {"buf", OutBuf}, {"count", Udec}, {"pos", Dec64}}},
	arch.SysPwrite64:      {Args: []Arg{{"fd", FD}, {"buf", InBuf}, {"count", Udec}, {"pos", Dec64}}},
	arch.SysReadv:         {Args: []Arg{{"fd", FD}, {"iov", OutIovec}, {"iovcnt", Udec}}},
	arch.SysWritev:        {Args: []Arg{{"fd", FD}, {"iov", InIovec}, {"iovcnt", Udec}}},
	arch.SysPreadv:        {Args: []Arg{{"fd", FD}, {"iov", OutIovec}, {"iovcnt", Udec}, {"pos", Dec64}}},
	arch.SysPwritev:       {Args: []Arg{{"fd", FD}, {"iov", InIovec}, {"iovcnt", Udec}, {"pos", Dec64}}},
	arch.SysOpen:          {Args: []Arg{{"pathname", Path}, {"flags", OpenFlags}, {"mode", OpenMode}}, Ret: RetFD},
	arch.SysOpenat:        {Args: []Arg{{"dirfd", AtFD}, {"pathname", Path}, {"flags", OpenFlags}, {"mode", OpenMode}}, Ret: RetFD},
	arch.SysCreat:         {Args: []Arg{{"pathname", Path}, {"mode", Mode}}, Ret: RetFD},
	arch.SysClose:         {Args: []Arg{{"fd", FD}}},
	arch.SysCloseRange:    {Args: []Arg{{"first", FD}, {"last", FD}, {"flags", Hex}}},
	arch.SysDup:           {Args: []Arg{{"oldfd", FD}}, Ret: RetFD},
	arch.SysDup2:          {Args: []Arg{{"oldfd", FD}, {"newfd", FD}}, Ret: RetFD},
	arch.SysDup3:          {Args: []Arg{{"oldfd", FD}, {"newfd", FD}, {"flags", OFlags}}, Ret: RetFD},
	arch.SysLseek:         {Args: []Arg{{"fd", FD}, {"offset", Dec64}, {"whence", Whence}}},
	arch.SysFcntl:         {Args: []Arg{{"fd", FD}, {"cmd", FcntlCmd}, {"arg", FcntlArg}}, Ret: RetFcntl},
	arch.SysIoctl:         {Args: []Arg{{"fd", FD}, {"request", IoctlReq}, {"arg", Hex}}},
	arch.SysStat:          {Args: []Arg{{"pathname", Path}, {"statbuf", StatPtr}}},
	arch.SysLstat:         {Args: []Arg{{"pathname", Path}, {"statbuf", StatPtr}}},
	arch.SysFstat:         {Args: []Arg{{"fd", FD}, {"statbuf", StatPtr}}},
	arch.SysNewfstatat:    {Args: []Arg{{"dirfd", AtFD}, {"pathname", Path}, {"statbuf", StatPtr}, {"flags", AtFlags}}},
	arch.SysStatx:         {Args: []Arg{{"dirfd", AtFD}, {"pathname", Path}, {"flags", StatxFlags}, {"mask", StatxMask}, {"statxbuf", StatxPtr}}},
	arch.SysStatfs:        {Args: []Arg{{"path", Path}, {"buf", Pointer}}},
	arch.SysFstatfs:       {Args: []Arg{{"fd", FD}, {"buf", Pointer}}},
	arch.SysAccess:        {Args: []Arg{{"pathname", Path}, {"mode", AccessMode}}},
	arch.SysFaccessat:     {Args: []Arg{{"dirfd", AtFD}, {"pathname", Path}, {"mode", AccessMode}}},
	arch.SysFaccessat2:    {Args: []Arg{{"dirfd", AtFD}, {"pathname", Path}, {"mode", AccessMode}, {"flags", AccessAtFlags}}},
	arch.SysReadlink:      {Args: []Arg{{"pathname", Path}, {"buf", OutBuf}, {"bufsiz", Udec}}},
	arch.SysReadlinkat:    {Args: []Arg{{"dirfd", AtFD}, {"pathname", Path}, {"buf", OutBuf}, {"bufsiz", Udec}}},
	arch.SysGetcwd:        {Args: []Arg{{"buf", OutBuf}, {"size", Udec}}},
	arch.SysChdir:         {Args: []Arg{{"path", Path}}},
	arch.SysFchdir:        {Args: []Arg{{"fd", FD}}},
	arch.SysMkdir:         {Args: []Arg{{"pathname", Path}, {"mode", Mode}}},
	arch.SysMkdirat:       {Args: []Arg{{"dirfd", AtFD}, {"pathname", Path}, {"mode", Mode}}},
	arch.SysRmdir:         {Args: []Arg{{"pathname", Path}}},
	arch.SysUnlink:        {Args: []Arg{{"pathname", Path}}},
	arch.SysUnlinkat:      {Args: []Arg{{"dirfd", AtFD}, {"pathname", Path}, {"flags", AtFlags}}},
	arch.SysRename:        {Args: []Arg{{"oldpath", Path}, {"newpath", Path}}},
	arch.SysRenameat:      {Args: []Arg{{"olddirfd", AtFD}, {"oldpath", Path}, {"newdirfd", AtFD}, {"newpath", Path}}},
	arch.SysRenameat2:     {Args: []Arg{{"olddirfd", AtFD}, {"oldpath", Path}, {"newdirfd", AtFD}, {"newpath", Path}, {"flags", RenameFlags}}},
	arch.SysLink:          {Args: []Arg{{"oldpath", Path}, {"newpath", Path}}},
	arch.SysLinkat:        {Args: []Arg{{"olddirfd", AtFD}, {"oldpath", Path}, {"newdirfd", AtFD}, {"newpath", Path}, {"flags", AtFlags}}},
	arch.SysSymlink:       {Args: []Arg{{"target", Path}, {"linkpath", Path}}},
	arch.SysSymlinkat:     {Args: []Arg{{"target", Path}, {"newdirfd", AtFD}, {"linkpath", Path}}},
	arch.SysChmod:         {Args: []Arg{{"pathname", Path}, {"mode", Mode}}},
	arch.SysFchmod:        {Args: []Arg{{"fd", FD}, {"mode", Mode}}},
	arch.SysFchmodat:      {Args: []Arg{{"dirfd", AtFD}, {"pathname", Path}, {"mode", Mode}}},
	arch.SysChown:         {Args: []Arg{{"pathname", Path}, {"owner", Dec}, {"group", Dec}}},
	arch.SysFchown:        {Args: []Arg{{"fd", FD}, {"owner", Dec}, {"group", Dec}}},
	arch.SysFchownat:      {Args: []Arg{{"dirfd", AtFD}, {"pathname", Path}, {"owner", Dec}, {"group", Dec}, {"flags", AtFlags}}},
	arch.SysUmask:         {Args: []Arg{{"mask", Mode}}, Ret: RetOct},
	arch.SysTruncate:      {Args: []Arg{{"path", Path}, {"length", Dec64}}},
	arch.SysFtruncate:     {Args: []Arg{{"fd", FD}, {"length", Dec64}}},
	arch.SysFsync:         {Args: []Arg{{"fd", FD}}},
	arch.SysFdatasync:     {Args: []Arg{{"fd", FD}}},
	arch.SysSync:          {Args: none},
	arch.SysFallocate:     {Args: []Arg{{"fd", FD}, {"mode", Hex}, {"offset", Dec64}, {"len", Dec64}}},
	arch.SysFadvise64:     {Args: []Arg{{"fd", FD}, {"offset", Dec64}, {"len", Dec64}, {"advice", Fadvice}}},
	arch.SysGetdents64:    {Args: []Arg{{"fd", FD}, {"dirp", Pointer}, {"count", Udec}}},
	arch.SysUtimensat:     {Args: []Arg{{"dirfd", AtFD}, {"pathname", Path}, {"times", Pointer}, {"flags", AtFlags}}},
	arch.SysPipe:          {Args: []Arg{{"pipefd", OutFDPair}}},
	arch.SysPipe2:         {Args: []Arg{{"pipefd", OutFDPair}, {"flags", OFlags}}},
	arch.SysSendfile:      {Args: []Arg{{"out_fd", FD}, {"in_fd", FD}, {"offset", Pointer}, {"count", Udec}}},
	arch.SysCopyFileRange: {Args: []Arg{{"fd_in", FD}, {"off_in", Pointer}, {"fd_out", FD}, {"off_out", Pointer}, {"len", Udec}, {"flags", Hex}}},

	// Memory.
	arch.SysBrk:        {Args: []Arg{{"addr", Pointer}}, Ret: RetHex},
	arch.SysMmap:       {Args: []Arg{{"addr", Pointer}, {"length", Udec}, {"prot", MmapProt}, {"flags", MmapFlags}, {"fd", FD}, {"offset", Hex}}, Ret: RetHex},
	arch.SysMunmap:     {Args: []Arg{{"addr", Pointer}, {"length", Udec}}},
	arch.SysMprotect:   {Args: []Arg{{"addr", Pointer}, {"len", Udec}, {"prot", MmapProt}}},
	arch.SysMremap:     {Args: []Arg{{"old_address", Pointer}, {"old_size", Udec}, {"new_size", Udec}, {"flags", MremapFlags}, {"new_address", Pointer}}, Ret: RetHex},
	arch.SysMadvise:    {Args: []Arg{{"addr", Pointer}, {"length", Udec}, {"advice", Madvise}}},
	arch.SysMsync:      {Args: []Arg{{"addr", Pointer}, {"length", Udec}, {"flags", Hex}}},
	arch.SysMlock:      {Args: []Arg{{"addr", Pointer}, {"len", Udec}}},
	arch.SysMunlock:    {Args: []Arg{{"addr", Pointer}, {"len", Udec}}},
	arch.SysMincore:    {Args: []Arg{{"addr", Pointer}, {"length", Udec}, {"vec", Pointer}}},
	arch.SysMembarrier: {Args: []Arg{{"cmd", Hex}, {"flags", Hex}, {"cpu_id", Dec}}},

	// Processes and threads.
	arch.SysExecve:           {Args: []Arg{{"pathname", Path}, {"argv", Argv}, {"envp", Envp}}},
	arch.SysExecveat:         {Args: []Arg{{"dirfd", AtFD}, {"pathname", Path}, {"argv", Argv}, {"envp", Envp}, {"flags", AtFlags}}},
	arch.SysExit:             {Args: []Arg{{"status", Dec}}, Ret: RetVoid},
	arch.SysExitGroup:        {Args: []Arg{{"status", Dec}}, Ret: RetVoid},
	arch.SysClone:            {Args: []Arg{{"flags", CloneFlags}, {"stack", Pointer}, {"parent_tid", Pointer}, {"child_tid", Pointer}, {"tls", Hex}}},
	arch.SysClone3:           {Args: []Arg{{"cl_args", Clone3Args}, {"size", Udec}}},
	arch.SysFork:             {Args: none},
	arch.SysVfork:            {Args: none},
	arch.SysWait4:            {Args: []Arg{{"pid", Dec}, {"wstatus", WaitStatus}, {"options", WaitOptions}, {"rusage", Pointer}}},
	arch.SysWaitid:           {Args: []Arg{{"idtype", Dec}, {"id", Dec}, {"infop", Pointer}, {"options", WaitOptions}, {"rusage", Pointer}}},
	arch.SysGetpid:           {Args: none},
	arch.SysGetppid:          {Args: none},
	arch.SysGettid:           {Args: none},
	arch.SysGetuid:           {Args: none},
	arch.SysGeteuid:          {Args: none},
	arch.SysGetgid:           {Args: none},
	arch.SysGetegid:          {Args: none},
	arch.SysGetpgrp:          {Args: none},
	arch.SysGetpgid:          {Args: []Arg{{"pid", Dec}}},
	arch.SysSetpgid:          {Args: []Arg{{"pid", Dec}, {"pgid", Dec}}},
	arch.SysGetsid:           {Args: []Arg{{"pid", Dec}}},
	arch.SysSetsid:           {Args: none},
	arch.SysSetuid:           {Args: []Arg{{"uid", Dec}}},
	arch.SysSetgid:           {Args: []Arg{{"gid", Dec}}},
	arch.SysGetgroups:        {Args: []Arg{{"size", Dec}, {"list", Pointer}}},
	arch.SysSetgroups:        {Args: []Arg{{"size", Dec}, {"list", Pointer}}},
	arch.SysGetresuid:        {Args: []Arg{{"ruid", Pointer}, {"euid", Pointer}, {"suid", Pointer}}},
	arch.SysGetresgid:        {Args: []Arg{{"rgid", Pointer}, {"egid", Pointer}, {"sgid", Pointer}}},
	arch.SysSetTidAddress:    {Args: []Arg{{"tidptr", Pointer}}},
	arch.SysSetRobustList:    {Args: []Arg{{"head", Pointer}, {"len", Udec}}},
	arch.SysGetRobustList:    {Args: []Arg{{"pid", Dec}, {"head_ptr", Pointer}, {"len_ptr", Pointer}}},
	arch.SysRseq:             {Args: []Arg{{"rseq", Pointer}, {"rseq_len", Hex}, {"flags", Dec}, {"sig", Hex}}},
	arch.SysArchPrctl:        {Args: []Arg{{"code", ArchPrctlCode}, {"addr", ArchPrctlAddr}}},
	arch.SysPrctl:            {Args: []Arg{{"option", Dec}, {"arg2", Hex}, {"arg3", Hex}, {"arg4", Hex}, {"arg5", Hex}}},
	arch.SysPrlimit64:        {Args: []Arg{{"pid", Dec}, {"resource", PrlimitResource}, {"new_limit", Rlimit64}, {"old_limit", OutRlimit64}}},
	arch.SysGetrlimit:        {Args: []Arg{{"resource", PrlimitResource}, {"rlim", OutRlimit}}},
	arch.SysSetrlimit:        {Args: []Arg{{"resource", PrlimitResource}, {"rlim", Rlimit}}},
	arch.SysGetrusage:        {Args: []Arg{{"who", Dec}, {"usage", Pointer}}},
	arch.SysUname:            {Args: []Arg{{"buf", Utsname}}},
	arch.SysSysinfo:          {Args: []Arg{{"info", Pointer}}},
	arch.SysGetrandom:        {Args: []Arg{{"buf", OutHexBuf}, {"buflen", Udec}, {"flags", GetrandomFlag}}},
	arch.SysSchedYield:       {Args: none},
	arch.SysSchedGetaffinity: {Args: []Arg{{"pid", Dec}, {"cpusetsize", Udec}, {"mask", Pointer}}},
	arch.SysSchedSetaffinity: {Args: []Arg{{"pid", Dec}, {"cpusetsize", Udec}, {"mask", Pointer}}},
	arch.SysGetcpu:           {Args: []Arg{{"cpu", Pointer}, {"node", Pointer}, {"tcache", Pointer}}},
	arch.SysFutex:            {Args: []Arg{{"uaddr", Pointer}, {"futex_op", FutexOp}, {"val", FutexArg}, {"timeout", FutexArg}, {"uaddr2", FutexArg}, {"val3", FutexArg}}},
	arch.SysRiscvHwprobe:     {Args: []Arg{{"pairs", Pointer}, {"pair_count", Udec}, {"cpusetsize", Udec}, {"cpus", Pointer}, {"flags", Hex}}},
	arch.SysRiscvFlushIcache: {Args: []Arg{{"start", Pointer}, {"end", Pointer}, {"flags", Hex}}},

	// Signals.
	arch.SysRtSigaction:     {Args: []Arg{{"signum", Signal}, {"act", SigactionPtr}, {"oldact", OutSigaction}, {"sigsetsize", Udec}}},
	arch.SysRtSigprocmask:   {Args: []Arg{{"how", SigprocmaskHow}, {"set", Sigset}, {"oldset", OutSigset}, {"sigsetsize", Udec}}},
	arch.SysRtSigreturn:     {Args: none},
	arch.SysRtSigsuspend:    {Args: []Arg{{"mask", Sigset}, {"sigsetsize", Udec}}},
	arch.SysRtSigpending:    {Args: []Arg{{"set", OutSigset}, {"sigsetsize", Udec}}},
	arch.SysSigaltstack:     {Args: []Arg{{"ss", Pointer}, {"old_ss", Pointer}}},
	arch.SysKill:            {Args: []Arg{{"pid", Dec}, {"sig", Signal}}},
	arch.SysTkill:           {Args: []Arg{{"tid", Dec}, {"sig", Signal}}},
	arch.SysTgkill:          {Args: []Arg{{"tgid", Dec}, {"tid", Dec}, {"sig", Signal}}},
	arch.SysPidfdOpen:       {Args: []Arg{{"pid", Dec}, {"flags", Hex}}, Ret: RetFD},
	arch.SysPidfdSendSignal: {Args: []Arg{{"pidfd", FD}, {"sig", Signal}, {"info", Pointer}, {"flags", Hex}}},
	arch.SysPause:           {Args: none},

	// Time.
	arch.SysClockGettime:   {Args: []Arg{{"clockid", ClockID}, {"tp", OutTimespec}}},
	arch.SysClockGetres:    {Args: []Arg{{"clockid", ClockID}, {"res", OutTimespec}}},
	arch.SysClockNanosleep: {Args: []Arg{{"clockid", ClockID}, {"flags", Hex}, {"request", Timespec}, {"remain", OutTimespec}}},
	arch.SysNanosleep:      {Args: []Arg{{"req", Timespec}, {"rem", OutTimespec}}},
	arch.SysGettimeofday:   {Args: []Arg{{"tv", Pointer}, {"tz", Pointer}}},
	arch.SysTime:           {Args: []Arg{{"tloc", Pointer}}},
	arch.SysAlarm:          {Args: []Arg{{"seconds", Udec}}},
	arch.SysSetitimer:      {Args: []Arg{{"which", Dec}, {"new_value", Pointer}, {"old_value", Pointer}}},
	arch.SysTimerfdCreate:  {Args: []Arg{{"clockid", ClockID}, {"flags", Hex}}, Ret: RetFD},
	arch.SysTimerfdSettime: {Args: []Arg{{"fd", FD}, {"flags", Hex}, {"new_value", Pointer}, {"old_value", Pointer}}},

	// Polling and events.
	arch.SysPoll:         {Args: []Arg{{"fds", PollFds}, {"nfds", Udec}, {"timeout", Dec}}, Ret: RetPoll},
	arch.SysPpoll:        {Args: []Arg{{"fds", PollFds}, {"nfds", Udec}, {"tmo_p", Timespec}, {"sigmask", Sigset}, {"sigsetsize", Udec}}, Ret: RetPoll},
	arch.SysSelect:       {Args: []Arg{{"nfds", Dec}, {"readfds", Pointer}, {"writefds", Pointer}, {"exceptfds", Pointer}, {"timeout", Pointer}}},
	arch.SysPselect6:     {Args: []Arg{{"nfds", Dec}, {"readfds", Pointer}, {"writefds", Pointer}, {"exceptfds", Pointer}, {"timeout", Timespec}, {"sigmask", Pointer}}},
	arch.SysEpollCreate:  {Args: []Arg{{"size", Dec}}, Ret: RetFD},
	arch.SysEpollCreate1: {Args: []Arg{{"flags", EpollFlags}}, Ret: RetFD},
	arch.SysEpollCtl:     {Args: []Arg{{"epfd", FD}, {"op", EpollCtlOp}, {"fd", FD}, {"event", EpollEvent}}},
	arch.SysEpollWait:    {Args: []Arg{{"epfd", FD}, {"events", OutEpollEvents}, {"maxevents", Dec}, {"timeout", Dec}}},
	arch.SysEpollPwait:   {Args: []Arg{{"epfd", FD}, {"events", OutEpollEvents}, {"maxevents", Dec}, {"timeout", Dec}, {"sigmask", Sigset}, {"sigsetsize", Udec}}},
	arch.SysEventfd2:     {Args: []Arg{{"initval", Udec}, {"flags", EventfdFlags}}, Ret: RetFD},

	// Sockets.
	arch.SysSocket:      {Args: []Arg{{"domain", SockDomain}, {"type", SockType}, {"protocol", SockProto}}, Ret: RetFD},
	arch.SysSocketpair:  {Args: []Arg{{"domain", SockDomain}, {"type", SockType}, {"protocol", SockProto}, {"sv", OutFDPair}}},
	arch.SysBind:        {Args: []Arg{{"sockfd", FD}, {"addr", Sockaddr}, {"addrlen", Udec}}},
	arch.SysConnect:     {Args: []Arg{{"sockfd", FD}, {"addr", Sockaddr}, {"addrlen", Udec}}},
	arch.SysListen:      {Args: []Arg{{"sockfd", FD}, {"backlog", Dec}}},
	arch.SysAccept:      {Args: []Arg{{"sockfd", FD}, {"addr", OutSockaddr}, {"addrlen", SocklenPtr}}, Ret: RetFD},
	arch.SysAccept4:     {Args: []Arg{{"sockfd", FD}, {"addr", OutSockaddr}, {"addrlen", SocklenPtr}, {"flags", SockFlags}}, Ret: RetFD},
	arch.SysGetsockname: {Args: []Arg{{"sockfd", FD}, {"addr", OutSockaddr}, {"addrlen", SocklenPtr}}},
	arch.SysGetpeername: {Args: []Arg{{"sockfd", FD}, {"addr", OutSockaddr}, {"addrlen", SocklenPtr}}},
	arch.SysSetsockopt:  {Args: []Arg{{"sockfd", FD}, {"level", SockoptLevel}, {"optname", SockoptName}, {"optval", SockoptVal}, {"optlen", Udec}}},
	arch.SysGetsockopt:  {Args: []Arg{{"sockfd", FD}, {"level", SockoptLevel}, {"optname", SockoptName}, {"optval", OutSockoptVal}, {"optlen", SocklenPtr}}},
	arch.SysShutdown:    {Args: []Arg{{"sockfd", FD}, {"how", ShutdownHow}}},
	arch.SysSendto:      {Args: []Arg{{"sockfd", FD}, {"buf", InBuf}, {"len", Udec}, {"flags", MsgFlags}, {"dest_addr", Sockaddr}, {"addrlen", Udec}}},
	arch.SysRecvfrom:    {Args: []Arg{{"sockfd", FD}, {"buf", OutBuf}, {"len", Udec}, {"flags", MsgFlags}, {"src_addr", OutSockaddr}, {"addrlen", SocklenPtr}}},
	arch.SysSendmsg:     {Args: []Arg{{"sockfd", FD}, {"msg", Pointer}, {"flags", MsgFlags}}},
	arch.SysRecvmsg:     {Args: []Arg{{"sockfd", FD}, {"msg", Pointer}, {"flags", MsgFlags}}},
}

// Describe returns strace's description of s, with Name set. For a
// syscall this package has no description of, ok is false and the Desc
// shows six hex arguments.
func Describe(s arch.Sysno) (d Desc, ok bool) {
	name := s.Name()
	if name == "" {
		return Desc{Name: s.String(), Args: sixHex}, false
	}
	d = descs[s]
	d.Name = name
	if d.Args == nil {
		d.Args = sixHex
		return d, false
	}
	return d, true
}

// none marks a described syscall without arguments; a nil Args is an
// undescribed one.
var none = []Arg{}

var sixHex = []Arg{{"a0", Hex}, {"a1", Hex}, {"a2", Hex}, {"a3", Hex}, {"a4", Hex}, {"a5", Hex}}
