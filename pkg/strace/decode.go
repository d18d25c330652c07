package strace

import (
	"gvisor.dev/gvisor/pkg/abi/linux"
	"strings"

	"sentry/pkg/arch"
)

// decode turns a call's arguments into pieces, reading input-side memory
// now. Kinds that depend on a neighbouring argument (OpenMode, FcntlArg,
// FutexArg, SockProto, ...) look at it through c.
func decode(c *call) []piece {
	args := c.d.Args
	if len(args) > 6 {
		args = args[:6]
	}
	if len(args) > 0 && args[0].Kind == CloneFlags {
		return decodeClone(c)
	}
	// A FutexOp second argument decides how the rest are shown, whatever
	// kinds they were given, as strace does.
	futex := len(args) > 1 && args[1].Kind == FutexOp
	ps := make([]piece, 0, len(args))
	for i, a := range args {
		k := a.Kind
		if futex && i > 1 {
			k = FutexArg
		}
		if p, ok := decodeArg(c, i, k); ok {
			ps = append(ps, p)
		}
	}
	return ps
}

func text(s string) (piece, bool) { return piece{text: s}, true }

// out is an exit-side argument: at exit it is shown by f, or as a bare
// address if the call failed or the address is NULL.
func out(addr uint64, f func(c *call) string) (piece, bool) {
	return piece{exit: func(c *call) string {
		if addr == 0 {
			return "NULL"
		}
		if c.failed {
			return pointer(addr)
		}
		return f(c)
	}}, true
}

