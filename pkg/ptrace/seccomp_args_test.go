package ptrace

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// TestSeccompChecksArguments: a syscall the stub may make, with
// arguments other than the ones the sentry injects, kills the stub; the
// injected forms themselves still work.
func TestSeccompChecksArguments(t *testing.T) {
	const addr = 0x500000
	mm := func(prot, flags, fd uint64) []uint64 { return []uint64{addr, pageSize, prot, flags, fd, 0} }
	tests := []struct {
		name string
		nr   uint64
		args []uint64
	}{
		{"mmap private of the memory file", unix.SYS_MMAP, mm(unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_FIXED, stubMemFD)},
		{"mmap shared without MAP_FIXED", unix.SYS_MMAP, mm(unix.PROT_READ, unix.MAP_SHARED, stubMemFD)},
		{"mmap with MAP_POPULATE", unix.SYS_MMAP, mm(unix.PROT_READ, stubMmapFlags|unix.MAP_POPULATE, stubMemFD)},
		{"mmap with PROT_GROWSDOWN", unix.SYS_MMAP, mm(unix.PROT_READ|unix.PROT_GROWSDOWN, stubMmapFlags, stubMemFD)},
		{"mmap with prot's high half set", unix.SYS_MMAP, mm(unix.PROT_READ|1<<32, stubMmapFlags, stubMemFD)},
		{"mmap with flags' high half set", unix.SYS_MMAP, mm(unix.PROT_READ, stubMmapFlags|1<<32, stubMemFD)},
		{"mprotect", unix.SYS_MPROTECT, []uint64{stubBase, pageSize, unix.PROT_READ | unix.PROT_WRITE | unix.PROT_EXEC}},
		{"clone as fork", unix.SYS_CLONE, []uint64{uint64(unix.SIGCHLD), 0, 0, 0, 0}},
		{"clone into a new user namespace", unix.SYS_CLONE, []uint64{stubCloneFlags | unix.CLONE_NEWUSER, 0, 0, 0, 0}},
		{"clone with a stack", unix.SYS_CLONE, []uint64{stubCloneFlags, addr, 0, 0, 0}},
		{"clone with a TLS", unix.SYS_CLONE, []uint64{stubCloneFlags | unix.CLONE_SETTLS, 0, 0, 0, addr}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			if _, err := f.c.inject(tt.nr, tt.args...); !errors.Is(err, platform.ErrDead) {
				t.Fatalf("inject = %v, want ErrDead (killed by seccomp)", err)
			}
		})
	}

	// What the sentry injects passes both filters: every protection
	// MapFile uses, and a thread.
	f := newFixture(t, Options{})
	for _, p := range []platform.Perms{{Read: true}, {Read: true, Write: true}, {Read: true, Execute: true}, {Read: true, Write: true, Execute: true}} {
		if err := f.as.MapFile(addr, pageSize, 0, p); err != nil {
			t.Fatalf("MapFile %+v: %v", p, err)
		}
	}
	if _, err := f.as.NewThread(); err != nil {
		t.Fatalf("NewThread: %v", err)
	}
	f.load(t, codeAddr, 0, rx, cat(movEAX(39), insSyscall))
	if ev, err := f.c.Switch(regsAt(codeAddr)); err != nil || ev.Kind != platform.EventSyscall {
		t.Fatalf("event %+v err %v", ev, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", f.as.pid))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "Seccomp_filters:\t2") {
		t.Errorf("stub status lacks two seccomp filters:\n%s", status)
	}
}
