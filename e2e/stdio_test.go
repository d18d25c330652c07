package e2e

import (
	"path/filepath"
	"testing"
)

// TestRestartSyscallWithNothingToRestartIsEINTR: restart_syscall called by
// hand returns EINTR, as Linux does, on amd64 and riscv64, instead of
// restarting itself forever.
func TestRestartSyscallWithNothingToRestartIsEINTR(t *testing.T) {
	sameAsNative(t, "restart_none", 0)
	want := "restart_syscall: -1 Interrupted system call\n"
	prog := buildRISCVFrom(t, filepath.Join("c", "restart_none.c"))
	got := sentry(t, "run", prog)
	if got.status != 0 || got.stdout != want+want {
		t.Errorf("riscv64: status %d stdout %q stderr %q; want %q twice", got.status, got.stdout, got.stderr, want)
	}
}
