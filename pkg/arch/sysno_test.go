package arch

import "testing"

func TestSysnoFacts(t *testing.T) {
	for _, c := range []struct {
		a    Arch
		nr   uint64
		s    Sysno
		name string
	}{
		{AMD64, 0, SysRead, "read"},
		{AMD64, 1, SysWrite, "write"},
		{AMD64, 9, SysMmap, "mmap"},
		{AMD64, 158, SysArchPrctl, "arch_prctl"},
		{AMD64, 257, SysOpenat, "openat"},
		{AMD64, 262, SysNewfstatat, "newfstatat"},
		{AMD64, 316, SysRenameat2, "renameat2"},
		{AMD64, 435, SysClone3, "clone3"},
		{RISCV64, 56, SysOpenat, "openat"},
		{RISCV64, 63, SysRead, "read"},
		{RISCV64, 79, SysNewfstatat, "newfstatat"},
		{RISCV64, 222, SysMmap, "mmap"},
		{RISCV64, 258, SysRiscvHwprobe, "riscv_hwprobe"},
		{RISCV64, 259, SysRiscvFlushIcache, "riscv_flush_icache"},
		{RISCV64, 276, SysRenameat2, "renameat2"},
	} {
		s, ok := Lookup(c.a, c.nr)
		if !ok || s != c.s {
			t.Errorf("Lookup(%v, %d) = %v, %v; want %v", c.a, c.nr, s, ok, c.s)
		}
		if s.Name() != c.name || s.String() != c.name {
			t.Errorf("%d.Name() = %q, String() = %q; want %q", int(s), s.Name(), s.String(), c.name)
		}
		nr, ok := Number(c.a, c.s)
		if !ok || nr != c.nr {
			t.Errorf("Number(%v, %v) = %d, %v; want %d", c.a, c.s, nr, ok, c.nr)
		}
		if byName, ok := SysnoByName(c.name); !ok || byName != c.s {
			t.Errorf("SysnoByName(%q) = %v, %v", c.name, byName, ok)
		}
	}
}

func TestSysnoAbsent(t *testing.T) {
	for _, c := range []struct {
		a Arch
		s Sysno
	}{
		{RISCV64, SysRenameat}, // riscv64 has only renameat2
		{RISCV64, SysOpen},
		{RISCV64, SysFork},
		{RISCV64, SysArchPrctl},
		{AMD64, SysRiscvHwprobe},
		{AMD64, SysInvalid},
		{AMD64, NumSysno},
		{AMD64, -1},
		{Arch(7), SysRead},
	} {
		if nr, ok := Number(c.a, c.s); ok {
			t.Errorf("Number(%v, %d) = %d, want absent", c.a, int(c.s), nr)
		}
	}
	for _, c := range []struct {
		a  Arch
		nr uint64
	}{
		{RISCV64, 38},  // renameat's generic number, unused on riscv64
		{RISCV64, 244}, // arch_specific_syscall is a base, not a syscall
		{AMD64, 1 << 40},
		{AMD64, ^uint64(0)},
		{RISCV64, 10000},
		{Arch(7), 0},
	} {
		if s, ok := Lookup(c.a, c.nr); ok || s != SysInvalid {
			t.Errorf("Lookup(%v, %d) = %v, %v; want SysInvalid", c.a, c.nr, s, ok)
		}
	}
	if _, ok := SysnoByName(""); ok {
		t.Error(`SysnoByName("") found something`)
	}
	if _, ok := SysnoByName("no_such_call"); ok {
		t.Error("SysnoByName found no_such_call")
	}
	if SysInvalid.Name() != "" || NumSysno.Name() != "" || Sysno(-3).Name() != "" {
		t.Error("invalid Sysno has a name")
	}
}

// TestTablesRoundTrip checks Lookup and Number are inverse on every number.
func TestTablesRoundTrip(t *testing.T) {
	for _, a := range []Arch{AMD64, RISCV64} {
		count := 0
		for nr := uint64(0); nr < 1024; nr++ {
			s, ok := Lookup(a, nr)
			if !ok {
				continue
			}
			count++
			back, ok := Number(a, s)
			if !ok || back != nr {
				t.Errorf("%v: Number(Lookup(%d)=%v) = %d, %v", a, nr, s, back, ok)
			}
		}
		if count < 300 {
			t.Errorf("%v: only %d syscalls", a, count)
		}
	}
	for s := SysInvalid + 1; s < NumSysno; s++ {
		_, ok1 := Number(AMD64, s)
		_, ok2 := Number(RISCV64, s)
		if !ok1 && !ok2 {
			t.Errorf("%v exists on no architecture", s)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	var sink Sysno
	for i := 0; i < b.N; i++ {
		s, _ := Lookup(AMD64, uint64(i&255))
		sink += s
	}
	_ = sink
}

// TestKindNames: every name in the kind table is a real syscall (a typo
// would silently make it "other").
func TestKindNames(t *testing.T) {
	for name, k := range kindOf {
		if _, ok := SysnoByName(name); !ok && name != "mmap2" && name != "riscv_flush_icache" {
			t.Errorf("kind table names %q (%v), which no arch has", name, k)
		}
	}
	for _, c := range []struct {
		name string
		want Kind
	}{{"mmap", KindMemory}, {"openat", KindFiles}, {"accept4", KindNetwork}, {"rt_sigaction", KindSignals},
		{"clock_gettime", KindTime}, {"futex", KindThreads}, {"uname", KindOther}, {"", KindOther}} {
		if got := KindByName(c.name); got != c.want {
			t.Errorf("KindByName(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}
