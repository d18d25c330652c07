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
		{"cap_user_header", (&linux.CapUserHeader{}).SizeBytes(), 8},
		{"cap_user_data[2]", make(slice[linux.CapUserData, *linux.CapUserData], 2).SizeBytes(), 24},
		{"stack_t", (&linux.SignalStack{}).SizeBytes(), 24},
		{"f_owner_ex", (&linux.FOwnerEx{}).SizeBytes(), 8},
		{"utimbuf", (&linux.Utime{}).SizeBytes(), 16},
		{"termios", (&linux.Termios{}).SizeBytes(), 36},
		{"winsize", (&linux.Winsize{}).SizeBytes(), 8},
		{"timespec[2]", make(slice[linux.Timespec, *linux.Timespec], 2).SizeBytes(), 32},
		{"tms", (&linux.Tms{}).SizeBytes(), 32},
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

// TestSliceIsTheElementsBackToBack: an array marshals as its elements in
// turn and reads back the same.
func TestSliceIsTheElementsBackToBack(t *testing.T) {
	in := slice[linux.PollFD, *linux.PollFD]{{FD: 3, Events: 1}, {FD: -1, Events: 4, REvents: 8}}
	b := marshal(in)
	want := append(marshal(&in[0]), marshal(&in[1])...)
	if string(b) != string(want) {
		t.Fatalf("% x, want % x", b, want)
	}
	out := make(slice[linux.PollFD, *linux.PollFD], 2)
	if rest := out.UnmarshalBytes(b); len(rest) != 0 || out[0] != in[0] || out[1] != in[1] {
		t.Fatalf("read back %+v (%d bytes left), want %+v", out, len(rest), in)
	}
}
