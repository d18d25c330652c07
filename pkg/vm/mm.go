package vm

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

const (
	// MmapBase is FixedLayout's top of the area where mmap places
	// mappings without a fixed address, growing down like Linux's
	// top-down layout. The 8 GiB above it are left to the initial stack.
	// A randomised layout (layout.go) moves it.
	MmapBase = stackTopMax - 8<<30

	// TaskSize is the end of the application's address range (amd64's
	// 47-bit user space, less the guard page Linux keeps).
	TaskSize = 0x7fff_ffff_f000

	// MinAddr is the lowest mappable address (Linux's default
	// vm.mmap_min_addr), so NULL dereferences always fault.
	MinAddr = 0x10000
)

// MM is one application address space. It is safe for concurrent use by
// every task sharing it.
type MM struct {
	mf       *MemoryFile
	as       platform.AddressSpace
	reserved []platform.Range // sorted, page-rounded outward

	mu       sync.RWMutex
	vmas     vmaSet
	layout   Layout
	brkStart uint64
	brk      uint64

	// stale are ranges whose pieces changed without being mirrored to
	// the platform (a shared file shrank: shared.go); pending says there
	// are some, for SyncPending's fast path.
	stale   []extent
	pending atomic.Bool

	// mirrorGen counts sync calls (stale.go); written with mu held
	// exclusively, after the platform calls, read without mu.
	mirrorGen atomic.Uint64

	exe ExeFile // guarded by mu
}

// ExeFile is what an address space holds of the file its program was
// loaded from for its life, as Linux's mm->exe_file (vfs.ExecDeny: the
// file refuses writers meanwhile). Hold takes one more hold, for a copy
// of the address space; Release gives one back.
type ExeFile interface {
	Hold()
	Release()
}

// SetExe makes e the address space's program file (the loader's), giving
// back the hold on the one before.
func (m *MM) SetExe(e ExeFile) {
	m.mu.Lock()
	old := m.exe
	m.exe = e
	m.mu.Unlock()
	if old != nil {
		old.Release()
	}
}

// NewMM creates an empty address space whose pages live in mf and whose
// mapping decisions are mirrored to as.
func NewMM(mf *MemoryFile, as platform.AddressSpace) *MM {
	var res []platform.Range
	for _, r := range as.Reserved() {
		start := r.Start &^ (PageSize - 1)
		end, ok := pageRoundUp(r.End)
		if !ok {
			end = ^uint64(0) &^ (PageSize - 1)
		}
		if start < end {
			res = append(res, platform.Range{Start: start, End: end})
		}
	}
	sort.Slice(res, func(i, j int) bool { return res[i].Start < res[j].Start })
	return &MM{mf: mf, as: as, reserved: res, layout: FixedLayout()}
}

// AddressSpace is the platform address space m mirrors into.
func (m *MM) AddressSpace() platform.AddressSpace { return m.as }

// VMAInfo describes one mapping the way /proc/PID/maps shows it.
type VMAInfo struct {
	Start, End uint64
	Prot       int // unix.PROT_* bits
	Shared     bool
	Offset     int64 // offset in the file; 0 for anonymous memory
	Name       string
}

// Maps lists the mappings in address order, with adjacent pieces that
// Linux would hold as one VMA merged.
func (m *MM) Maps() []VMAInfo {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []VMAInfo
	for i := 0; i < len(m.vmas); {
		j := m.displayEnd(i)
		out = append(out, m.info(i, j))
		i = j
	}
	return out
}

// Lookup returns the mapping containing addr, as Maps would show it.
func (m *MM) Lookup(addr uint64) (VMAInfo, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, ok := m.vmas.at(addr)
	if !ok {
		return VMAInfo{}, false
	}
	for i > 0 && m.vmas[i-1].end == m.vmas[i].start && sameKind(&m.vmas[i-1], &m.vmas[i]) {
		i--
	}
	return m.info(i, m.displayEnd(i)), true
}

// displayEnd is the index after the run of pieces from i that Linux would
// show as one VMA.
func (m *MM) displayEnd(i int) int {
	j := i + 1
	for j < len(m.vmas) && m.vmas[j-1].end == m.vmas[j].start && sameKind(&m.vmas[j-1], &m.vmas[j]) {
		j++
	}
	return j
}

func (m *MM) info(i, j int) VMAInfo {
	v := &m.vmas[i]
	return VMAInfo{Start: v.start, End: m.vmas[j-1].end, Prot: v.prot, Shared: v.shared, Offset: v.fileOff, Name: v.name}
}

// Release frees the memory of every mapping and empties m. The platform
// address space is left alone: the kernel releases it.
func (m *MM) Release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forgetMappers()
	for i := range m.vmas {
		m.freeBacking(&m.vmas[i])
		decRef(m.vmas[i].file)
	}
	m.vmas = nil
	if m.exe != nil {
		m.exe.Release()
		m.exe = nil
	}
}

func (m *MM) freeBacking(v *vma) {
	if v.backed() {
		m.mf.Free(v.memOff, v.length())
		v.memOff = -1
	}
}

// removeRange unmaps [start, end) from the pieces, freeing their memory.
// The caller mirrors it with sync.
func (m *MM) removeRange(start, end uint64) {
	i, j := m.vmas.isolate(start, end)
	for k := i; k < j; k++ {
		m.freeBacking(&m.vmas[k])
		decRef(m.vmas[k].file)
	}
	m.vmas.removeAt(i, j)
}

