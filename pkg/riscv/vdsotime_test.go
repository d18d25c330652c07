package riscv

import (
	"encoding/binary"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

// TestVDSOTime: with the platform serving time, clock_gettime of
// CLOCK_REALTIME and CLOCK_MONOTONIC into a good buffer is answered
// without an EventSyscall and matches the host clock; every other case
// (option off, another clock, a bad or misaligned buffer) reaches the
// kernel as the ecall it is.
func TestVDSOTime(t *testing.T) {
	const exitNr = 93
	tests := []struct {
		name    string
		on      bool
		clock   uint64
		buf     uint64
		inline  bool
		hostClk int
	}{
		{"realtime", true, 0, dataBase + 64, true, unix.CLOCK_REALTIME},
		{"monotonic", true, 1, dataBase + 64, true, unix.CLOCK_MONOTONIC},
		{"off", false, 0, dataBase + 64, false, 0},
		{"boottime traps", true, 7, dataBase + 64, false, 0},
		{"unmapped buffer traps", true, 0, 0x900000, false, 0},
		{"read-only buffer traps", true, 0, codeBase + 0x800, false, 0},
		{"misaligned buffer traps", true, 1, dataBase + 68, false, 0},
		{"buffer across a page traps", true, 1, dataBase + pageSize - 8, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newMachine(t)
			m.ctx.cpu.vdsoTime = tc.on
			m.load(
				addi(17, 0, 113), // li a7, clock_gettime
				insnEcall,
				addi(17, 0, exitNr), // li a7, exit
			)
			var r arch.Regs
			r.RISCV64.X[10] = tc.clock
			r.RISCV64.X[11] = tc.buf
			var before unix.Timespec
			if tc.inline {
				unix.ClockGettime(int32(tc.hostClk), &before)
			}
			ev := m.run(&r)
			if ev.Kind != platform.EventSyscall {
				t.Fatalf("event %+v, want a syscall", ev)
			}
			got := r.RISCV64.X[17]
			if !tc.inline {
				if got != 113 || r.RISCV64.PC != codeBase+8 {
					t.Fatalf("stopped at pc %#x with a7=%d, want the clock_gettime ecall (pc %#x, a7 113)", r.RISCV64.PC, got, codeBase+8)
				}
				return
			}
			var after unix.Timespec
			unix.ClockGettime(int32(tc.hostClk), &after)
			if got != exitNr || r.RISCV64.X[10] != 0 {
				t.Fatalf("stopped with a7=%d a0=%d, want clock_gettime served inline (a0 0) and the exit ecall", got, r.RISCV64.X[10])
			}
			off := dataOff + tc.buf - dataBase
			sec := int64(binary.LittleEndian.Uint64(m.data[off:]))
			nsec := int64(binary.LittleEndian.Uint64(m.data[off+8:]))
			v := time.Duration(sec)*time.Second + time.Duration(nsec)
			if nsec < 0 || nsec >= 1e9 || v < time.Duration(before.Nano()) || v > time.Duration(after.Nano()) {
				t.Fatalf("time %d.%09d not within the host's [%d, %d] ns", sec, nsec, before.Nano(), after.Nano())
			}
		})
	}
}

// TestSetVDSOTime: the option reaches threads of later address spaces.
func TestSetVDSOTime(t *testing.T) {
	m := newMachine(t)
	m.p.SetVDSOTime(true)
	fd, err := unix.MemfdCreate("riscv-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Ftruncate(fd, memSize); err != nil {
		t.Fatal(err)
	}
	as, ctx, err := m.p.NewAddressSpace(fd)
	if err != nil {
		t.Fatal(err)
	}
	defer as.Release()
	if !ctx.(*context).cpu.vdsoTime {
		t.Fatal("new address space's first thread does not serve time")
	}
	st, err := as.(platform.ThreadCreator).NewThread()
	if err != nil {
		t.Fatal(err)
	}
	c2, err := st.Start()
	if err != nil {
		t.Fatal(err)
	}
	if !c2.(*context).cpu.vdsoTime {
		t.Fatal("new thread does not serve time")
	}
}
