package ptrace

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

const (
	memSize  = 1 << 20
	codeAddr = 0x400000
)

var rx = platform.Perms{Read: true, Execute: true}

// fixture is a stub traced by the test goroutine's OS thread, with a memory
// file the test can write through mem.
type fixture struct {
	p     *Platform
	as    *addressSpace
	c     *context
	memfd int
	mem   []byte
}

// newFixture locks the calling goroutine to its OS thread for good: that
// thread becomes the stub's tracer, and when the test's goroutine ends the
// thread exits, which would kill any stub left over.
func newFixture(t testing.TB, o Options) *fixture {
	t.Helper()
	runtime.LockOSThread()
	memfd, err := unix.MemfdCreate("sentry-test-mem", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Ftruncate(memfd, memSize); err != nil {
		t.Fatal(err)
	}
	mem, err := unix.Mmap(memfd, 0, memSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewWithOptions(o)
	if err != nil {
		t.Fatal(err)
	}
	as, c, err := p.newAddressSpace(memfd)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{p: p, as: as, c: c, memfd: memfd, mem: mem}
	t.Cleanup(func() {
		as.Release()
		p.Close()
		unix.Munmap(mem)
		unix.Close(memfd)
	})
	return f
}

// load writes code at file offset off and maps it at addr.
func (f *fixture) load(t testing.TB, addr uint64, off int64, perms platform.Perms, code []byte) {
	t.Helper()
	copy(f.mem[off:], code)
	if err := f.as.MapFile(addr, pageSize, off, perms); err != nil {
		t.Fatal(err)
	}
}

// regsAt are registers as a loader builds them: only rip set, selectors 0.
func regsAt(rip uint64) *arch.Regs {
	return &arch.Regs{Arch: arch.AMD64, AMD64: arch.AMD64Regs{Rip: rip}}
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Machine code snippets.
var (
	insSyscall = []byte{0x0f, 0x05}
	insSpin    = []byte{0xeb, 0xfe} // jmp .
)

func movEAX(v uint32) []byte {
	return []byte{0xb8, byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
}

func TestSyscallEvent(t *testing.T) {
	f := newFixture(t, Options{})
	code := cat(
		movEAX(39),                     // getpid
		[]byte{0xbf, 1, 0, 0, 0},       // mov $1, %edi
		[]byte{0xbe, 2, 0, 0, 0},       // mov $2, %esi
		[]byte{0xba, 3, 0, 0, 0},       // mov $3, %edx
		[]byte{0x41, 0xba, 4, 0, 0, 0}, // mov $4, %r10d
		[]byte{0x41, 0xb8, 5, 0, 0, 0}, // mov $5, %r8d
		[]byte{0x41, 0xb9, 6, 0, 0, 0}, // mov $6, %r9d
		insSyscall,                     //
		[]byte{0x48, 0x89, 0xc7},       // mov %rax, %rdi
		movEAX(60),                     // exit
		insSyscall,                     //
	)
	f.load(t, codeAddr, 0, rx, code)
	regs := regsAt(codeAddr)
	ev, err := f.c.Switch(regs)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != platform.EventSyscall {
		t.Fatalf("event %+v, want a syscall", ev)
	}
	if got := regs.SyscallNo(); got != 39 {
		t.Errorf("syscall %d, want 39", got)
	}
	if got, want := regs.SyscallArgs(), [6]uint64{1, 2, 3, 4, 5, 6}; got != want {
		t.Errorf("args %v, want %v", got, want)
	}
	if got, want := regs.IP(), uint64(codeAddr+40); got != want {
		t.Errorf("rip %#x, want %#x (after the syscall)", got, want)
	}
	regs.SetReturn(12345)
	ev, err = f.c.Switch(regs)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != platform.EventSyscall || regs.SyscallNo() != 60 {
		t.Fatalf("event %+v syscall %d, want syscall 60", ev, regs.SyscallNo())
	}
	if got := regs.SyscallArgs()[0]; got != 12345 {
		t.Errorf("the application saw return value %d, want 12345", got)
	}
}

func TestSynchronousSignals(t *testing.T) {
	const unmapped = 0x12345000
	tests := []struct {
		name     string
		code     []byte
		kind     platform.EventKind
		signo    unix.Signal
		code_    int
		addr     uint64
		checkAdr bool
	}{
		{
			name: "read of unmapped memory",
			code: []byte{0x48, 0x8b, 0x04, 0x25, 0x00, 0x50, 0x34, 0x12}, // mov 0x12345000, %rax
			kind: platform.EventFault, signo: unix.SIGSEGV, code_: 1 /* SEGV_MAPERR */, addr: unmapped, checkAdr: true,
		},
		{
			name: "write to read-only code",
			code: []byte{0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0x40, 0x00}, // mov %rax, 0x400000
			kind: platform.EventFault, signo: unix.SIGSEGV, code_: 2 /* SEGV_ACCERR */, addr: codeAddr, checkAdr: true,
		},
		{
			name: "ud2",
			code: []byte{0x0f, 0x0b},
			kind: platform.EventSignal, signo: unix.SIGILL, code_: 2 /* ILL_ILLOPN */, addr: codeAddr, checkAdr: true,
		},
		{
			name: "int3",
			code: []byte{0xcc},
			kind: platform.EventSignal, signo: unix.SIGTRAP, code_: 0x80, /* SI_KERNEL */
		},
		{
			name: "divide by zero",
			code: []byte{0x31, 0xc9, 0xf7, 0xf1}, // xor %ecx, %ecx; div %ecx
			kind: platform.EventSignal, signo: unix.SIGFPE, code_: 1 /* FPE_INTDIV */, addr: codeAddr + 2, checkAdr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			f.load(t, codeAddr, 0, rx, tt.code)
			regs := regsAt(codeAddr)
			ev, err := f.c.Switch(regs)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != tt.kind || ev.Signo != int(tt.signo) || ev.Code != tt.code_ {
				t.Errorf("event %+v, want kind %v signo %d code %d", ev, tt.kind, tt.signo, tt.code_)
			}
			if tt.checkAdr && ev.Addr != tt.addr {
				t.Errorf("addr %#x, want %#x", ev.Addr, tt.addr)
			}
		})
	}
}

// A fault is resolved by mapping the page; the retried access sees the
// memory file's bytes.
func TestFaultThenMap(t *testing.T) {
	f := newFixture(t, Options{})
	code := cat(
		[]byte{0x48, 0x8b, 0x04, 0x25, 0x00, 0x50, 0x34, 0x12}, // mov 0x12345000, %rax
		insSyscall,
	)
	f.load(t, codeAddr, 0, rx, code)
	regs := regsAt(codeAddr)
	ev, err := f.c.Switch(regs)
	if err != nil || ev.Kind != platform.EventFault || ev.Addr != 0x12345000 {
		t.Fatalf("event %+v err %v, want a fault at 0x12345000", ev, err)
	}
	// The value at the faulting address becomes the syscall number.
	f.mem[pageSize] = 0x77
	if err := f.as.MapFile(0x12345000, pageSize, pageSize, platform.Perms{Read: true}); err != nil {
		t.Fatal(err)
	}
	ev, err = f.c.Switch(regs)
	if err != nil || ev.Kind != platform.EventSyscall || regs.SyscallNo() != 0x77 {
		t.Fatalf("event %+v err %v nr %#x, want syscall 0x77", ev, err, regs.SyscallNo())
	}
	// Unmapped again, the same access faults again.
	if err := f.as.Unmap(0x12345000, pageSize); err != nil {
		t.Fatal(err)
	}
	regs.SetIP(codeAddr)
	ev, err = f.c.Switch(regs)
	if err != nil || ev.Kind != platform.EventFault {
		t.Fatalf("event %+v err %v, want a fault after Unmap", ev, err)
	}
}

func TestStubInvariants(t *testing.T) {
	f := newFixture(t, Options{})
	pid := f.as.pid

	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	if len(fds) == 0 {
		t.Errorf("the stub holds no fd: where is the memory file?")
	}
	for _, e := range fds {
		target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(target, "/memfd:") {
			t.Errorf("stub fd %s is %q, not a memfd", e.Name(), target)
		}
	}

	text, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	maps, err := parseMaps(string(text))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range maps {
		if strings.HasPrefix(m.path, "/") && !strings.HasPrefix(m.path, "/memfd:") {
			t.Errorf("the stub maps host file %q", m.path)
		}
		if classify(m) == roleUnmap {
			t.Errorf("the stub still maps %+v", m)
		}
	}

	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Seccomp:\t2", "NoNewPrivs:\t1"} {
		if !strings.Contains(string(status), want) {
			t.Errorf("stub status lacks %q", want)
		}
	}

	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err != nil || strings.TrimSpace(string(comm)) != stubName {
		t.Errorf("stub comm %q (%v), want %q", comm, err, stubName)
	}

	res := f.as.Reserved()
	inReserved := func(a uint64) bool {
		for _, r := range res {
			if r.Start <= a && a < r.End {
				return true
			}
		}
		return false
	}
	if !inReserved(stubSyscall) {
		t.Errorf("Reserved %+v lacks the stub page", res)
	}
	if v := f.as.VDSO(); v == 0 || !inReserved(v) {
		t.Errorf("VDSO %#x not in Reserved %+v", v, res)
	}
}

func TestMapFileRejects(t *testing.T) {
	f := newFixture(t, Options{})
	rw := platform.Perms{Read: true, Write: true}
	tests := []struct {
		name         string
		addr, length uint64
		off          int64
	}{
		{"unaligned address", codeAddr + 1, pageSize, 0},
		{"unaligned length", codeAddr, 100, 0},
		{"empty", codeAddr, 0, 0},
		{"unaligned offset", codeAddr, pageSize, 12},
		{"negative offset", codeAddr, pageSize, -pageSize},
		{"wraps around", 0xfffffffffffff000, 2 * pageSize, 0},
		{"over the stub", stubBase - pageSize, 2 * pageSize, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.as.MapFile(tt.addr, tt.length, tt.off, rw); !errors.Is(err, unix.EINVAL) {
				t.Errorf("MapFile = %v, want EINVAL", err)
			}
		})
	}
	if err := f.as.Unmap(stubBase, pageSize); !errors.Is(err, unix.EINVAL) {
		t.Errorf("Unmap of the stub = %v, want EINVAL", err)
	}
	// A host failure comes back as the host's errno: the file is 1 MiB, but
	// mapping beyond its end is legal for mmap, so use an address beyond
	// the user address space instead.
	if err := f.as.MapFile(0x800000000000, pageSize, 0, rw); err == nil {
		t.Errorf("MapFile above the user address space succeeded")
	}
	// The stub survives all of it.
	f.load(t, codeAddr, 0, rx, cat(movEAX(39), insSyscall))
	if ev, err := f.c.Switch(regsAt(codeAddr)); err != nil || ev.Kind != platform.EventSyscall {
		t.Fatalf("event %+v err %v after rejected requests", ev, err)
	}
}

// The seccomp filter kills the stub for any injected syscall outside the
// allowed kinds.
func TestSeccompKillsStub(t *testing.T) {
	tests := []struct {
		name string
		nr   uint64
		args []uint64
	}{
		{"getpid", unix.SYS_GETPID, nil},
		{"openat", unix.SYS_OPENAT, []uint64{uint64(^uint32(99)), 0, 0}},
		{"mmap of another fd", unix.SYS_MMAP, []uint64{0x500000, pageSize, unix.PROT_READ, unix.MAP_SHARED | unix.MAP_FIXED, 1, 0}},
		{"anonymous mmap", unix.SYS_MMAP, []uint64{0x500000, pageSize, unix.PROT_READ, unix.MAP_PRIVATE | unix.MAP_ANONYMOUS | unix.MAP_FIXED, ^uint64(0), 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			if _, err := f.c.inject(tt.nr, tt.args...); !errors.Is(err, platform.ErrDead) {
				t.Fatalf("inject = %v, want ErrDead", err)
			}
			if _, err := f.c.Switch(regsAt(codeAddr)); !errors.Is(err, platform.ErrDead) {
				t.Errorf("Switch after the kill = %v, want ErrDead", err)
			}
		})
	}
}

func TestInterrupt(t *testing.T) {
	f := newFixture(t, Options{})
	f.load(t, codeAddr, 0, rx, insSpin)
	regs := regsAt(codeAddr)

	// While running.
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(50 * time.Millisecond)
		f.c.Interrupt()
	}()
	start := time.Now()
	ev, err := f.c.Switch(regs)
	<-done
	if err != nil || ev.Kind != platform.EventInterrupted {
		t.Fatalf("event %+v err %v, want interrupted", ev, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("interrupt took %v", d)
	}
	if regs.IP() != codeAddr {
		t.Errorf("rip %#x after interrupting a spin at %#x", regs.IP(), codeAddr)
	}

	// Requested while not running: the next Switch reports it without running.
	f.c.Interrupt()
	ev, err = f.c.Switch(regs)
	if err != nil || ev.Kind != platform.EventInterrupted {
		t.Fatalf("event %+v err %v, want the pending interrupt", ev, err)
	}

	// Reported once: now the application runs again (to a syscall).
	f.load(t, codeAddr, 0, rx, cat(movEAX(39), insSyscall))
	regs.SetIP(codeAddr)
	ev, err = f.c.Switch(regs)
	if err != nil || ev.Kind != platform.EventSyscall {
		t.Fatalf("event %+v err %v, want a syscall after the interrupt was reported", ev, err)
	}
}

// Host signals sent to the stub never reach the application and are not
// reported as its faults.
func TestHostSignalsSwallowed(t *testing.T) {
	f := newFixture(t, Options{})
	f.load(t, codeAddr, 0, rx, cat(movEAX(110), insSyscall, []byte{0xeb, 0xf7})) // loop: getppid
	regs := regsAt(codeAddr)
	for i, sig := range []unix.Signal{unix.SIGUSR1, unix.SIGSEGV, unix.SIGCHLD, unix.SIGTERM, unix.SIGSTOP, unix.SIGINT} {
		if err := unix.Kill(int(f.as.pid), sig); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 3; j++ {
			ev, err := f.c.Switch(regs)
			if err != nil || ev.Kind != platform.EventSyscall || regs.SyscallNo() != 110 {
				t.Fatalf("after %v (%d): event %+v err %v nr %d", sig, i, ev, err, regs.SyscallNo())
			}
			regs.SetReturn(1)
		}
	}
}

func TestRelease(t *testing.T) {
	f := newFixture(t, Options{})
	pid := f.as.pid
	f.as.Release()
	if err := unix.Kill(int(pid), 0); err != unix.ESRCH {
		t.Errorf("kill(stub, 0) after Release = %v, want ESRCH", err)
	}
	if _, err := f.c.Switch(regsAt(codeAddr)); !errors.Is(err, platform.ErrDead) {
		t.Errorf("Switch after Release = %v, want ErrDead", err)
	}
	if err := f.as.MapFile(codeAddr, pageSize, 0, rx); !errors.Is(err, platform.ErrDead) {
		t.Errorf("MapFile after Release = %v, want ErrDead", err)
	}
	f.as.Release() // idempotent
	f.c.Release()
}

func TestContextReleaseEndsLastThread(t *testing.T) {
	f := newFixture(t, Options{})
	pid := f.as.pid
	f.c.Release()
	if err := unix.Kill(int(pid), 0); err != unix.ESRCH {
		t.Errorf("kill(stub, 0) after releasing its only thread = %v, want ESRCH", err)
	}
}

// A Switch blocked in the stub returns ErrDead when another goroutine
// releases the address space.
func TestReleaseWhileRunning(t *testing.T) {
	f := newFixture(t, Options{})
	f.load(t, codeAddr, 0, rx, insSpin)
	go func() {
		time.Sleep(50 * time.Millisecond)
		f.as.Release()
	}()
	if _, err := f.c.Switch(regsAt(codeAddr)); !errors.Is(err, platform.ErrDead) {
		t.Fatalf("Switch = %v, want ErrDead", err)
	}
}

func TestWrongThread(t *testing.T) {
	f := newFixture(t, Options{})
	errc := make(chan error)
	go func() {
		// This goroutine cannot run on the test's locked OS thread.
		errc <- f.as.MapFile(codeAddr, pageSize, 0, rx)
	}()
	err := <-errc
	if err == nil || !strings.Contains(err.Error(), "traces no thread") {
		t.Errorf("MapFile from another OS thread = %v, want a clear refusal", err)
	}
}

// The stub's tracer is the OS thread of the calling goroutine; several
// address spaces on several locked goroutines run at the same time.
func TestConcurrentAddressSpaces(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const n = 4
	errc := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			runtime.LockOSThread() // for life: this goroutine's thread traces the stub
			errc <- runGetpids(p, 200, uint64(i))
		}(i)
	}
	for i := 0; i < n; i++ {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}

