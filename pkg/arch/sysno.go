package arch

import (
	"sort"
	"strconv"
)

//go:generate go run ./gen

// Name is the Linux name of the syscall ("read", "riscv_hwprobe"), or ""
// for SysInvalid and out-of-range values.
func (s Sysno) Name() string {
	if s < 0 || s >= NumSysno {
		return ""
	}
	return sysnoNames[s]
}

func (s Sysno) String() string {
	if s <= SysInvalid || s >= NumSysno {
		return "Sysno(" + strconv.Itoa(int(s)) + ")"
	}
	return sysnoNames[s]
}

// SysnoByName finds the Sysno of a Linux syscall name.
func SysnoByName(name string) (Sysno, bool) {
	// sysnoNames[1:] is sorted by the generator.
	names := sysnoNames[1:]
	i := sort.SearchStrings(names, name)
	if i < len(names) && names[i] == name && name != "" {
		return Sysno(i + 1), true
	}
	return SysInvalid, false
}

// Lookup maps an application's syscall number to the neutral Sysno. It is
// on the path of every syscall, so it is a bounds check and an array load.
func Lookup(a Arch, nr uint64) (Sysno, bool) {
	var s Sysno
	switch a {
	case AMD64:
		if nr < uint64(len(amd64Sysno)) {
			s = amd64Sysno[nr]
		}
	case RISCV64:
		if nr < uint64(len(riscv64Sysno)) {
			s = riscv64Sysno[nr]
		}
	}
	return s, s != SysInvalid
}

// Number is the syscall number of s on a, if a has that syscall.
func Number(a Arch, s Sysno) (uint64, bool) {
	if s < 0 || s >= NumSysno {
		return 0, false
	}
	var n uint16
	switch a {
	case AMD64:
		n = amd64Number[s]
	case RISCV64:
		n = riscv64Number[s]
	}
	if n == 0 {
		return 0, false
	}
	return uint64(n - 1), true
}