func decodeArg(c *call, i int, k ArgKind) (piece, bool) {
	v := c.arg(i)
	switch k {
	case Dec:
		return text(dec(v))
	case Udec:
		return text(udec(v))
	case Dec64:
		return text(dec64(v))
	case Pointer:
		return text(pointer(v))
	case FD:
		return text(dec(v))
	case AtFD:
		if int32(v) == -100 {
			return text("AT_FDCWD")
		}
		return text(dec(v))
	case Path:
		return text(c.str(v, pathMax))
	case InBuf:
		return text(c.buf(v, int64(c.arg(i+1)), false))
	case OutBuf, OutHexBuf:
		return out(v, func(c *call) string { return c.buf(v, int64(c.ret), k == OutHexBuf) })
	case InIovec:
		return text(c.iovec(v, c.arg(i+1), -1))
	case OutIovec:
		n := c.arg(i + 1)
		return out(v, func(c *call) string { return c.iovec(v, n, int64(c.ret)) })
	case Argv:
		return text(c.argv(v))
	case Envp:
		return text(c.envp(v))
	case OpenFlags:
		return text(openFlags(v))
	case OFlags:
		return text(flags(openFlagTab, v&0xffffffff))
	case OpenMode:
		if c.arg(i-1)&(linux.O_CREAT|linux.O_TMPFILE) == 0 { // linux.O_TMPFILE is __O_TMPFILE
			return piece{}, false
		}
		return text(mode(v))
	case Mode:
		return text(mode(v))
	case AtFlags:
		return text(flags(atFlagTab, v&0xffffffff))
	case AccessAtFlags:
		return text(flags(accessAtFlagTab, v&0xffffffff))
	case StatxFlags:
		return text(statxFlags(v & 0xffffffff))
	case StatxMask:
		return text(flags(statxMaskTab, v&0xffffffff))
	case AccessMode:
		return text(flags(accessModeTab, v&0xffffffff))
	case RenameFlags:
		return text(flags(renameFlagTab, v&0xffffffff))
	case Whence:
		return text(xval(whenceTab, v&0xffffffff, "SEEK_???"))
	case FcntlCmd:
		return text(xval(fcntlCmdTab, v&0xffffffff, "F_???"))
	case FcntlArg:
		return c.fcntlArg(c.arg(i-1)&0xffffffff, v)
	case IoctlReq:
		return text(ioctlReq(v))
	case StatPtr:
		return out(v, func(c *call) string { return c.stat(v) })
	case StatxPtr:
		return out(v, func(c *call) string { return c.statx(v) })
	case Utsname:
		return out(v, func(c *call) string { return c.utsname(v) })
	case MmapProt:
		return text(flags(protTab, v&0xffffffff))
	case MmapFlags:
		return text(c.mmapFlags(v & 0xffffffff))
	case MremapFlags:
		return text(flags(mremapTab, v&0xffffffff))
	case Madvise:
		return text(xval(madviseTab, v&0xffffffff, "MADV_???"))
	case Fadvice:
		return text(xval(fadviseTab, v&0xffffffff, "POSIX_FADV_???"))
	case Signal:
		return text(SignalName(int(int32(v))))
	case SigactionPtr:
		return text(c.sigaction(v))
	case OutSigaction:
		return out(v, func(c *call) string { return c.sigaction(v) })
	case Sigset:
		return text(c.sigsetAt(v))
	case OutSigset:
		return out(v, func(c *call) string { return c.sigsetAt(v) })
	case SigprocmaskHow:
		return text(xval(sigprocmaskTab, v&0xffffffff, "SIG_???"))
	case ClockID:
		return text(xval(clockTab, v&0xffffffff, "CLOCK_???"))
	case Timespec:
		return text(c.timespec(v))
	case OutTimespec:
		return out(v, func(c *call) string { return c.timespec(v) })
	case ArchPrctlCode:
		return text(xval(archPrctlTab, v&0xffffffff, "ARCH_???"))
	case ArchPrctlAddr:
		switch c.arg(i - 1) {
		case linux.ARCH_GET_FS, linux.ARCH_GET_GS:
			return out(v, func(c *call) string {
				if x, ok := c.u64(v); ok {
					return "[" + hex(x) + "]"
				}
				return pointer(v)
			})
		}
		return text(hex(v))
	case PrlimitResource:
		return text(xval(rlimitTab, v&0xffffffff, "RLIMIT_???"))
	case Rlimit64, Rlimit:
		return text(c.rlimit(v, k == Rlimit64))
	case OutRlimit64, OutRlimit:
		return out(v, func(c *call) string { return c.rlimit(v, k == OutRlimit64) })
	case Clone3Args:
		return c.clone3(v)
	case FutexOp:
		return text(futexOp(v))
	case FutexArg:
		return c.futexArg(i, v)
	case WaitStatus:
		return out(v, func(c *call) string {
			if c.ret == 0 {
				return pointer(v)
			}
			return c.waitStatus(v)
		})
	case WaitOptions:
		return text(flags(waitOptionTab, v&0xffffffff))
	case OutFDPair:
		return out(v, func(c *call) string {
			b, ok := c.read(v, 8)
			if !ok {
				return pointer(v)
			}
			return "[" + dec(uint64(le32(b))) + ", " + dec(uint64(le32(b[4:]))) + "]"
		})
	case GetrandomFlag:
		return text(flags(grndTab, v&0xffffffff))
	case SockDomain:
		return text(xval(afTab, v&0xffffffff, "AF_???"))
	case SockType:
		return text(sockType(v & 0xffffffff))
	case SockProto:
		return text(sockProto(c.arg(i-2)&0xffffffff, v&0xffffffff))
	case Sockaddr:
		return text(c.sockaddr(v, c.arg(i+1)))
	case OutSockaddr:
		lenp := c.arg(i + 1)
		return out(v, func(c *call) string {
			n, ok := c.u32(lenp)
			if !ok {
				return pointer(v)
			}
			return c.sockaddr(v, uint64(n))
		})
	case SocklenPtr:
		return c.socklen(v)
	case SockFlags:
		return text(flags(sockFlagTab, v&0xffffffff))
	case SockoptLevel:
		return text(xval(solTab, v&0xffffffff, "SOL_???"))
	case SockoptName:
		return text(sockoptName(c.arg(i-1)&0xffffffff, v&0xffffffff))
	case SockoptVal:
		return text(c.sockoptVal(v, c.arg(i+1)))
	case OutSockoptVal:
		lenp := c.arg(i + 1)
		return out(v, func(c *call) string {
			n, ok := c.u32(lenp)
			if !ok {
				return pointer(v)
			}
			return c.sockoptVal(v, uint64(n))
		})
	case ShutdownHow:
		return text(xval(shutdownTab, v&0xffffffff, "SHUT_???"))
	case MsgFlags:
		return text(flags(msgFlagTab, v&0xffffffff))
	case EpollCtlOp:
		return text(xval(epollCtlTab, v&0xffffffff, "EPOLL_CTL_???"))
	case EpollEvent:
		return text(c.epollEvents(v, 1, false))
	case OutEpollEvents:
		return out(v, func(c *call) string { return c.epollEvents(v, int64(c.ret), true) })
	case EpollFlags:
		return text(flags(epollFlagTab, v&0xffffffff))
	case EventfdFlags:
		return text(flags(eventfdFlagTab, v&0xffffffff))
	case PollFds:
		return text(c.pollfds(v, c.arg(i+1)))
	}
	return text(hex(v))
}

func (c *call) mmapFlags(v uint64) string {
	tab := mapFlagTab
	if c.arch == arch.AMD64 {
		tab = mapFlagTabAMD64
	}
	s := xval(mapTypeTab, v&0xf, "MAP_???")
	if rest := v &^ 0xf; rest != 0 {
		s += "|" + flags(tab, rest)
	}
	return s
}

