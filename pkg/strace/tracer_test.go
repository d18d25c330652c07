package strace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"sentry/pkg/arch"
)

func desc(t *testing.T, s arch.Sysno) *Desc {
	t.Helper()
	d, ok := Describe(s)
	if !ok {
		t.Fatalf("no description of %v", s)
	}
	return &d
}

// TestInterleaving replays, call by call, a stretch of `strace -f` output
// of a thread start (pthread_create, then join) and checks the
// "<unfinished ...>" / "<... resumed>" lines come out the same.
func TestInterleaving(t *testing.T) {
	m := newMem()
	empty := m.u64s(0)
	rtmin := m.u64s(^uint64(1 << 32))
	var out bytes.Buffer
	tr := NewTracer(&out, Options{StringLimit: 32})
	rseq := tr.Enter(6938, desc(t, arch.SysRseq), [6]uint64{0x7fba1795bfe0, 0x20, 0, 0x53053053}, m)
	mask := tr.Enter(6937, desc(t, arch.SysRtSigprocmask), [6]uint64{2, empty, 0, 8}, m)
	tr.Exit(rseq, 0)
	tr.Exit(mask, 0)
	srl := tr.Enter(6938, desc(t, arch.SysSetRobustList), [6]uint64{0x7fba1795b9a0, 24}, m)
	futex := tr.Enter(6937, desc(t, arch.SysFutex), [6]uint64{0x7fba1795b990, 0x109, 6938, 0, 0, 0xffffffff}, m)
	tr.Exit(srl, 0)
	tr.Exit(tr.Enter(6938, desc(t, arch.SysRtSigprocmask), [6]uint64{2, empty, 0, 8}, m), 0)
	tr.Exit(tr.Enter(6938, desc(t, arch.SysRtSigprocmask), [6]uint64{0, rtmin, 0, 8}, m), 0)
	tr.Exit(tr.Enter(6938, desc(t, arch.SysExit), [6]uint64{0}, m), 0)
	tr.Exit(futex, 0)
	tr.Exited(6938, 0)
	// wait4 blocks while the child runs and is reaped.
	status := m.put(make([]byte, 4))
	wait := tr.Enter(6937, desc(t, arch.SysWait4), [6]uint64{^uint64(0), status, 0, 0}, m)
	tr.Exit(tr.Enter(6939, desc(t, arch.SysExitGroup), [6]uint64{3}, m), 0)
	tr.Exited(6939, 3)
	m.at(status, u32s(3<<8))
	tr.Exit(wait, 6939)
	tr.Signal(6937, &SigInfo{Signo: 17, Code: 1, Pid: 6939, Status: 3})
	tr.Killed(6940, 9, false)
	tr.Killed(6941, 11, true)

	want := `6938  rseq(0x7fba1795bfe0, 0x20, 0, 0x53053053 <unfinished ...>
6937  rt_sigprocmask(SIG_SETMASK, [],  <unfinished ...>
6938  <... rseq resumed>)               = 0
6937  <... rt_sigprocmask resumed>NULL, 8) = 0
6938  set_robust_list(0x7fba1795b9a0, 24 <unfinished ...>
6937  futex(0x7fba1795b990, FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, 6938, NULL, FUTEX_BITSET_MATCH_ANY <unfinished ...>
6938  <... set_robust_list resumed>)    = 0
6938  rt_sigprocmask(SIG_SETMASK, [], NULL, 8) = 0
6938  rt_sigprocmask(SIG_BLOCK, ~[RT_1], NULL, 8) = 0
6938  exit(0)                           = ?
6937  <... futex resumed>)              = 0
6938  +++ exited with 0 +++
6937  wait4(-1,  <unfinished ...>
6939  exit_group(3)                     = ?
6939  +++ exited with 3 +++
6937  <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 6939
6937  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=6939, si_uid=0, si_status=3, si_utime=0, si_stime=0} ---
6940  +++ killed by SIGKILL +++
6941  +++ killed by SIGSEGV (core dumped) +++
`
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestVforkExecve replays strace's lines for a shell's vfork+execve.
func TestVforkExecve(t *testing.T) {
	m := newMem()
	env := m.u64s(m.str("A=1"), 0)
	var out bytes.Buffer
	tr := NewTracer(&out, Options{StringLimit: 32})
	vfork := tr.Enter(3966, desc(t, arch.SysVfork), [6]uint64{}, m)
	old := m.put(make([]byte, 8))
	mask := tr.Enter(3967, desc(t, arch.SysRtSigprocmask), [6]uint64{2, m.u64s(0), old, 8}, m)
	m.at(old, u64b(^uint64(3<<31|1<<8|1<<18)))
	tr.Exit(mask, 0)
	exec := tr.Enter(3967, desc(t, arch.SysExecve), [6]uint64{m.str("/usr/bin/cat"), m.u64s(m.str("cat"), m.str("/etc/hostname"), 0), env}, m)
	tr.Exit(vfork, 3967)
	tr.Exit(exec, 0)
	want := `3966  vfork( <unfinished ...>
3967  rt_sigprocmask(SIG_SETMASK, [], ~[KILL STOP RTMIN RT_1], 8) = 0
3967  execve("/usr/bin/cat", ["cat", "/etc/hostname"], 0x` + fmt.Sprintf("%x", env) + ` /* 1 var */ <unfinished ...>
3966  <... vfork resumed>)              = 3967
3967  <... execve resumed>)             = 0
`
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestBlockingAndFlush(t *testing.T) {
	m := newMem()
	var out bytes.Buffer
	tr := NewTracer(&out, Options{})
	buf := m.put(make([]byte, 16))
	a := tr.Enter(1, desc(t, arch.SysGetpid), [6]uint64{}, m)
	r := tr.Enter(2, desc(t, arch.SysRead), [6]uint64{0, buf, 16}, m)
	b := tr.Enter(3, desc(t, arch.SysGettid), [6]uint64{}, m)
	tr.Blocking(r) // writes a's and r's first halves, not b's
	want := "1     getpid( <unfinished ...>\n2     read(0,  <unfinished ...>\n"
	if out.String() != want {
		t.Fatalf("after Blocking: %q", out.String())
	}
	tr.Exit(b, 3) // b entered last and nothing was written since: one line
	want += "3     gettid()                          = 3\n"
	if out.String() != want {
		t.Fatalf("after Exit: %q", out.String())
	}
	c := tr.Enter(4, desc(t, arch.SysGetppid), [6]uint64{}, m)
	_ = c
	tr.Flush()
	want += "4     getppid( <unfinished ...>\n"
	if out.String() != want {
		t.Fatalf("after Flush: %q", out.String())
	}
	copy(m.find(buf), "hi")
	tr.Exit(r, 2)
	tr.Exit(a, 1)
	want += "2     <... read resumed>\"hi\", 16)       = 2\n1     <... getpid resumed>)             = 1\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestNilTracer(t *testing.T) {
	var tr *Tracer
	p := tr.Enter(1, &Desc{Name: "x"}, [6]uint64{}, nil)
	tr.Blocking(p)
	tr.Exit(p, 0)
	tr.Signal(1, &SigInfo{Signo: 11})
	tr.Exited(1, 0)
	tr.Killed(1, 9, false)
	tr.Flush()
	if tr.Err() != nil {
		t.Fatal("nil tracer has an error")
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(b []byte) (int, error) {
	w.n++
	return 0, errors.New("disk full")
}

func TestWriteError(t *testing.T) {
	w := &failWriter{}
	tr := NewTracer(w, Options{})
	tr.Exited(1, 0)
	tr.Exited(1, 0)
	if tr.Err() == nil || w.n != 1 {
		t.Fatalf("err %v after %d writes; want one failed write", tr.Err(), w.n)
	}
}

// TestNoMemory checks a nil Memory shows addresses instead of contents.
func TestNoMemory(t *testing.T) {
	var out bytes.Buffer
	tr := NewTracer(&out, Options{})
	tr.Exit(tr.Enter(1, desc(t, arch.SysOpenat), [6]uint64{atFDCWD, 0x1000, 0}, nil), 3)
	if want := "1     openat(AT_FDCWD, 0x1000, O_RDONLY) = 3\n"; out.String() != want {
		t.Fatalf("got %q want %q", out.String(), want)
	}
}

// TestConcurrent checks that lines of many threads never mix.
func TestConcurrent(t *testing.T) {
	var out bytes.Buffer
	tr := NewTracer(&out, Options{})
	d := desc(t, arch.SysWrite)
	const threads, calls = 8, 200
	var wg sync.WaitGroup
	for th := 1; th <= threads; th++ {
		wg.Add(1)
		go func(tid int) {
			defer wg.Done()
			m := newMem()
			msg := m.put([]byte("hello\n"))
			for i := 0; i < calls; i++ {
				p := tr.Enter(tid, d, [6]uint64{1, msg, 6}, m)
				tr.Exit(p, 6)
			}
			tr.Exited(tid, 0)
		}(th)
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	resumed := map[string]bool{}
	for _, l := range lines {
		switch {
		case strings.HasSuffix(l, `write(1, "hello\n", 6)            = 6`),
			strings.HasSuffix(l, "+++ exited with 0 +++"):
		case strings.HasSuffix(l, `write(1, "hello\n", 6 <unfinished ...>`):
			resumed[strings.Fields(l)[0]] = true
		case strings.Contains(l, "<... write resumed>) "):
			tid := strings.Fields(l)[0]
			if !resumed[tid] {
				t.Fatalf("resumed without unfinished: %q", l)
			}
			resumed[tid] = false
		default:
			t.Fatalf("mixed line %q", l)
		}
	}
}

func TestJSONL(t *testing.T) {
	m := newMem()
	var out bytes.Buffer
	tr := NewTracer(&out, Options{Format: FormatJSONL, Arch: arch.AMD64})
	tr.Exit(tr.EnterCall(5, 7, arch.SysOpenat, 257, desc(t, arch.SysOpenat), [6]uint64{atFDCWD, m.str("/nonexist"), 0o2000000}, m), uint64(neg(-2)))
	buf := m.put(make([]byte, 8))
	p := tr.EnterCall(5, 7, arch.SysRead, 0, desc(t, arch.SysRead), [6]uint64{3, buf, 8}, m)
	copy(m.find(buf), "a\r\n")
	// "dur" is at least the time spent between Enter and Exit.
	time.Sleep(2 * time.Millisecond)
	tr.Exit(p, 3)
	tr.Signal(7, &SigInfo{Signo: 11, Code: 1, Addr: 0x10})
	tr.Killed(7, 11, true)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines: %q", len(lines), out.String())
	}
	type callLine struct {
		T     *int64
		Dur   *int64
		PID   int
		TID   int
		Arch  string
		Nr    int
		Name  string
		Args  []uint64
		Text  string
		Ret   int64
		Errno string
		Data  *string
	}
	var call callLine
	if err := json.Unmarshal([]byte(lines[0]), &call); err != nil {
		t.Fatal(err)
	}
	if call.T == nil || call.PID != 5 || call.TID != 7 || call.Arch != "amd64" || call.Nr != 257 || call.Name != "openat" ||
		call.Text != `AT_FDCWD, "/nonexist", O_RDONLY|O_CLOEXEC` || len(call.Args) != 6 || call.Args[0] != atFDCWD ||
		call.Ret != -2 || call.Errno != "ENOENT" || call.Data != nil {
		t.Errorf("openat: %s", lines[0])
	}
	call = callLine{}
	if err := json.Unmarshal([]byte(lines[1]), &call); err != nil {
		t.Fatal(err)
	}
	if call.Dur == nil || *call.Dur < int64(2*time.Millisecond) || *call.T < 0 {
		t.Errorf("read: dur should cover the 2 ms between Enter and Exit: %s", lines[1])
	}
	if call.Text != `3, "a\r\n", 8` || call.Ret != 3 || call.Errno != "" || call.Data == nil || *call.Data != `a\r\n` {
		t.Errorf("read: %s", lines[1])
	}
	var sig map[string]any
	if err := json.Unmarshal([]byte(lines[2]), &sig); err != nil {
		t.Fatal(err)
	}
	if sig["event"] != "signal" || sig["pid"] != 5.0 || sig["signal"] != "SIGSEGV" || sig["siginfo"] != "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10}" {
		t.Errorf("signal: %v", sig)
	}
	var exit map[string]any
	if err := json.Unmarshal([]byte(lines[3]), &exit); err != nil {
		t.Fatal(err)
	}
	if exit["event"] != "exit" || exit["status"] != 139.0 || exit["signal"] != "SIGSEGV" || exit["core"] != true {
		t.Errorf("killed: %s", lines[3])
	}
}

// TestFilter: --strace-syscalls and --strace-exclude choose calls by
// name; unknown names are an error.
func TestFilter(t *testing.T) {
	m := newMem()
	for _, c := range []struct {
		only, exclude []string
		want          []string
	}{
		{nil, nil, []string{"openat", "read", "close"}},
		{[]string{"read"}, nil, []string{"read"}},
		{nil, []string{"read", "close"}, []string{"openat"}},
		{[]string{"read", "close"}, []string{"close"}, []string{"read"}},
	} {
		var out bytes.Buffer
		o := Options{Format: FormatStrace, Arch: arch.AMD64, Syscalls: c.only, Exclude: c.exclude}
		if err := o.Check(); err != nil {
			t.Fatal(err)
		}
		tr := NewTracer(&out, o)
		for _, s := range []arch.Sysno{arch.SysOpenat, arch.SysRead, arch.SysClose} {
			tr.Exit(tr.EnterCall(1, 1, s, 0, desc(t, s), [6]uint64{atFDCWD, m.str("/x")}, m), 0)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if f := strings.Fields(l); len(f) > 1 {
				got = append(got, f[1][:strings.IndexByte(f[1], '(')])
			}
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("only %v exclude %v: traced %v, want %v", c.only, c.exclude, got, c.want)
		}
	}
	if err := (Options{Syscalls: []string{"nosuchcall"}}).Check(); err == nil {
		t.Errorf("unknown name accepted")
	}
	if err := (Options{Exclude: []string{"open", "nosuchcall"}}).Check(); err == nil {
		t.Errorf("unknown excluded name accepted")
	}
}

// TestExec: the first program's execve is the first line, in each format.
func TestExec(t *testing.T) {
	for _, c := range []struct{ format, want string }{
		{FormatStrace, `1     execve("/bin/echo", ["echo", "hi"], 0x7ffc1000 /* 2 vars */) = 0` + "\n"},
		{FormatMaturin, "Syscall EXECVE, [0, 0, 0, 0, 0, 0]\n"},
		{FormatJSONL, `"nr":59,"name":"execve","args":[0,0,0,0,0,0],"text":"\"/bin/echo\", [\"echo\", \"hi\"], 0x7ffc1000 /* 2 vars */","ret":0}` + "\n"},
	} {
		var out bytes.Buffer
		NewTracer(&out, Options{Format: c.format, Arch: arch.AMD64}).Exec(1, 1, "/bin/echo", []string{"echo", "hi"}, 0x7ffc1000, 2)
		if !strings.HasSuffix(out.String(), c.want) {
			t.Errorf("%s: got %q, want suffix %q", c.format, out.String(), c.want)
		}
	}
	var out bytes.Buffer
	NewTracer(&out, Options{Exclude: []string{"execve"}}).Exec(1, 1, "/bin/echo", nil, 0, 0)
	if out.Len() != 0 {
		t.Errorf("excluded execve traced: %q", out.String())
	}
}

func TestOptionsCheck(t *testing.T) {
	for _, c := range []struct {
		o  Options
		ok bool
	}{
		{Options{}, true},
		{Options{Format: "strace", StringLimit: 32}, true},
		{Options{Format: "jsonl"}, true},
		{Options{Format: "maturin"}, true},
		{Options{Format: "xml"}, false},
		{Options{StringLimit: -1}, false},
	} {
		if err := c.o.Check(); (err == nil) != c.ok {
			t.Errorf("%+v.Check() = %v", c.o, err)
		}
	}
}

func TestDescribe(t *testing.T) {
	for s := arch.SysInvalid + 1; s < arch.NumSysno; s++ {
		d, ok := Describe(s)
		if d.Name != s.Name() {
			t.Errorf("%v: name %q", s, d.Name)
		}
		if !ok && len(d.Args) != 6 {
			t.Errorf("%v: undescribed but %d args", s, len(d.Args))
		}
		if len(d.Args) > 6 {
			t.Errorf("%v: %d args", s, len(d.Args))
		}
		for _, a := range d.Args {
			if a.Kind < 0 || a.Kind >= numArgKinds {
				t.Errorf("%v: bad kind %d", s, a.Kind)
			}
		}
	}
	if d, ok := Describe(arch.SysGetpid); !ok || len(d.Args) != 0 {
		t.Errorf("getpid: %+v %v", d, ok)
	}
	if d, ok := Describe(arch.SysInvalid); ok || len(d.Args) != 6 {
		t.Errorf("SysInvalid: %+v %v", d, ok)
	}
}

// TestUndescribed shows an undescribed call's six arguments in hex.
func TestUndescribed(t *testing.T) {
	d, ok := Describe(arch.SysKexecLoad)
	if ok {
		t.Fatal("kexec_load is described now: pick a syscall Describe does not know")
	}
	var out bytes.Buffer
	tr := NewTracer(&out, Options{})
	tr.Exit(tr.Enter(1, &d, [6]uint64{0, 1, 0x20, 3, 4, 5}, nil), uint64(neg(-38)))
	want := "1     kexec_load(0, 0x1, 0x20, 0x3, 0x4, 0x5) = -1 ENOSYS (Function not implemented)\n"
	if out.String() != want {
		t.Errorf("got %q want %q", out.String(), want)
	}
}

// FuzzDecode checks that no argument values or memory contents make
// decoding panic.
func FuzzDecode(f *testing.F) {
	f.Add(uint16(arch.SysOpenat), uint64(0x10000), uint64(0x10008), uint64(3), []byte("/etc\x00passwd"), int64(-2))
	f.Add(uint16(arch.SysRtSigaction), uint64(2), uint64(0x10000), uint64(0x10000), make([]byte, 40), int64(0))
	f.Fuzz(func(t *testing.T, s uint16, a0, a1, a2 uint64, mem []byte, ret int64) {
		d, _ := Describe(arch.Sysno(s) % arch.NumSysno)
		m := newMem()
		m.at(0x10000, mem)
		for _, ar := range []arch.Arch{arch.AMD64, arch.RISCV64} {
			tr := NewTracer(&bytes.Buffer{}, Options{Arch: ar, StringLimit: 4})
			tr.Exit(tr.Enter(1, &d, [6]uint64{a0, a1, a2, a0, a1, a2}, m), uint64(ret))
		}
	})
}

func TestMaturin(t *testing.T) {
	m := newMem()
	var out bytes.Buffer
	tr := NewTracer(&out, Options{Format: FormatMaturin, Arch: arch.RISCV64})
	tr.Exit(tr.Enter(3, desc(t, arch.SysMmap), [6]uint64{0, 0x5000, 3, 0x22, ^uint64(0), 0}, m), 0xd49000)
	tr.Exit(tr.Enter(3, desc(t, arch.SysClone), [6]uint64{0x7d0f00, 0x542ef0, 0x542f40, 0x542fe8, 0x41d01a8, 0x542fe8}, m), 4)
	tr.Exit(tr.Enter(3, desc(t, arch.SysOpenat), [6]uint64{atFDCWD, m.str("/x"), 0}, m), uint64(neg(-2)))
	tr.Exit(tr.Enter(3, desc(t, arch.SysMmap), [6]uint64{0, 0x1000, 0, 0x22, ^uint64(0), 0}, m), 0x1000)
	tr.Exited(3, 0)
	want := `Syscall MMAP, [0, 5000, 3, 22, ffffffffffffffff, 0]
mmap start=0 len=5000 prot=[PROT_READ | PROT_WRITE] flags=[MAP_PRIVATE | MAP_ANONYMOUS] fd=-1 offset=0
 ...ret -> 13930496(0xd49000)
Syscall CLONE, [7d0f00, 542ef0, 542f40, 542fe8, 41d01a8, 542fe8] ...ret -> 4(0x4)
Syscall OPEN, [ffffffffffffff9c, 10000, 0, 0, 0, 0] ...ret -> ENOENT
Syscall MMAP, [0, 1000, 0, 22, ffffffffffffffff, 0]
mmap start=0 len=1000 prot=[(empty)] flags=[MAP_PRIVATE | MAP_ANONYMOUS] fd=-1 offset=0
 ...ret -> 4096(0x1000)
+++ exited with 0 +++
`
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
