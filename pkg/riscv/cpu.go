package riscv

import "sync/atomic"

// codePage is the decoded form of one 4 KiB guest code page: one slot per
// 2-byte parcel, decoded on first execution.
type codePage struct {
	ops [pageSize / 2]op
}

// tlbEntry caches one page-table entry: tag is the guest page number + 1
// (0 is empty), off the page's offset in the memory file.
type tlbEntry struct {
	tag uint64
	off uint64
}

const tlbSize = 256

// codeTLBEntry caches one decoded page: tag is the page number + 1.
type codeTLBEntry struct {
	tag uint64
	cp  *codePage
}

const codeTLBSize = 64

// cpu is the state of one hart (application thread) and its caches.
// Register arrays have 256 slots so that a uint8 index needs no bounds
// check; x[32] is the sink for writes to x0.
type cpu struct {
	x    [256]uint64
	f    [256]uint64
	fcsr uint32 // frm in bits 7:5, fflags in 4:0
	pc   uint64

	as  *addressSpace
	mem *hostMem
	pt  *pageTable

	tlbR, tlbW [tlbSize]tlbEntry
	code       map[uint64]*codePage
	codeTLB    [codeTLBSize]codeTLBEntry // in front of code
	gen        uint64                    // as.gen when the caches were last valid

	// vdsoTime: ecalls of clock_gettime on the common clocks are served
	// in the interpreter (vdsotime.go).
	vdsoTime bool

	fence atomic.Uint32 // target of the barrier a fence rw,rw needs

	// LR reservation.
	resAddr  uint64
	resVal   uint64
	resValid bool

	// Set by a failing access.
	faultAddr uint64
	faultCode int

	// Translated code (jit_amd64.go); nil until the thread first runs
	// when the address space translates.
	jit       *jitState
	jitSite   int32 // written by translated code: a jump to patch, or -1
	jitBudget int32 // chained jumps left before translated code returns
	jitFailed bool  // the code region could not be mapped: interpret
	jitFP     jitFP // constants and scratch of translated FP code
}

// flushCaches drops every cached translation and decoded page.
func (c *cpu) flushCaches() {
	c.tlbR = [tlbSize]tlbEntry{}
	c.tlbW = [tlbSize]tlbEntry{}
	c.codeTLB = [codeTLBSize]codeTLBEntry{}
	clear(c.code)
	if c.jit != nil {
		c.jit.reset()
		c.jitSite = jitNoSite
	}
}

// fault records a failed access at addr needing perm.
func (c *cpu) fault(addr uint64, e uint64) {
	c.faultAddr = addr
	if e == 0 {
		c.faultCode = 1 // SEGV_MAPERR
	} else {
		c.faultCode = 2 // SEGV_ACCERR
	}
}

// translate returns the memory-file offset of addr for an access needing
// perm, through the TLB of that kind of access, or false after recording
// a fault. The access must not cross a page.
func (c *cpu) translateR(addr uint64) (uint64, bool) {
	pg := addr >> pageShift
	t := &c.tlbR[pg%tlbSize]
	if t.tag == pg+1 {
		return t.off | addr&pageMask, true
	}
	e := c.pt.lookup(addr)
	if e&permR == 0 {
		c.fault(addr, e)
		return 0, false
	}
	t.tag, t.off = pg+1, e&^pageMask
	return t.off | addr&pageMask, true
}

func (c *cpu) translateW(addr uint64) (uint64, bool) {
	pg := addr >> pageShift
	t := &c.tlbW[pg%tlbSize]
	if t.tag == pg+1 {
		return t.off | addr&pageMask, true
	}
	e := c.pt.lookup(addr)
	if e&permW == 0 {
		c.fault(addr, e)
		return 0, false
	}
	t.tag, t.off = pg+1, e&^pageMask
	return t.off | addr&pageMask, true
}

// load reads size bytes (1, 2, 4 or 8) at addr, zero-extended.
func (c *cpu) load(addr uint64, size uint64) (uint64, bool) {
	if addr&pageMask > pageSize-size {
		return c.loadCross(addr, size)
	}
	off, ok := c.translateR(addr)
	if !ok {
		return 0, false
	}
	switch size {
	case 1:
		return c.mem.ld8(off), true
	case 2:
		return c.mem.ld16(off), true
	case 4:
		return c.mem.ld32(off), true
	}
	return c.mem.ld64(off), true
}

// loadCross reads an access that crosses a page boundary byte by byte.
func (c *cpu) loadCross(addr uint64, size uint64) (uint64, bool) {
	var v uint64
	for i := uint64(0); i < size; i++ {
		off, ok := c.translateR(addr + i)
		if !ok {
			return 0, false
		}
		v |= c.mem.ld8(off) << (8 * i)
	}
	return v, true
}

// store writes the low size bytes of v at addr.
func (c *cpu) store(addr uint64, size uint64, v uint64) bool {
	if addr&pageMask > pageSize-size {
		return c.storeCross(addr, size, v)
	}
	off, ok := c.translateW(addr)
	if !ok {
		return false
	}
	switch size {
	case 1:
		c.mem.st8(off, v)
	case 2:
		c.mem.st16(off, v)
	case 4:
		c.mem.st32(off, v)
	default:
		c.mem.st64(off, v)
	}
	return true
}

func (c *cpu) storeCross(addr uint64, size uint64, v uint64) bool {
	// Check both pages first so a faulting store writes nothing.
	if _, ok := c.translateW(addr); !ok {
		return false
	}
	if _, ok := c.translateW(addr + size - 1); !ok {
		return false
	}
	for i := uint64(0); i < size; i++ {
		off, _ := c.translateW(addr + i)
		c.mem.st8(off, v>>(8*i))
	}
	return true
}

// fetchPage returns the decoded page holding pc, creating it if pc's page
// is executable.
func (c *cpu) fetchPage(pc uint64) (*codePage, bool) {
	pg := pc >> pageShift
	ct := &c.codeTLB[pg%codeTLBSize]
	if ct.tag == pg+1 {
		return ct.cp, true
	}
	if cp := c.code[pg]; cp != nil {
		ct.tag, ct.cp = pg+1, cp
		return cp, true
	}
	e := c.pt.lookup(pc)
	if e&permX == 0 {
		c.fault(pc, e)
		return nil, false
	}
	cp := new(codePage)
	c.code[pg] = cp
	ct.tag, ct.cp = pg+1, cp
	return cp, true
}

// fetchParcel reads the 16-bit parcel at pc from an executable page.
func (c *cpu) fetchParcel(pc uint64) (uint32, bool) {
	e := c.pt.lookup(pc)
	if e&permX == 0 {
		c.fault(pc, e)
		return 0, false
	}
	return uint32(c.mem.ld16(e&^pageMask | pc&pageMask)), true
}

// decodeAt decodes the instruction at pc.
func (c *cpu) decodeAt(pc uint64) (op, bool) {
	lo, ok := c.fetchParcel(pc)
	if !ok {
		return op{}, false
	}
	if lo&3 != 3 {
		return decode16(lo, pc), true
	}
	hi, ok := c.fetchParcel(pc + 2)
	if !ok {
		return op{}, false
	}
	return decode32(lo|hi<<16, pc), true
}

// misaligned reports whether addr is not aligned to size (AMOs, LR/SC).
func misaligned(addr, size uint64) bool { return addr&(size-1) != 0 }

const (
	segvMapErr = 1
	segvAccErr = 2
	busAdrAln  = 1
	illIllOpc  = 1
	trapBrkpt  = 1
)
