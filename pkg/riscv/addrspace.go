package riscv

import (
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// addressSpace is one guest address space: a page table over the memory
// file and the threads running in it.
type addressSpace struct {
	mem *hostMem
	pt  *pageTable

	vdsoTime bool // threads serve clock_gettime themselves (vdsotime.go)
	jit      bool // threads translate their code (jit_amd64.go)

	// gen counts mapping changes that can invalidate cached
	// translations or decoded code; threads compare it with their own.
	gen atomic.Uint64

	mu       sync.Mutex
	threads  map[*context]struct{}
	released bool
}

var (
	_ platform.AddressSpace  = (*addressSpace)(nil)
	_ platform.ThreadCreator = (*addressSpace)(nil)
)

func (as *addressSpace) newContext() *context {
	c := &context{as: as}
	c.cpu.as = as
	c.cpu.mem = as.mem
	c.cpu.pt = as.pt
	c.cpu.vdsoTime = as.vdsoTime
	c.cpu.code = make(map[uint64]*codePage)
	as.mu.Lock()
	if as.threads == nil {
		as.threads = make(map[*context]struct{})
	}
	as.threads[c] = struct{}{}
	if as.released {
		c.dead.Store(true)
	}
	as.mu.Unlock()
	return c
}

// NewThread prepares a thread of this address space (clone with
// CLONE_VM). It starts with a clear floating-point state (fcsr 0: round to
// nearest, no flags): the interface does not say which thread is cloning.
func (as *addressSpace) NewThread() (platform.ThreadStarter, error) {
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.released {
		return nil, platform.ErrDead
	}
	return threadStarter{as}, nil
}

type threadStarter struct{ as *addressSpace }

// Start creates the thread's context; any goroutine may drive it.
func (s threadStarter) Start() (platform.Context, error) {
	c := s.as.newContext()
	if c.dead.Load() {
		return nil, platform.ErrDead
	}
	return c, nil
}

func checkRange(addr, length uint64) error {
	end := addr + length
	if addr&pageMask != 0 || length&pageMask != 0 || length == 0 || end < addr || end > 1<<addrBits {
		return fmt.Errorf("riscv: range [%#x, +%#x) is not a page-aligned range below 2^%d: %w", addr, length, addrBits, unix.EINVAL)
	}
	return nil
}

// MapFile points the pages of [addr, addr+length) at the memory file.
func (as *addressSpace) MapFile(addr, length uint64, fileOffset int64, perms platform.Perms) error {
	if err := checkRange(addr, length); err != nil {
		return err
	}
	if fileOffset < 0 || fileOffset&pageMask != 0 || uint64(fileOffset)+length > as.mem.size() {
		return fmt.Errorf("riscv: mapping [%#x, %#x): bad file offset %#x: %w", addr, addr+length, fileOffset, unix.EINVAL)
	}
	var p uint64
	if perms.Read {
		p |= permR
	}
	if perms.Write {
		p |= permW | permR // no write-only pages: stores are reads' superset
	}
	if perms.Execute {
		p |= permX
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	revoked := false
	if p == 0 {
		// No access: the same as unmapped, at the cost of what is
		// mapped there (a PROT_NONE reservation may be huge). Any
		// table met may have held entries: shoot down conservatively.
		revoked = as.pt.clearRange(addr, addr+length) > 0
	} else {
		for i := uint64(0); i < length; i += pageSize {
			e := (uint64(fileOffset) + i) | p
			if old := as.pt.lookup(addr + i); old != 0 && (old&^pageMask != e&^pageMask || old&^e&pageMask != 0) {
				revoked = true
			}
			as.pt.set(addr+i, e)
		}
	}
	// Every change may leave stale entries in threads' TLBs or code
	// caches: tell them all. One that takes away access, or points a
	// page elsewhere, must also be obeyed before it returns.
	as.bumpLocked()
	if revoked {
		as.shootdownLocked()
	}
	return nil
}

// Unmap removes the pages of [addr, addr+length).
func (as *addressSpace) Unmap(addr, length uint64) error {
	if err := checkRange(addr, length); err != nil {
		return err
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	// Any table met may have held entries: shoot down conservatively,
	// at the cost of what is mapped, not of the range.
	revoked := as.pt.clearRange(addr, addr+length) > 0
	as.bumpLocked()
	if revoked {
		as.shootdownLocked()
	}
	return nil
}

// bumpLocked advances the generation and pokes every thread so a running
// one re-checks at its next taken branch. as.mu is held.
func (as *addressSpace) bumpLocked() {
	as.gen.Add(1)
	for c := range as.threads {
		c.poke.Store(1)
	}
}

// FlushICache makes every thread drop its decoded code (riscv_flush_icache:
// code was written in place).
func (as *addressSpace) FlushICache() {
	as.mu.Lock()
	as.bumpLocked()
	as.mu.Unlock()
}

// Reserved: the interpreter needs no part of the guest address space.
func (as *addressSpace) Reserved() []platform.Range { return nil }

// VDSO: there is no host vDSO for riscv64 code.
func (as *addressSpace) VDSO() uint64 { return 0 }

// Release marks every thread dead; their next Switch returns ErrDead.
func (as *addressSpace) Release() {
	as.mu.Lock()
	as.released = true
	for c := range as.threads {
		c.dead.Store(true)
		c.poke.Store(1)
	}
	as.mu.Unlock()
}