func (c *call) fcntlArg(cmd, v uint64) (piece, bool) {
	switch cmd {
	case fGetfd, fGetfl, fGetown, fGetsig, fGetlease, fGetpipeSz, fGetSeals:
		return piece{}, false
	case fSetfd:
		return text(flags(fdFlagTab, v&0xffffffff))
	case fSetfl:
		return text(openFlags(v))
	case fAddSeals:
		return text(flags(sealTab, v&0xffffffff))
	case fSetlk, fSetlkw, fGetlk, fOfdGetlk, fOfdSetlk, fOfdSetlkw:
		return text(c.flock(v))
	}
	if _, known := lookup(fcntlCmdTab, cmd); known {
		return text(dec(v))
	}
	return text(hex(v))
}

func (c *call) iovec(addr, count uint64, total int64) string {
	if addr == 0 {
		return "NULL"
	}
	n := count
	if n > uint64(c.limit) {
		n = uint64(c.limit)
	}
	raw, ok := c.read(addr, int(n)*16)
	if !ok {
		return pointer(addr)
	}
	var b strings.Builder
	b.WriteByte('[')
	for j := 0; j < int(n); j++ {
		if j > 0 {
			b.WriteString(", ")
		}
		base, l := le64(raw[j*16:]), le64(raw[j*16+8:])
		show := int64(l)
		if total >= 0 {
			show = min(show, total)
			total -= show
		}
		b.WriteString("{iov_base=")
		b.WriteString(c.buf(base, show, false))
		b.WriteString(", iov_len=")
		b.WriteString(udec(l))
		b.WriteByte('}')
	}
	if count > n {
		b.WriteString(", ...")
	}
	b.WriteByte(']')
	return b.String()
}

func (c *call) argv(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	var b strings.Builder
	b.WriteByte('[')
	for j := 0; ; j++ {
		p, ok := c.u64(addr + uint64(j)*8)
		if !ok {
			if j == 0 {
				return pointer(addr)
			}
			b.WriteString(", ...")
			break
		}
		if p == 0 {
			break
		}
		if j > 0 {
			b.WriteString(", ")
		}
		if j >= c.limit {
			b.WriteString("...")
			break
		}
		b.WriteString(c.str(p, c.limit))
	}
	b.WriteByte(']')
	return b.String()
}

// maxEnvp bounds the walk over an environment that has no NULL.
const maxEnvp = 1 << 16

func (c *call) envp(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	n := 0
	for ; n < maxEnvp; n++ {
		p, ok := c.u64(addr + uint64(n)*8)
		if !ok {
			return pointer(addr)
		}
		if p == 0 {
			break
		}
	}
	s := pointer(addr) + " /* " + udec(uint64(n)) + " var"
	if n != 1 {
		s += "s"
	}
	return s + " */"
}

func futexOp(v uint64) string {
	v &= 0xffffffff
	name, ok := lookup(futexCmdTab, v&^(128|256))
	if !ok {
		return hex(v)
	}
	if v&128 != 0 {
		name += "_PRIVATE"
	}
	if v&256 != 0 {
		name += "|FUTEX_CLOCK_REALTIME"
	}
	return name
}

// futexArg shows the futex arguments after op that op uses, as strace
// does: i is 2 (val), 3 (timeout or val2), 4 (uaddr2) or 5 (val3).
func (c *call) futexArg(i int, v uint64) (piece, bool) {
	op := c.arg(1) & 0xffffffff
	cmd := op &^ (128 | 256)
	bitset := func() string {
		if uint32(v) == 0xffffffff {
			return "FUTEX_BITSET_MATCH_ANY"
		}
		return hex(v & 0xffffffff)
	}
	// uses lists which of val, timeout, uaddr2, val3 the command shows, and
	// how: 't' timespec, 'n' number, 'p' pointer, 'b' bitset, 'x' hex.
	var uses string
	switch cmd {
	case 0: // WAIT
		uses = "nt"
	case 1, 2: // WAKE, FD
		uses = "n"
	case 3: // REQUEUE
		uses = "nnp"
	case 4, 12: // CMP_REQUEUE, CMP_REQUEUE_PI
		uses = "nnpn"
	case 5: // WAKE_OP
		uses = "nnpx"
	case 6, 13: // LOCK_PI, LOCK_PI2
		uses = ".t"
	case 7, 8: // UNLOCK_PI, TRYLOCK_PI
		uses = ""
	case 9: // WAIT_BITSET
		uses = "nt.b"
	case 10: // WAKE_BITSET
		uses = "n..b"
	case 11: // WAIT_REQUEUE_PI
		uses = "ntp"
	default:
		uses = "xxxx"
	}
	j := i - 2
	if j < 0 || j >= len(uses) {
		return piece{}, false
	}
	switch uses[j] {
	case 'n':
		return text(udec(v & 0xffffffff))
	case 't':
		return text(c.timespec(v))
	case 'p':
		return text(pointer(v))
	case 'b':
		return text(bitset())
	case 'x':
		return text(hex(v))
	}
	return piece{}, false
}