// reservedOverlaps reports whether [start, end) meets a reserved range.
func (m *MM) reservedOverlaps(start, end uint64) bool {
	for _, r := range m.reserved {
		if r.Start < end && start < r.End {
			return true
		}
	}
	return false
}

// rangeFree reports whether [start, end) is a valid, unmapped,
// unreserved range of application addresses.
func (m *MM) rangeFree(start, end uint64) bool {
	return start >= MinAddr && start < end && end <= TaskSize &&
		!m.vmas.overlaps(start, end) && !m.reservedOverlaps(start, end)
}

// findFree picks an address for a mapping of length bytes without a
// fixed address: the hint if that range is free, else the highest free
// gap below the layout's mmap base, else the highest above it.
func (m *MM) findFree(hint, length uint64, below2G bool) (uint64, bool) {
	if below2G {
		// MAP_32BIT on amd64: Linux searches [1 GiB, 2 GiB).
		return m.topDown(0x4000_0000, 0x8000_0000, length)
	}
	if hint != 0 {
		if h, ok := pageRoundUp(hint); ok && h+length >= h && m.rangeFree(h, h+length) {
			return h, true
		}
	}
	if a, ok := m.topDown(MinAddr, m.layout.MmapBase, length); ok {
		return a, true
	}
	return m.topDown(m.layout.MmapBase, TaskSize, length)
}

// topDown returns the highest start of a free gap of length bytes inside
// [floor, ceiling).
func (m *MM) topDown(floor, ceiling, length uint64) (uint64, bool) {
	end := ceiling
	for end >= floor && end-floor >= length {
		// The occupied range with the highest start below end.
		var occ platform.Range
		found := false
		// The piece containing end-1, else the last one before it.
		i := m.vmas.after(end - 1)
		if i == len(m.vmas) || m.vmas[i].start >= end {
			i--
		}
		if i >= 0 {
			occ = platform.Range{Start: m.vmas[i].start, End: m.vmas[i].end}
			found = true
		}
		for _, r := range m.reserved {
			if r.Start < end && (!found || r.Start > occ.Start) {
				occ, found = r, true
			}
		}
		if !found || occ.End <= floor {
			return end - length, true
		}
		if occ.End < end && end-occ.End >= length {
			return end - length, true
		}
		end = occ.Start
	}
	return 0, false
}

// protPerms converts PROT_* bits to platform permissions.
func protPerms(prot int) platform.Perms {
	return platform.Perms{
		Read:    prot&unix.PROT_READ != 0,
		Write:   prot&unix.PROT_WRITE != 0,
		Execute: prot&unix.PROT_EXEC != 0,
	}
}

// sync mirrors the pieces in [start, end) to the platform: one MapFile per
// run of accessible pieces with contiguous memory-file ranges and equal
// permissions, one Unmap per run of gaps, inaccessible pieces and pieces
// past the end of their file (so an access faults: eof.go), never
// touching reserved ranges.
func (m *MM) sync(start, end uint64) error {
	defer m.mirrorGen.Add(1)
	type run struct {
		start, end uint64
		mapped     bool
		memOff     int64
		perms      platform.Perms
	}
	var runs []run
	add := func(r run) {
		if n := len(runs); n > 0 {
			p := &runs[n-1]
			if p.end == r.start && p.mapped == r.mapped &&
				(!r.mapped || (p.perms == r.perms && p.memOff+int64(p.end-p.start) == r.memOff)) {
				p.end = r.end
				return
			}
		}
		runs = append(runs, r)
	}
	cur := start
	for i := m.vmas.after(start); i < len(m.vmas) && m.vmas[i].start < end; i++ {
		v := &m.vmas[i]
		s, e := max(v.start, start), min(v.end, end)
		if cur < s {
			add(run{start: cur, end: s})
		}
		if v.prot != unix.PROT_NONE && v.backed() && !v.pastEOF {
			add(run{start: s, end: e, mapped: true, memOff: v.memOff + int64(s-v.start), perms: v.perms()})
		} else {
			add(run{start: s, end: e})
		}
		cur = e
	}
	if cur < end {
		add(run{start: cur, end: end})
	}
	for _, r := range runs {
		if r.mapped {
			if err := m.as.MapFile(r.start, r.end-r.start, r.memOff, r.perms); err != nil {
				return fmt.Errorf("vm: platform MapFile(%#x, %#x, %#x): %w", r.start, r.end-r.start, r.memOff, err)
			}
			continue
		}
		if err := m.unmapAround(r.start, r.end); err != nil {
			return err
		}
	}
	return nil
}

// unmapAround unmaps [start, end) on the platform except reserved ranges.
func (m *MM) unmapAround(start, end uint64) error {
	for _, r := range m.reserved {
		if start >= end {
			break
		}
		if r.End <= start || r.Start >= end {
			continue
		}
		if start < r.Start {
			if err := m.unmap(start, r.Start); err != nil {
				return err
			}
		}
		start = r.End
	}
	if start < end {
		return m.unmap(start, end)
	}
	return nil
}

func (m *MM) unmap(start, end uint64) error {
	if err := m.as.Unmap(start, end-start); err != nil {
		return fmt.Errorf("vm: platform Unmap(%#x, %#x): %w", start, end-start, err)
	}
	return nil
}
