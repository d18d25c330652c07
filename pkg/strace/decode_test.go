package strace

import (
	"encoding/binary"
	"testing"
)

func TestQuote(t *testing.T) {
	for _, c := range []struct {
		in        string
		hex, more bool
		want      string
	}{
		{"", false, false, `""`},
		{"hello\n", false, false, `"hello\n"`},
		{"\t\r\v\f\"\\", false, false, `"\t\r\v\f\"\\"`},
		{"\a\b", false, false, `"\7\10"`},
		{"\x00", false, false, `"\0"`},
		{"\x001", false, false, `"\0001"`}, // a digit follows: three digits
		{"\x008", false, false, `"\08"`},   // 8 is no octal digit
		{"\x1b[", false, false, `"\33["`},
		{"\x7f\xff", false, false, `"\177\377"`},
		{"é", false, false, `"\303\251"`},
		{"ab", false, true, `"ab"...`},
		{"\xf9a", true, false, `"\xf9\x61"`},
	} {
		if got := quote([]byte(c.in), c.hex, c.more); got != c.want {
			t.Errorf("quote(%q, %v, %v) = %s, want %s", c.in, c.hex, c.more, got, c.want)
		}
	}
}

func TestEscape(t *testing.T) {
	if got, want := Escape("/tmp/e\x1b[2J\nx y"), `/tmp/e\33[2J\nx y`; got != want {
		t.Errorf("Escape = %s, want %s", got, want)
	}
}