func (c *call) waitStatus(addr uint64) string {
	st, ok := c.u32(addr)
	if !ok {
		return pointer(addr)
	}
	var s string
	switch {
	case st&0x7f == 0:
		s = "WIFEXITED(s) && WEXITSTATUS(s) == " + udec(uint64(st>>8&0xff))
	case st&0xff == 0x7f:
		s = "WIFSTOPPED(s) && WSTOPSIG(s) == " + SignalName(int(st>>8&0xff))
	case st == 0xffff:
		s = "WIFCONTINUED(s)"
	default:
		s = "WIFSIGNALED(s) && WTERMSIG(s) == " + SignalName(int(st&0x7f))
		if st&0x80 != 0 {
			s += " && WCOREDUMP(s)"
		}
	}
	return "[{" + s + "}]"
}

// decodeClone renders clone(2) the way strace does, with named arguments
// in a fixed order, whatever the architecture's argument order.
func decodeClone(c *call) []piece {
	fl := c.arg(0)
	stack, parentTid := c.arg(1), c.arg(2)
	childTid, tls := c.arg(3), c.arg(4)
	if c.arch == arch.RISCV64 { // CLONE_BACKWARDS: tls before child_tid
		childTid, tls = tls, childTid
	}
	ps := []piece{{text: "child_stack=" + pointer(stack)}, {text: "flags=" + cloneFlags(fl, fl&0xff)}}
	if fl&cloneParentSettid != 0 {
		ps = append(ps, piece{text: "parent_tid=", exit: func(c *call) string {
			if !c.failed {
				if v, ok := c.u32(parentTid); ok {
					return "[" + dec(uint64(v)) + "]"
				}
			}
			return pointer(parentTid)
		}})
	}
	if fl&cloneSettls != 0 {
		ps = append(ps, piece{text: "tls=" + pointer(tls)})
	}
	if fl&(cloneChildSettid|cloneChildCleartid) != 0 {
		ps = append(ps, piece{text: "child_tidptr=" + pointer(childTid)})
	}
	return ps
}

func cloneFlags(fl, sig uint64) string {
	fl &^= 0xff
	fl &= 0xffffffff
	var s string
	if fl != 0 {
		s = flags(cloneFlagTab, fl)
	}
	if sig != 0 {
		if s != "" {
			s += "|"
		}
		s += SignalName(int(sig))
	}
	if s == "" {
		return "0"
	}
	return s
}

func (c *call) clone3(addr uint64) (piece, bool) {
	if addr == 0 {
		return text("NULL")
	}
	raw, ok := c.read(addr, 64)
	if !ok {
		return text(pointer(addr))
	}
	fl := le64(raw)
	var b strings.Builder
	b.WriteString("{flags=" + cloneFlags(fl, 0))
	if fl&clonePidfd != 0 {
		b.WriteString(", pidfd=" + pointer(le64(raw[8:])))
	}
	if fl&(cloneChildSettid|cloneChildCleartid) != 0 {
		b.WriteString(", child_tid=" + pointer(le64(raw[16:])))
	}
	parentTid := le64(raw[24:])
	if fl&cloneParentSettid != 0 {
		b.WriteString(", parent_tid=" + pointer(parentTid))
	}
	sig := le64(raw[32:])
	b.WriteString(", exit_signal=")
	if sig == 0 {
		b.WriteString("0")
	} else {
		b.WriteString(SignalName(int(sig)))
	}
	b.WriteString(", stack=" + pointer(le64(raw[40:])) + ", stack_size=" + hex(le64(raw[48:])))
	if fl&cloneSettls != 0 {
		b.WriteString(", tls=" + pointer(le64(raw[56:])))
	}
	b.WriteByte('}')
	if fl&cloneParentSettid == 0 || parentTid == 0 {
		return text(b.String())
	}
	return piece{text: b.String(), exit: func(c *call) string {
		if c.failed {
			return ""
		}
		if v, ok := c.u32(parentTid); ok {
			return " => {parent_tid=[" + dec(uint64(v)) + "]}"
		}
		return ""
	}}, true
}
