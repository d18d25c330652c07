package kernel

import (
	"crypto/rand"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
	"sentry/pkg/vm"
)

// Address-space randomisation. Each execve (and the first program) gets a
// fresh vm.Layout drawn from the sentry's crypto/rand: the mmap base, the
// stack top, an ET_DYN program's load bias and, at full randomisation,
// the heap start move per exec with Linux's entropy for the arch, and so
// does a platform's vDSO (platform.VDSOPlacer, the ptrace stub's host
// vDSO). fork keeps the parent's layout (vm.MM.Fork copies it; the
// child's vDSO is put where the parent's is). What decides it:
// the sandbox's kernel.randomize_va_space (Config.ASLR, shown read-only
// in /proc/sys/kernel/randomize_va_space) and the process's personality
// (ADDR_NO_RANDOMIZE, set by personality(2), e.g. `setarch -R`), which
// execve keeps.

// ASLRLevel is the sandbox's address-space randomisation. Its zero value
// is full randomisation, so a Config that says nothing gets Linux's
// default.
type ASLRLevel int

const (
	// ASLRFull is randomize_va_space 2: everything, the heap start too.
	ASLRFull ASLRLevel = iota
	// ASLRNoBrk is randomize_va_space 1: all but the heap start.
	ASLRNoBrk
	// ASLROff is randomize_va_space 0: the same layout on every run.
	ASLROff
)

// RandomizeVASpace is the level as kernel.randomize_va_space shows it.
func (l ASLRLevel) RandomizeVASpace() int {
	switch l {
	case ASLRNoBrk:
		return 1
	case ASLROff:
		return 0
	}
	return 2
}

// addrNoRandomize is ADDR_NO_RANDOMIZE of linux/personality.h.
const addrNoRandomize = 0x0040000

// personalityQuery is the personality(2) argument that only reads.
const personalityQuery = 0xffffffff

// sysPersonality sets the process's execution domain and flags and
// returns the old ones. Linux accepts any value; the sentry keeps it and
// acts on ADDR_NO_RANDOMIZE at the next execve. Other flags
// (READ_IMPLIES_EXEC, ADDR_LIMIT_32BIT, ...) are kept and reported but
// change nothing.
func sysPersonality(t *Task, a [6]uint64) (uint64, error) {
	tg := t.tg
	tg.mu.Lock()
	defer tg.mu.Unlock()
	old := tg.personality
	if p := uint32(a[0]); p != personalityQuery {
		tg.personality = p
	}
	return uint64(old), nil
}

// newLayout draws the layout of a program about to be loaded by a
// process whose personality is pers.
func (k *Kernel) newLayout(pers uint32) (vm.Layout, error) {
	level := k.cfg.ASLR.RandomizeVASpace()
	if pers&addrNoRandomize != 0 {
		level = 0
	}
	e := vm.EntropyAMD64
	if k.cfg.Platform.Arch() == arch.RISCV64 {
		e = vm.EntropyRISCV64
	}
	return vm.RandomLayout(e, level, rand.Reader)
}

// newAddressSpace starts a platform address space with its vDSO at vdso
// where the platform places one (0: the platform's choice), when the
// application gets the vDSO at all.
func (k *Kernel) newAddressSpace(vdso uint64) (platform.AddressSpace, platform.Context, error) {
	if p, ok := k.cfg.Platform.(platform.VDSOPlacer); ok && vdso != 0 && k.cfg.VDSO {
		return p.NewAddressSpaceVDSO(k.mf.FD(), vdso)
	}
	return k.cfg.Platform.NewAddressSpace(k.mf.FD())
}
