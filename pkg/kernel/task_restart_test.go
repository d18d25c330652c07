package kernel

import (
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/signals"
)

// TestFixRestart checks Linux's restart table: what an interrupted call
// becomes for each restart errno, with no handler, a handler without
// SA_RESTART and one with it.
func TestFixRestart(t *testing.T) {
	const nr, arg0, rip = 202, 0x1000, 0x401002
	restartNr, _ := arch.Number(arch.AMD64, restartSyscallSysno)
	noHandler := (*signals.Action)(nil)
	plain := &signals.Action{Handler: 0x5000}
	restart := &signals.Action{Handler: 0x5000, Flags: signals.SARestart}
	eintr := uint64(negErrno(unix.EINTR))
	tests := []struct {
		kind    restartErr
		act     *signals.Action
		wantRax uint64
		wantRip uint64
	}{
		{errRestartSys, noHandler, nr, rip - 2},
		{errRestartSys, plain, eintr, rip},
		{errRestartSys, restart, nr, rip - 2},
		{errRestartNoIntr, plain, nr, rip - 2},
		{errRestartNoHand, noHandler, nr, rip - 2},
		{errRestartNoHand, restart, eintr, rip},
		{errRestartBlock, noHandler, restartNr, rip - 2},
		{errRestartBlock, restart, eintr, rip},
	}
	for _, tt := range tests {
		task := &Task{regs: arch.Regs{Arch: arch.AMD64}}
		task.regs.AMD64.Rax, task.regs.AMD64.Rip = eintr, rip
		task.restart = restartState{kind: tt.kind, nr: nr, arg0: arg0}
		task.fixRestart(tt.act)
		if got := task.regs.AMD64; got.Rax != tt.wantRax || got.Rip != tt.wantRip {
			t.Errorf("%v with %+v: rax %#x rip %#x, want %#x %#x", tt.kind, tt.act, got.Rax, got.Rip, tt.wantRax, tt.wantRip)
		}
		if task.restart.kind != 0 {
			t.Errorf("%v: restart still pending", tt.kind)
		}
	}
}

func TestSetRestartPolicy(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want restartErr
	}{
		{"read", unix.EINTR, errRestartSys},
		{"epoll_wait", unix.EINTR, 0},
		{"rt_sigtimedwait", unix.EINTR, 0},
		{"poll", unix.EINTR, errRestartNoHand},
		{"nanosleep", errRestartBlock, errRestartBlock},
		{"read", unix.EAGAIN, 0},
		{"restart_syscall", unix.EINTR, 0},
	}
	for _, tt := range tests {
		task := &Task{}
		sc := &Syscall{}
		sc.Name = tt.name
		got := task.setRestart(sc, 0, [6]uint64{}, tt.err)
		if got != (tt.want != 0) || task.restart.kind != tt.want {
			t.Errorf("%s %v: recorded %v kind %v, want %v", tt.name, tt.err, got, task.restart.kind, tt.want)
		}
	}
}

func TestWakeOpDecoding(t *testing.T) {
	for _, tt := range []struct {
		v    uint32
		want int32
	}{{0x7ff, 2047}, {0x800, -2048}, {0xfff, -1}, {0x1fff, -1}} {
		if got := signExtend12(tt.v); got != tt.want {
			t.Errorf("signExtend12(%#x) = %d, want %d", tt.v, got, tt.want)
		}
	}
}
