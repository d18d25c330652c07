package ptrace

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

func TestOnlyRaxDiffers(t *testing.T) {
	base := arch.AMD64Regs{Rax: 1, Rip: 0x400000, Cs: 0x33}
	tests := []struct {
		name   string
		change func(*arch.AMD64Regs)
		want   bool
	}{
		{"rax", func(r *arch.AMD64Regs) { r.Rax = 2 }, true},
		{"rip", func(r *arch.AMD64Regs) { r.Rip++ }, false},
		{"rax and rdi", func(r *arch.AMD64Regs) { r.Rax, r.Rdi = 2, 3 }, false},
		{"fs base", func(r *arch.AMD64Regs) { r.FsBase = 0x1000 }, false},
		{"orig rax", func(r *arch.AMD64Regs) { r.OrigRax = 5 }, false},
	}
	for _, tt := range tests {
		r := base
		tt.change(&r)
		if got := onlyRaxDiffers(&r, &base); got != tt.want {
			t.Errorf("%s: onlyRaxDiffers = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Registers the kernel sets reach the application: general registers
// through PTRACE_SETREGS, the TLS base through fs_base.
func TestRegistersReachApplication(t *testing.T) {
	const data = 0x500000
	f := newFixture(t, Options{})
	code := cat(
		[]byte{0x64, 0x48, 0x8b, 0x3c, 0x25, 0x08, 0x00, 0x00, 0x00}, // mov %fs:8, %rdi
		[]byte{0x48, 0x89, 0xde},                                     // mov %rbx, %rsi
		[]byte{0x4c, 0x89, 0xfa},                                     // mov %r15, %rdx
		movEAX(39),
		insSyscall,
	)
	f.load(t, codeAddr, 0, rx, code)
	binary.LittleEndian.PutUint64(f.mem[pageSize+8:], 0x5555)
	if err := f.as.MapFile(data, pageSize, pageSize, platform.Perms{Read: true, Write: true}); err != nil {
		t.Fatal(err)
	}
	regs := regsAt(codeAddr)
	regs.SetTLS(data)
	regs.AMD64.Rbx = 0x1111
	regs.AMD64.R15 = 0x2222
	ev, err := f.c.Switch(regs)
	if err != nil || ev.Kind != platform.EventSyscall {
		t.Fatalf("event %+v err %v", ev, err)
	}
	if got, want := regs.SyscallArgs(), [6]uint64{0x5555, 0x1111, 0x2222}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("args %#x, want %#x first", got, want)
	}
	if regs.TLS() != data {
		t.Errorf("TLS %#x after the stop, want %#x", regs.TLS(), data)
	}
}

// vdsoSymbol finds a function in the stub's vDSO, read from its memory.
func vdsoSymbol(t *testing.T, as *addressSpace, name string) uint64 {
	t.Helper()
	base := as.VDSO()
	var end uint64
	for _, r := range as.Reserved() {
		if r.Start == base {
			end = r.End
		}
	}
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", as.pid))
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	img := make([]byte, end-base)
	if _, err := mem.ReadAt(img, int64(base)); err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("the vDSO is not ELF: %v", err)
	}
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Name == name {
			if s.Value < base {
				return base + s.Value
			}
			return s.Value
		}
	}
	t.Fatalf("the vDSO has no %s", name)
	return 0
}

// The kept vDSO and its data pages work: clock_gettime through the vDSO
// returns without a syscall stop when the host clock allows it.
func TestVDSOClockGettime(t *testing.T) {
	const data = 0x500000
	f := newFixture(t, Options{})
	fn := vdsoSymbol(t, f.as, "__vdso_clock_gettime")
	code := cat(
		[]byte{0xbf, 0x01, 0, 0, 0},                                   // mov $CLOCK_MONOTONIC, %edi
		[]byte{0xbe, 0x00, 0x00, 0x50, 0x00},                          // mov $data, %esi
		[]byte{0x48, 0xb8}, binary.LittleEndian.AppendUint64(nil, fn), // mov $fn, %rax
		[]byte{0xff, 0xd0},       // call *%rax
		[]byte{0x48, 0x89, 0xc7}, // mov %rax, %rdi
		movEAX(39),
		insSyscall,
	)
	f.load(t, codeAddr, 0, rx, code)
	if err := f.as.MapFile(data, pageSize, pageSize, platform.Perms{Read: true, Write: true}); err != nil {
		t.Fatal(err)
	}
	regs := regsAt(codeAddr)
	regs.SetSP(data + pageSize - 0x100)
	ev, err := f.c.Switch(regs)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind == platform.EventSyscall && regs.SyscallNo() == unix.SYS_CLOCK_GETTIME {
		t.Skip("the host clocksource has no vDSO fast path: clock_gettime trapped (as it would on this host)")
	}
	if ev.Kind != platform.EventSyscall || regs.SyscallNo() != 39 {
		t.Fatalf("event %+v nr %d, want the getpid after the vDSO call", ev, regs.SyscallNo())
	}
	if ret := regs.SyscallArgs()[0]; ret != 0 {
		t.Errorf("vDSO clock_gettime returned %d", int64(ret))
	}
	sec := binary.LittleEndian.Uint64(f.mem[pageSize:])
	nsec := binary.LittleEndian.Uint64(f.mem[pageSize+8:])
	if (sec == 0 && nsec == 0) || nsec >= 1e9 {
		t.Errorf("timespec {%d, %d}", sec, nsec)
	}
}
