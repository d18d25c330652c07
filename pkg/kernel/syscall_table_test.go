package kernel

import (
	"testing"

	"sentry/pkg/arch"
	tr "sentry/pkg/strace"
)

func mustSysno(t *testing.T, name string) arch.Sysno {
	s, _ := arch.SysnoByName(name)
	return s
}

// TestSyscallTableIsConsistent guards the one description per syscall:
// every name is a real Linux syscall of some architecture, appears once,
// and takes at most six arguments.
func TestSyscallTableIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range syscalls {
		if _, ok := arch.SysnoByName(sc.Name); !ok {
			t.Errorf("%s: not a syscall name x/sys knows", sc.Name)
		}
		if seen[sc.Name] {
			t.Errorf("%s: described twice", sc.Name)
		}
		seen[sc.Name] = true
		if len(sc.Args) > 6 {
			t.Errorf("%s: %d arguments", sc.Name, len(sc.Args))
		}
		if _, described := tr.Describe(mustSysno(t, sc.Name)); described && sc.Args != nil {
			t.Errorf("%s: strace.Describe already describes its arguments; declare it with sys(), not def()", sc.Name)
		}
		if sc.Fn == nil && sc.Support != Unsupported {
			t.Errorf("%s: no handler but marked %v", sc.Name, sc.Support)
		}
	}
}

func TestLookupByArchNumber(t *testing.T) {
	st, err := newSyscallTable(syscalls)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		a    arch.Arch
		nr   uint64
		name string
	}{
		{arch.AMD64, 0, "read"},
		{arch.AMD64, 257, "openat"},
		{arch.RISCV64, 56, "openat"},
		{arch.RISCV64, 79, "newfstatat"},
		{arch.AMD64, 262, "newfstatat"},
	} {
		sc := st.lookup(tc.a, tc.nr)
		if sc.Name != tc.name || sc.Fn == nil {
			t.Errorf("%v %d: got %q (handler %v), want %q", tc.a, tc.nr, sc.Name, sc.Fn != nil, tc.name)
		}
	}
	if sc := st.lookup(arch.AMD64, 100000); sc.Fn != nil || sc.Name == "" {
		t.Errorf("unknown number: got %q with a handler", sc.Name)
	}
}

// TestSyscallTableRefusesUnknownAndDoubleNames: a misspelt name or a
// second description of one syscall stops the kernel from being built
// (kernel.New fails), rather than leaving the call unsupported.
func TestSyscallTableRefusesUnknownAndDoubleNames(t *testing.T) {
	if _, err := newSyscallTable(syscalls); err != nil {
		t.Fatalf("the real table: %v", err)
	}
	for _, descs := range [][]Syscall{
		{sys("read", sysRead, Full), sys("raed", sysRead, Full)},
		{sys("read", sysRead, Full), sys("read", sysWrite, Full)},
	} {
		if _, err := newSyscallTable(descs); err == nil {
			t.Errorf("%s, %s: accepted", descs[0].Name, descs[1].Name)
		}
	}
}
