package ptrace

import (
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// addressSpace is one stub process. Its mappings are changed by injecting
// syscalls through the stub thread that the calling OS thread traces.
type addressSpace struct {
	pid int32 // the stub process (and its first thread)

	// Set by setup, read-only after.
	reserved []platform.Range
	vdso     uint64
	bind     bool        // stub threads follow their tracer's CPU (placement.go)
	allowed  unix.CPUSet // CPUs the sentry may run on
	balance  *balancer   // the platform's, nil when not binding
	plat     *Platform
	joinNS   bool   // started with the sandbox's namespaces as fds 1, 2, ...
	wantVDSO uint64 // where setup puts the vDSO (0: where the host put it)

	// reaped is set once some wait4 has collected the stub's exit.
	reaped      atomic.Bool
	releaseOnce sync.Once

	mu       sync.Mutex
	threads  map[int32]*context // by the id of the OS thread tracing it
	released bool
}

var _ platform.AddressSpace = (*addressSpace)(nil)

const pageSize = 4096

// callerThread returns the stub thread traced by the calling OS thread.
// as.mu must be held.
func (as *addressSpace) callerThread() (*context, error) {
	if as.released {
		return nil, fmt.Errorf("ptrace: address space of stub %d: %w", as.pid, platform.ErrDead)
	}
	self := int32(unix.Gettid())
	c := as.threads[self]
	if c == nil {
		return nil, fmt.Errorf("ptrace: OS thread %d traces no thread of stub %d; call from a task goroutine of this address space (locked to its OS thread)", self, as.pid)
	}
	return c, nil
}

// checkRange rejects ranges that are not page aligned, wrap around, or
// touch what the stub needs to keep working.
func (as *addressSpace) checkRange(addr, length uint64) error {
	if addr%pageSize != 0 || length%pageSize != 0 || length == 0 || addr+length < addr {
		return fmt.Errorf("ptrace: range [%#x, +%#x) is not a non-empty page-aligned range: %w", addr, length, unix.EINVAL)
	}
	for _, r := range as.reserved {
		if addr < r.End && r.Start < addr+length {
			return fmt.Errorf("ptrace: range [%#x, %#x) overlaps reserved [%#x, %#x): %w",
				addr, addr+length, r.Start, r.End, unix.EINVAL)
		}
	}
	return nil
}

// MapFile injects mmap(addr, length, prot, MAP_SHARED|MAP_FIXED, memfd, off).
func (as *addressSpace) MapFile(addr, length uint64, fileOffset int64, perms platform.Perms) error {
	if err := as.checkRange(addr, length); err != nil {
		return err
	}
	if fileOffset < 0 || fileOffset%pageSize != 0 {
		return fmt.Errorf("ptrace: mapping [%#x, %#x): bad file offset %#x: %w", addr, addr+length, fileOffset, unix.EINVAL)
	}
	prot := uint64(unix.PROT_NONE)
	if perms.Read {
		prot |= unix.PROT_READ
	}
	if perms.Write {
		prot |= unix.PROT_WRITE
	}
	if perms.Execute {
		prot |= unix.PROT_EXEC
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	c, err := as.callerThread()
	if err != nil {
		return err
	}
	got, err := c.injectErrno(unix.SYS_MMAP, addr, length, prot, stubMmapFlags, stubMemFD, uint64(fileOffset))
	if err != nil {
		return fmt.Errorf("ptrace: mapping [%#x, %#x) to the memory file at %#x: %w", addr, addr+length, fileOffset, err)
	}
	if got != addr {
		return fmt.Errorf("ptrace: mapping [%#x, %#x): the stub mapped it at %#x", addr, addr+length, got)
	}
	return nil
}

// Unmap injects munmap(addr, length).
func (as *addressSpace) Unmap(addr, length uint64) error {
	if err := as.checkRange(addr, length); err != nil {
		return err
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	c, err := as.callerThread()
	if err != nil {
		return err
	}
	if _, err := c.injectErrno(unix.SYS_MUNMAP, addr, length); err != nil {
		return fmt.Errorf("ptrace: unmapping [%#x, %#x): %w", addr, addr+length, err)
	}
	return nil
}

// Reserved returns the stub page, the vDSO and the vDSO's data pages.
func (as *addressSpace) Reserved() []platform.Range {
	return append([]platform.Range(nil), as.reserved...)
}

// VDSO returns the address of the host vDSO in the stub, or 0.
func (as *addressSpace) VDSO() uint64 { return as.vdso }

// Release kills the stub and reaps it. Safe from any goroutine, idempotent.
func (as *addressSpace) Release() {
	as.releaseOnce.Do(func() {
		// Kill first: a Switch blocked in wait4 then returns promptly,
		// and an injection holding mu finishes.
		_ = unix.Kill(int(as.pid), unix.SIGKILL)
		as.mu.Lock()
		as.released = true
		for _, c := range as.threads {
			c.dead.Store(true)
		}
		as.mu.Unlock()
		if !as.reaped.Load() {
			killAndReap(as.pid)
			as.reaped.Store(true)
		}
	})
}
