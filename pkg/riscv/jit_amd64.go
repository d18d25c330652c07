package riscv

import (
	hostcpu "golang.org/x/sys/cpu"

	asm "sentry/pkg/riscv/internal/x86asm"
)

// The translator. On an amd64 host each thread translates the guest code
// it runs into host code, one block at a time (jit_translate_amd64.go), and
// runs that instead of the interpreter's switch. The interpreter stays the
// reference and the fallback: whatever the translator does not handle
// (FMA on a host without FMA3, the RMM rounding mode and the FP edge cases
// jit_fp_amd64.go lists, the counter CSRs, ecall, a TLB miss, a page
// crossing, a misaligned AMO or LR/SC) makes translated code stop
// at that instruction with every guest register in c.x, and run
// interprets from there to its next taken branch.
//
// Translated code keeps no guest state in host registers across
// instructions: each instruction reads its operands from c.x and writes its
// result back, so an exit at any instruction boundary is exact. Register
// use inside translated code: R15 = the cpu, R14 = the memory file's host
// address, RAX/RCX/RDX scratch, R8 in the TLB refill (a page-table walk
// out of line, so that a TLB miss on a mapped page does not leave
// translated code), in the AMOs' compare-and-swap loop, SC's result and
// FMIN/FMAX; XMM0 and XMM1 and MXCSR in FP instructions (jitEnter
// restores MXCSR); nothing else is touched. LR and SC keep the reservation in the cpu
// fields the interpreter uses (resAddr, resVal, resValid), written before
// the instruction ends, so an exit, a signal or a context switch after
// either finds the interpreter's state.
//
// Blocks end at a branch or jump, after jitMaxInsns instructions, or at the
// end of the page. A direct jump to a block not yet translated returns to
// Go (exitLookup) with the jump's rel32 offset in c.jitSite; once the
// target is translated the jump is patched to go there directly (chaining),
// so loops and calls run without leaving translated code. An indirect jump
// (jalr) looks its target up in a small table of (pc, host address) pairs
// and leaves only on a miss. Every chained or indirect jump counts down
// c.jitBudget and reads the context's poke flag, so translated code returns
// to Go at least every jitBudget jumps (the Go runtime cannot preempt it)
// and promptly after Interrupt or a mapping change.
//
// The code region, block map and table belong to one thread: no locks, and
// no code is ever patched while another thread may run it. They are
// emptied with the thread's other caches (flushCaches) and when the region
// is full.

const (
	exitLookup = 0 // continue at c.pc; c.jitSite names a jump to patch, or is -1
	exitStep   = 1 // interpret from c.pc
	exitPoke   = 2 // c.pc is the next pc; return to the caller to re-check
)

const (
	jitMaxInsns   = 64
	jitMaxBlock   = 16 << 10 // more than any block's code
	jitBudget     = 1 << 16
	jitTabSize    = 1 << 12
	jitTabShift   = 4 // log2 of the entry size
	jitNoSite     = -1
	jitUnusedSlot = ^uint64(0) // odd: never a jump target
)

type jitTabEntry struct {
	pc   uint64
	code uint64
}

// jitState is one thread's translations.
type jitState struct {
	code    []byte
	base    uintptr
	used    int
	refills int              // times the region was full and emptied
	steps   int              // times translated code left to interpret (exitStep)
	blocks  map[uint64]int32 // guest pc -> offset in code
	tab     *[jitTabSize]jitTabEntry
	lay     jitLayout
	mem     uintptr
	pt      uintptr // the page table's top level, or 0: no inline refill
	feat    jitFeatures
}

// jitFP is what translated FP code reads and writes beside the registers:
// MXCSR for each RISC-V rounding mode RNE..RUP (every exception masked,
// flags clear, neither flush-to-zero nor denormals-are-zero), the word
// stmxcsr stores to, and the fflags for each value of MXCSR's six flag
// bits.
type jitFP struct {
	mxcsr   [4]uint32
	scratch uint32
	flags   [64]uint8
}

