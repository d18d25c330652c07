package ptrace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// TestStubNeverDumpsCore: with the sentry's RLIMIT_CORE unlimited and
// core_pattern writing into the working directory, a stub the seccomp
// filter kills (SIGSYS, a core signal) leaves no core file behind. The
// stub's RLIMIT_CORE is 1 (below ELF's minimum dump, and the value that
// aborts piped dumps), so this holds without CAP_SYS_PTRACE too, where the
// stub stays dumpable (checked by hand with the non-dumpable step taken
// out: no core; with the limit raised as well: a core file).
func TestStubNeverDumpsCore(t *testing.T) {
	if pat, err := os.ReadFile("/proc/sys/kernel/core_pattern"); err != nil || strings.HasPrefix(string(pat), "|") {
		t.Logf("core_pattern %q: a piped pattern would not write into the directory; the test still checks the stub's limits", pat)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &old); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unix.Setrlimit(unix.RLIMIT_CORE, &old) })

	f := newFixture(t, Options{})
	limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", f.as.pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(limits), "\n") {
		if strings.HasPrefix(l, "Max core file size") && len(strings.Fields(l)) >= 6 && strings.Fields(l)[4] != "1" {
			t.Errorf("stub: %s", l)
		}
	}
	// The stub is still traceable while non-dumpable.
	f.load(t, codeAddr, 0, rx, cat(movEAX(39), insSyscall))
	if ev, err := f.c.Switch(regsAt(codeAddr)); err != nil || ev.Kind != platform.EventSyscall {
		t.Fatalf("Switch: %+v %v", ev, err)
	}
	if _, err := f.c.inject(unix.SYS_GETPID); !errors.Is(err, platform.ErrDead) {
		t.Fatalf("inject getpid = %v, want the filter to kill the stub", err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("the stub left %s in its working directory", e.Name())
	}
}

// TestVsyscallServed: a call of the vsyscall page's time() entry stops
// as a syscall (time, 201) already returned to the caller, and the result
// the kernel writes is what the caller sees in rax.
func TestVsyscallServed(t *testing.T) {
	f := newFixture(t, Options{})
	const stack = 0x600000
	code := []byte{0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0} // movabs $vsyscall+0x400, %rax
	binary.LittleEndian.PutUint64(code[2:], vsyscallBase+0x400)
	code = cat(code, []byte{0x31, 0xff}, []byte{0xff, 0xd0}, insSyscall) // xor %edi,%edi; call *%rax; syscall
	f.load(t, codeAddr, 0, rx, code)
	if err := f.as.MapFile(stack, pageSize, pageSize, platform.Perms{Read: true, Write: true}); err != nil {
		t.Fatal(err)
	}
	regs := regsAt(codeAddr)
	regs.AMD64.Rsp = stack + pageSize - 64
	ev, err := f.c.Switch(regs)
	if err != nil || ev.Kind != platform.EventSyscall {
		t.Fatalf("event %+v err %v, want a syscall", ev, err)
	}
	afterCall := uint64(codeAddr + 14)
	if r := regs.AMD64; r.OrigRax != unix.SYS_TIME || r.Rip != afterCall || r.Rsp != stack+pageSize-64 || r.Rdi != 0 {
		t.Fatalf("vsyscall stop: orig_rax %d rip %#x rsp %#x, want %d %#x %#x", r.OrigRax, r.Rip, r.Rsp, unix.SYS_TIME, afterCall, stack+pageSize-64)
	}
	regs.AMD64.Rax = 4242 // the kernel's result: the next syscall's number
	ev, err = f.c.Switch(regs)
	if err != nil || ev.Kind != platform.EventSyscall || regs.AMD64.OrigRax != 4242 || regs.AMD64.Rip != afterCall+2 {
		t.Fatalf("after the vsyscall: event %+v err %v orig_rax %d rip %#x", ev, err, regs.AMD64.OrigRax, regs.AMD64.Rip)
	}
}

// TestKernelHalfBaseIsSIGSEGV: registers carrying an fs or gs base at or
// above TASK_SIZE_MAX (what wrfsbase/wrgsbase can leave, and ptrace cannot
// load) make Switch report SIGSEGV with the base reset, not fail; the
// program then runs on.
func TestKernelHalfBaseIsSIGSEGV(t *testing.T) {
	f := newFixture(t, Options{})
	f.load(t, codeAddr, 0, rx, cat(movEAX(39), insSyscall))
	for _, base := range []uint64{taskSizeMax, 0xffff800000000000} {
		regs := regsAt(codeAddr)
		regs.AMD64.GsBase = base
		ev, err := f.c.Switch(regs)
		if err != nil || ev.Kind != platform.EventSignal || ev.Signo != int(unix.SIGSEGV) || regs.AMD64.GsBase != 0 {
			t.Fatalf("gs base %#x: event %+v err %v gs base now %#x", base, ev, err, regs.AMD64.GsBase)
		}
		if ev, err := f.c.Switch(regs); err != nil || ev.Kind != platform.EventSyscall {
			t.Fatalf("after the reset: event %+v err %v", ev, err)
		}
	}
}
