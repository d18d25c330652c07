//go:build amd64

package riscv

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// jitEnter runs translated code (jit_amd64.s).
//
//go:noescape
func jitEnter(code uintptr, c *cpu, mem uintptr) uint64

// jitCodeSize is the size of one thread's code region. Pages are touched
// only as code is written; a full region is emptied and refilled.
const jitCodeSize = 16 << 20

// mapJITCode maps an executable, writable region for translated code and
// arranges for it to be unmapped once owner is unreachable (no code can
// be running then: the goroutine running it holds owner).
func mapJITCode(owner *context) ([]byte, error) {
	b, err := unix.Mmap(-1, 0, jitCodeSize, unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("riscv: mapping %d bytes for translated code: %w", jitCodeSize, err)
	}
	runtime.AddCleanup(owner, func(b []byte) { _ = unix.Munmap(b) }, b)
	return b, nil
}

// addrOf is the host address of b[0].
func addrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

// jitLayout holds the offsets translated code uses to reach the cpu's
// fields from R15.
type jitLayout struct {
	pc, f, tlbR, tlbW, site, budget, poke int32
	resAddr, resVal, resValid             int32 // the LR reservation (amo.go)
	fcsr                                  int32
	mxcsr, mxScratch, mxFlags             int32 // jitFP's fields
}

func layoutOf(ctx *context) jitLayout {
	var c cpu
	return jitLayout{
		pc:        int32(unsafe.Offsetof(c.pc)),
		f:         int32(unsafe.Offsetof(c.f)),
		tlbR:      int32(unsafe.Offsetof(c.tlbR)),
		tlbW:      int32(unsafe.Offsetof(c.tlbW)),
		site:      int32(unsafe.Offsetof(c.jitSite)),
		budget:    int32(unsafe.Offsetof(c.jitBudget)),
		resAddr:   int32(unsafe.Offsetof(c.resAddr)),
		resVal:    int32(unsafe.Offsetof(c.resVal)),
		resValid:  int32(unsafe.Offsetof(c.resValid)),
		fcsr:      int32(unsafe.Offsetof(c.fcsr)),
		mxcsr:     int32(unsafe.Offsetof(c.jitFP) + unsafe.Offsetof(c.jitFP.mxcsr)),
		mxScratch: int32(unsafe.Offsetof(c.jitFP) + unsafe.Offsetof(c.jitFP.scratch)),
		mxFlags:   int32(unsafe.Offsetof(c.jitFP) + unsafe.Offsetof(c.jitFP.flags)),
		poke:      int32(uintptr(unsafe.Pointer(&ctx.poke)) - uintptr(unsafe.Pointer(&ctx.cpu))),
	}
}

// tabAddr is the host address of the indirect-jump table.
func tabAddr(t *[jitTabSize]jitTabEntry) uintptr { return uintptr(unsafe.Pointer(t)) }

// memAddr is the host address of the memory file's mapping.
func memAddr(m *hostMem) uintptr { return uintptr(m.base) }

// ptAddr is the host address of the page table's top level, for the
// translated TLB refill, which walks the levels as arrays of 8-byte
// words; 0 (no inline refill) if the layout is not that.
func ptAddr(pt *pageTable) uintptr {
	var l2 l2Table
	var l3 l3Table
	if unsafe.Sizeof(*pt) != 8<<l1Bits || unsafe.Sizeof(l2) != 8<<lnBits || unsafe.Sizeof(l3) != 8<<lnBits ||
		unsafe.Offsetof(pt.top) != 0 || unsafe.Offsetof(l2.t) != 0 || unsafe.Offsetof(l3.e) != 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(pt))
}