// newJITFP fills a jitFP. MXCSR's rounding control: 0 nearest, 1 down,
// 2 up, 3 toward zero. Its flags: IE 0, DE 1 (a denormal operand, which
// RISC-V does not report), ZE 2, OE 3, UE 4, PE 5; with every exception
// masked x86 raises UE only for a tiny inexact result, tininess detected
// after rounding, as RISC-V does.
func newJITFP() jitFP {
	var f jitFP
	for rm, rc := range [4]uint32{rmRNE: 0, rmRTZ: 3, rmRDN: 1, rmRUP: 2} {
		f.mxcsr[rm] = 0x1f80 | rc<<13
	}
	for m := range f.flags {
		var fl uint8
		for bit, flag := range [6]uint8{flagNV, 0, flagDZ, flagOF, flagUF, flagNX} {
			if m&(1<<bit) != 0 {
				fl |= flag
			}
		}
		f.flags[m] = fl
	}
	return f
}

// jitFeatures are the optional host instructions the translator may use.
type jitFeatures struct {
	lzcnt, tzcnt, popcnt bool
	fma                  bool // FMA3 (VEX fused multiply-add), with the OS saving AVX state
}

// newJIT prepares translation for the thread ctx; it returns nil (the
// interpreter alone) if the code region cannot be mapped.
func newJIT(ctx *context) *jitState {
	code, err := mapJITCode(ctx)
	if err != nil {
		return nil
	}
	j := &jitState{
		code:   code,
		base:   addrOf(code),
		blocks: make(map[uint64]int32),
		tab:    new([jitTabSize]jitTabEntry),
		lay:    layoutOf(ctx),
		mem:    memAddr(ctx.as.mem),
		pt:     ptAddr(ctx.as.pt),
		feat: jitFeatures{lzcnt: hostcpu.X86.HasLZCNT, tzcnt: hostcpu.X86.HasBMI1, popcnt: hostcpu.X86.HasPOPCNT,
			fma: hostcpu.X86.HasFMA && hostcpu.X86.HasAVX}, // HasAVX: the OS saves AVX state (VEX code needs it)
	}
	ctx.cpu.jitFP = newJITFP()
	j.reset()
	return j
}

// reset forgets every translation.
func (j *jitState) reset() {
	j.used = 0
	clear(j.blocks)
	for i := range j.tab {
		j.tab[i] = jitTabEntry{pc: jitUnusedSlot}
	}
}

// exec runs the thread from its pc: translated code when the platform
// translates and the code region could be mapped, else the interpreter.
func (ctx *context) exec() stop {
	c := &ctx.cpu
	if c.jit == nil {
		if !ctx.as.jit || c.jitFailed {
			return c.run(&ctx.poke)
		}
		if c.jit = newJIT(ctx); c.jit == nil {
			c.jitFailed = true
			return c.run(&ctx.poke)
		}
	}
	j := c.jit
	for {
		site := c.jitSite
		c.jitSite = jitNoSite
		off, ok := j.blocks[c.pc]
		if !ok {
			if off, ok = c.translate(c.pc); !ok {
				// The block's first instruction cannot be
				// fetched: the interpreter reports the fault.
				return c.run(&ctx.poke)
			}
			site = jitNoSite // the region may have been emptied
		}
		if site != jitNoSite {
			asm.PatchRel32(j.code, int(site), int(off))
		}
		addr := j.base + uintptr(off)
		j.tab[(c.pc>>1)&(jitTabSize-1)] = jitTabEntry{pc: c.pc, code: uint64(addr)}
		c.jitBudget = jitBudget
		switch jitEnter(addr, c, j.mem) {
		case exitLookup:
		case exitStep:
			// Interpret up to the next taken branch.
			j.steps++
			ctx.poke.Store(1)
			return c.run(&ctx.poke)
		default:
			return stopPoke
		}
	}
}
