package vm

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Layout says where an address space puts what the program does not
// place itself: the top of the top-down mmap area, the initial stack, an
// ET_DYN main program and the heap. The kernel picks one per execve
// (RandomLayout, or FixedLayout when randomisation is off) before the
// loader runs; Fork copies it, so a child keeps its parent's layout
// exactly, as Linux's fork does.
type Layout struct {
	// MmapBase is where mmap without a fixed address starts searching,
	// downward (Linux's mm->mmap_base).
	MmapBase uint64
	// StackTop is the end of the initial stack mapping (Linux's
	// randomised STACK_TOP).
	StackTop uint64
	// PIEBase is the load bias of an ET_DYN main program before its
	// alignment is applied (ELF_ET_DYN_BASE plus arch_mmap_rnd()).
	PIEBase uint64
	// BrkOffset is how far above the end of the program's data the heap
	// starts (arch_randomize_brk), page-aligned.
	BrkOffset uint64
	// StackPad is how far below the argument strings the rest of the
	// initial stack starts (x86's arch_align_stack), less than 8 KiB.
	StackPad uint64
	// VDSO is where a platform that places a vDSO of its own should put
	// it (platform.VDSOPlacer): just below the mmap base, where Linux's
	// top-down search puts it; 0 leaves it to the platform.
	VDSO uint64
}

// Entropy is how much an architecture randomises, in Linux's terms.
type Entropy struct {
	// MmapBits is the randomised width of the mmap base and of the PIE
	// load bias, in pages (mmap_rnd_bits).
	MmapBits uint
	// StackBits is the randomised width of the stack top, in pages
	// (STACK_RND_MASK).
	StackBits uint
	// BrkRange is the range, in bytes, the heap start moves within
	// (arch_randomize_brk).
	BrkRange uint64
	// StackPad is the range, in bytes, of arch_align_stack's extra
	// move of the stack pointer below the argument strings (0: none).
	StackPad uint64
}

var (
	// EntropyAMD64 is x86-64's: CONFIG_ARCH_MMAP_RND_BITS default 28
	// (arch/x86/Kconfig), STACK_RND_MASK 0x3fffff (arch/x86/include/
	// asm/elf.h), and arch_randomize_brk's 32 MiB (arch/x86/kernel/
	// process.c, which also has arch_align_stack's 8 KiB).
	EntropyAMD64 = Entropy{MmapBits: 28, StackBits: 22, BrkRange: 32 << 20, StackPad: 8192}
	// EntropyRISCV64 is riscv64's: ARCH_MMAP_RND_BITS default 18
	// (arch/riscv/Kconfig), STACK_RND_MASK 0x3ffff (arch/riscv/include/
	// asm/elf.h) and the generic arch_randomize_brk's 1 GiB for 64-bit
	// tasks (mm/util.c).
	EntropyRISCV64 = Entropy{MmapBits: 18, StackBits: 18, BrkRange: 1 << 30}
)

const (
	// stackTopMax is the highest stack top. Linux's is TASK_SIZE; the
	// sentry keeps the 4 GiB below TaskSize for the platform's own
	// pages (the ptrace stub page and the host vDSO live there).
	stackTopMax = 0x7fff_0000_0000

	// PIEBase is where an ET_DYN main program is loaded when
	// randomisation is off: amd64's ELF_ET_DYN_BASE, two thirds of the
	// 47-bit space, as `setarch -R` shows it.
	PIEBase = 0x5555_5555_4000

	// stackGap is what Linux's mmap_base keeps free for the stack below
	// its top: the default RLIMIT_STACK (8 MiB) and the stack guard gap
	// (256 pages).
	stackGap = 8<<20 + 256<<12

	// vdsoGap is how far below the mmap base a randomised layout puts
	// the platform's vDSO: room for its code and data pages.
	vdsoGap = 1 << 20

	// minMmapGap is Linux's MIN_GAP between the stack top and the mmap
	// base (128 MiB).
	minMmapGap = 128 << 20
)

// FixedLayout is the layout without randomisation (randomize_va_space 0,
// or personality ADDR_NO_RANDOMIZE): the same addresses on every run.
func FixedLayout() Layout {
	return Layout{MmapBase: MmapBase, StackTop: stackTopMax, PIEBase: PIEBase}
}

// RandomLayout draws a layout with e's entropy from rnd (the sentry's
// crypto/rand, never the host's placement of its own processes). level
// is kernel.randomize_va_space: 0 is FixedLayout, 1 randomises all but
// the heap start, 2 the heap start too.
func RandomLayout(e Entropy, level int, rnd io.Reader) (Layout, error) {
	if level <= 0 {
		return FixedLayout(), nil
	}
	var b [5 * 8]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return Layout{}, fmt.Errorf("vm: reading randomness for the layout: %w", err)
	}
	word := func(i int) uint64 { return binary.LittleEndian.Uint64(b[8*i:]) }
	pages := func(v uint64, bits uint) uint64 { return (v & (1<<bits - 1)) * PageSize }

	// mmap_base (arch/x86/mm/mmap.c, mm/util.c): below the stack's
	// largest possible extent, then a random distance further down.
	stackRandMax := pages(^uint64(0), e.StackBits)
	gap := max(uint64(stackGap)+stackRandMax, minMmapGap)
	l := Layout{
		StackTop: stackTopMax - pages(word(0), e.StackBits),
		MmapBase: stackTopMax - gap - pages(word(1), e.MmapBits),
		PIEBase:  PIEBase + pages(word(2), e.MmapBits),
	}
	l.VDSO = l.MmapBase - vdsoGap
	if e.StackPad > 0 {
		l.StackPad = word(4) % e.StackPad
	}
	if level >= 2 && e.BrkRange >= PageSize {
		l.BrkOffset = word(3) % (e.BrkRange / PageSize) * PageSize
	}
	return l, nil
}

// SetLayout sets where m places what has no fixed address. The kernel
// calls it on a fresh address space, before the loader maps anything.
func (m *MM) SetLayout(l Layout) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.layout = l
}

// Layout returns m's layout.
func (m *MM) Layout() Layout {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.layout
}