func runGetpids(p *Platform, n int, tag uint64) error {
	memfd, err := unix.MemfdCreate("sentry-test-mem", unix.MFD_CLOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(memfd)
	if err := unix.Ftruncate(memfd, pageSize); err != nil {
		return err
	}
	code := cat(movEAX(39), insSyscall, []byte{0xeb, 0xf7})
	if _, err := unix.Pwrite(memfd, code, 0); err != nil {
		return err
	}
	as, c, err := p.NewAddressSpace(memfd)
	if err != nil {
		return err
	}
	defer as.Release()
	if err := as.MapFile(codeAddr, pageSize, 0, rx); err != nil {
		return err
	}
	regs := regsAt(codeAddr)
	regs.AMD64.Rbx = tag
	for i := 0; i < n; i++ {
		ev, err := c.Switch(regs)
		if err != nil {
			return err
		}
		if ev.Kind != platform.EventSyscall || regs.SyscallNo() != 39 || regs.AMD64.Rbx != tag {
			return fmt.Errorf("stub %d: event %+v nr %d rbx %d", tag, ev, regs.SyscallNo(), regs.AMD64.Rbx)
		}
		regs.SetReturn(uint64(i))
	}
	return nil
}

const helperEnv = "SENTRY_PTRACE_TEST_HELPER"

// TestHelperStub is not a test: run by TestSentryDeathKillsStub in a child
// process, it starts a stub, prints its pid and waits to be killed.
func TestHelperStub(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process only")
	}
	runtime.LockOSThread()
	memfd, err := unix.MemfdCreate("sentry-test-mem", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	as, _, err := p.NewAddressSpace(memfd)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("STUB %d\n", as.(*addressSpace).pid)
	time.Sleep(time.Hour)
}

func TestSentryDeathKillsStub(t *testing.T) {
	// Orphans of the helper become our children, so the stub's fate can
	// be read from its wait status instead of guessed from /proc.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperStub$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stub := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if s, ok := strings.CutPrefix(sc.Text(), "STUB "); ok {
			stub, _ = strconv.Atoi(s)
			break
		}
	}
	if stub <= 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the helper reported no stub")
	}
	if err := unix.Kill(stub, 0); err != nil {
		t.Fatalf("stub %d not running before the kill: %v", stub, err)
	}
	cmd.Process.Signal(unix.SIGKILL)
	cmd.Wait()

	deadline := time.Now().Add(5 * time.Second)
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(stub, &ws, unix.WNOHANG|unix.WALL, nil)
		if err == unix.ECHILD {
			// Not reparented to us: it must be gone altogether.
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", stub)); err == nil {
				t.Fatalf("stub %d survives its sentry and is not our orphan", stub)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if pid == stub {
			if !ws.Signaled() || ws.Signal() != unix.SIGKILL {
				t.Errorf("stub ended with wait status %#x, want killed by SIGKILL", uint32(ws))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stub %d still alive 5s after its sentry was killed", stub)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPlacementOptions: by default the tracer and its stub thread are
// pinned to one CPU once the stub has run (its setup did); with NoPin both
// keep every CPU. A second address space started by a tracer that SetCPUs
// restricted stays within that mask.
func TestPlacementOptions(t *testing.T) {
	var all unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		t.Fatal(err)
	}
	allList := allowedListOfSet(all)
	for _, pin := range []bool{true, false} {
		t.Run(fmt.Sprintf("pin=%v", pin), func(t *testing.T) {
			done := make(chan struct{})
			go func() {
				// A goroutine of its own: SetCPUs sticks to its thread.
				defer close(done)
				f := newFixture(t, Options{NoPin: !pin})
				stub := allowedList(t, f.as.pid)
				tracer := allowedList(t, int32(unix.Gettid()))
				if pin && (strings.ContainsAny(stub, ",-") || tracer != stub) {
					t.Errorf("pinned: stub may run on %q, tracer on %q; want one and the same CPU", stub, tracer)
				}
				if !pin && (stub != allList || tracer != allList) {
					t.Errorf("unpinned: stub may run on %q, tracer on %q; want %q", stub, tracer, allList)
				}
				cpus := cpuList(all)
				last := cpus[len(cpus)-1]
				if err := f.c.SetCPUs([]int{last}); err != nil {
					t.Error(err)
					return
				}
				_, c2, err := f.p.NewAddressSpace(f.memfd)
				if err != nil {
					t.Error(err)
					return
				}
				defer c2.Release()
				if got := allowedList(t, c2.(*context).tid); got != strconv.Itoa(last) {
					t.Errorf("second stub may run on %q, want %d", got, last)
				}
			}()
			<-done
		})
	}
}

// A stub that cannot start is an error, not a hang, and leaves no process.
func TestStartFailure(t *testing.T) {
	runtime.LockOSThread()
	p, err := NewWithOptions(Options{NoPin: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	memfd, err := unix.MemfdCreate("sentry-test-mem", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(memfd)

	if _, _, err := p.NewAddressSpace(-1); err == nil {
		t.Errorf("NewAddressSpace(-1) succeeded")
	}
	good := p.imagePath
	p.imagePath = "/proc/self/fd/" + strconv.Itoa(memfd) // empty: not executable
	if _, _, err := p.NewAddressSpace(memfd); err == nil {
		t.Errorf("NewAddressSpace with an empty stub image succeeded")
	}
	p.imagePath = good
	var ws unix.WaitStatus
	if pid, err := unix.Wait4(-1, &ws, unix.WNOHANG|unix.WALL, nil); err != unix.ECHILD && pid != 0 {
		t.Errorf("a child is left over: pid %d status %#x err %v", pid, uint32(ws), err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.NewAddressSpace(memfd); err == nil {
		t.Errorf("NewAddressSpace after Close succeeded")
	}
}