func TestFlagsAndValues(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{flags(protTab, 0), "PROT_NONE"},
		{flags(protTab, 3), "PROT_READ|PROT_WRITE"},
		{flags(protTab, 0x10), "0x10"},
		{flags(atFlagTab, 0), "0"},
		{flags(accessModeTab, 0), "F_OK"},
		{openFlags(0), "O_RDONLY"},
		{openFlags(3), "O_ACCMODE"},
		{openFlags(0o2000000 | 0o100 | 2), "O_RDWR|O_CREAT|O_CLOEXEC"},
		{openFlags(0o4000000), "O_RDONLY|__O_SYNC"},
		{openFlags(0xffffffff00000000), "O_RDONLY"}, // flags are a C int
		{mode(0), "000"},
		{mode(0o7), "007"},
		{mode(0o644), "0644"},
		{mode(0o4755), "04755"},
		{fileMode(0o100644), "S_IFREG|0644"},
		{fileMode(0o104755), "S_IFREG|S_ISUID|0755"},
		{fileMode(0o120777), "S_IFLNK|0777"},
		{fileMode(0o644), "0644"},
		{xval(whenceTab, 1, "SEEK_???"), "SEEK_CUR"},
		{xval(whenceTab, 9, "SEEK_???"), "0x9 /* SEEK_??? */"},
		{ioctlReq(0x5413), "TIOCGWINSZ"},
		{ioctlReq(0x80085678), "_IOC(_IOC_READ, 0x56, 0x78, 0x8)"},
		{statxFlags(0x100), "AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW"},
		{statxFlags(0x4000), "AT_STATX_DONT_SYNC"},
		{flags(statxMaskTab, 0xfff), "STATX_BASIC_STATS|STATX_BTIME"},
		{futexOp(0x80), "FUTEX_WAIT_PRIVATE"},
		{futexOp(99), "0x63"},
		{cloneFlags(0x11, 0x11), "SIGCHLD"},
		{cloneFlags(0, 0), "0"},
		{cloneFlags(0x4111, 0x11), "CLONE_VM|CLONE_VFORK|SIGCHLD"},
		{sockType(0x80002), "SOCK_DGRAM|SOCK_CLOEXEC"},
		{sockProto(2, 6), "IPPROTO_TCP"},
		{sockProto(1, 0), "0"},
		{sockoptName(6, 4), "TCP_KEEPIDLE"},
		{sockoptName(1, 9), "SO_KEEPALIVE"},
		{sockoptName(99, 9), "9"},
		{rlim(1024, true), "1024"},
		{rlim(2048, true), "2*1024"},
		{rlim(1000, true), "1000"},
		{rlim(^uint64(0), false), "RLIM_INFINITY"},
		{makedev(0x8801), "makedev(0x88, 0x1)"},
		{makedev(0), "makedev(0, 0)"},
		{fcntlResult(fGetfd, 1), "0x1 (flags FD_CLOEXEC)"},
		{fcntlResult(fGetfl, 0), "0 (flags O_RDONLY)"},
		{fcntlResult(fDupfd, 12), "12"},
		{hex(0), "0"},
		{pointer(0), "NULL"},
		{dec(0xffffffff), "-1"},
		{dec64(^uint64(4)), "-5"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestSignals(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{SignalName(9), "SIGKILL"},
		{SignalName(31), "SIGSYS"},
		{SignalName(32), "SIGRTMIN"},
		{SignalName(33), "SIGRT_1"},
		{SignalName(64), "SIGRT_32"},
		{SignalName(0), "0"},
		{SignalName(65), "65"},
		{SignalName(-3), "-3"},
		{sigset(0), "[]"},
		{sigset(^uint64(0)), "~[]"},
		{sigset(1<<1 | 1<<14), "[INT TERM]"},
		// strace complements from two thirds of the bits: 42 of 64.
		{sigset(1<<42 - 1), "~[" + sigset(^uint64(1<<42 - 1))[1:]},
		{sigset(1<<41 - 1)[:5], "[HUP "},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestSigInfo(t *testing.T) {
	for _, c := range []struct {
		si   SigInfo
		want string
	}{
		{SigInfo{Signo: 11, Code: 1, Addr: 0x10}, "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10}"},
		{SigInfo{Signo: 11, Code: 2, Addr: 0x7f0000001000}, "{si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr=0x7f0000001000}"},
		{SigInfo{Signo: 11, Code: 0x80}, "{si_signo=SIGSEGV, si_code=SI_KERNEL, si_addr=NULL}"},
		{SigInfo{Signo: 15, Code: 0, Pid: 1, Uid: 0}, "{si_signo=SIGTERM, si_code=SI_USER, si_pid=1, si_uid=0}"},
		{SigInfo{Signo: 10, Code: -6, Pid: 42, Uid: 1000}, "{si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=42, si_uid=1000}"},
		{SigInfo{Signo: 17, Code: 1, Pid: 3967, Status: 0}, "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=3967, si_uid=0, si_status=0, si_utime=0, si_stime=0}"},
		{SigInfo{Signo: 17, Code: 2, Pid: 6940, Status: 9}, "{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=6940, si_uid=0, si_status=SIGKILL, si_utime=0, si_stime=0}"},
		{SigInfo{Signo: 14, Code: -2, TimerID: 1}, "{si_signo=SIGALRM, si_code=SI_TIMER, si_timerid=0x1, si_overrun=0, si_int=0, si_ptr=NULL}"},
		{SigInfo{Signo: 29, Code: 1, Band: 65, FD: 3}, "{si_signo=SIGIO, si_code=POLL_IN, si_band=65, si_fd=3}"},
		{SigInfo{Signo: 8, Code: 1, Addr: 0x401000}, "{si_signo=SIGFPE, si_code=FPE_INTDIV, si_addr=0x401000}"},
		{SigInfo{Signo: 13, Code: 0, Errno: 32}, "{si_signo=SIGPIPE, si_code=SI_USER, si_errno=EPIPE, si_pid=0, si_uid=0}"},
	} {
		if got := formatSigInfo(&c.si); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

func TestParseSigInfo(t *testing.T) {
	b := make([]byte, 128)
	put32 := func(o int, v uint32) { binary.LittleEndian.PutUint32(b[o:], v) }
	put32(0, 11)
	put32(8, 1)
	binary.LittleEndian.PutUint64(b[16:], 0xdead)
	if si := ParseSigInfo(b); si != (SigInfo{Signo: 11, Code: 1, Addr: 0xdead}) {
		t.Errorf("SIGSEGV: %+v", si)
	}
	clear(b)
	put32(0, 17)
	put32(8, 1)
	put32(16, 77)
	put32(20, 1000)
	put32(24, 3)
	binary.LittleEndian.PutUint64(b[32:], 5)
	if si := ParseSigInfo(b); si != (SigInfo{Signo: 17, Code: 1, Pid: 77, Uid: 1000, Status: 3, Utime: 5}) {
		t.Errorf("SIGCHLD: %+v", si)
	}
	clear(b)
	put32(0, 15)
	put32(16, 9)
	if si := ParseSigInfo(b[:20]); si != (SigInfo{Signo: 15, Pid: 9}) {
		t.Errorf("short SIGTERM: %+v", si)
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		ret  int64
		want string
	}{
		{-2, "-1 ENOENT (No such file or directory)"},
		{-11, "-1 EAGAIN (Resource temporarily unavailable)"},
		{-38, "-1 ENOSYS (Function not implemented)"},
		{-512, "? ERESTARTSYS (To be restarted if SA_RESTART is set)"},
		{-514, "? ERESTARTNOHAND (To be restarted if no handler)"},
		{-999, "-1 ERRNO_999 (Unknown error 999)"},
	} {
		if !isError(uint64(c.ret)) {
			t.Errorf("%d is not an error", c.ret)
		}
		if got := errorResult(uint64(c.ret)); got != c.want {
			t.Errorf("errorResult(%d) = %q, want %q", c.ret, got, c.want)
		}
	}
	for _, r := range []int64{0, 1, -4096, 0x7fd557d4a000} {
		if isError(uint64(r)) {
			t.Errorf("%d is an error", r)
		}
	}
}

// TestCString covers Memory implementations that fail without a partial
// string when no NUL comes within max.
func TestCString(t *testing.T) {
	m := &strictMem{fakeMem: newMem()}
	long := m.str("abcdefghij")
	short := m.str("abc")
	c := &call{mem: m, limit: 4}
	for _, x := range []struct {
		addr uint64
		want string
	}{
		{long, `"abcd"...`},
		{short, `"abc"`},
		{0, "NULL"},
		{0x5000, "0x5000"},
	} {
		if got := c.str(x.addr, 4); got != x.want {
			t.Errorf("str(%#x) = %s, want %s", x.addr, got, x.want)
		}
	}
}

type strictMem struct{ *fakeMem }

func (m *strictMem) CopyInString(addr uint64, max int) (string, error) {
	s, err := m.fakeMem.CopyInString(addr, max)
	if err != nil {
		return "", err
	}
	return s, nil
}

// TestOpenFlagsAreTheGenericABI pins the open flags whose values differ
// between architectures (gVisor defines them per host GOARCH): the
// guests the sentry traces, amd64 and riscv64, both use
// asm-generic/fcntl.h's values, so a build whose constants say otherwise
// must fail here rather than misname flags.
func TestOpenFlagsAreTheGenericABI(t *testing.T) {
	for v, want := range map[uint64]string{
		0o40000:    "O_RDONLY|O_DIRECT",
		0o100000:   "O_RDONLY|O_LARGEFILE",
		0o200000:   "O_RDONLY|O_DIRECTORY",
		0o400000:   "O_RDONLY|O_NOFOLLOW",
		0o4010002:  "O_RDWR|O_SYNC",
		0o20200000: "O_RDONLY|O_TMPFILE",
	} {
		if got := openFlags(v); got != want {
			t.Errorf("openFlags(%#o) = %q, want %q", v, got, want)
		}
	}
}
