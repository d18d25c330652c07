package kernel

import (
	"testing"

	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/arch"
	"sentry/pkg/vfs"
)

// TestLinuxLayoutSizes pins the sizes of the structs the sentry copies to
// applications to Linux's sizeof on 64-bit (amd64; riscv64 where noted).
func TestLinuxLayoutSizes(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  int
		want int
	}{
		{"stat amd64", len(marshalStat(arch.AMD64, vfs.Stat{})), 144},
		{"stat riscv64", len(marshalStat(arch.RISCV64, vfs.Stat{})), 128},
		{"statx", len(marshalStatx(vfs.Stat{})), 256},
		{"statfs", len(marshalStatfs(vfs.Statfs{})), 120},
		{"rlimit", fixed[linux.RLimit]{&linux.RLimit{}}.SizeBytes(), 16},
		{"rusage", len(rusageBytes(cpuTimes{})), 144},
		{"flock", (&linux.Flock{}).SizeBytes(), 32},
		{"sigevent", (&linux.Sigevent{}).SizeBytes(), 64},
		{"siginfo", (&linux.SignalInfo{}).SizeBytes(), 128},
		{"pollfd", (&linux.PollFD{}).SizeBytes(), 8},
		{"itimerspec", (&linux.Itimerspec{}).SizeBytes(), 32},
		{"itimerval", (&linux.ItimerVal{}).SizeBytes(), 32},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d bytes, want %d", tc.name, tc.got, tc.want)
		}
	}
	b := marshal(fixed[linux.RLimit]{&linux.RLimit{Cur: 1, Max: 2}})
	var back linux.RLimit
	fixed[linux.RLimit]{&back}.UnmarshalBytes(b)
	if back.Cur != 1 || back.Max != 2 || b[0] != 1 || b[8] != 2 {
		t.Errorf("rlimit round trip: % x -> %+v", b, back)
	}
}
