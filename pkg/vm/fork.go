package vm

import (
	"fmt"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// Fork returns the address space of a child process: the same pieces at
// the same addresses, with the same break. Shared mappings stay shared
// (both hold references to the same memory-file pages). Private memory is
// shared copy-on-write: nothing is copied now; both sides map it without
// write permission and each copies a chunk when it first writes there
// (HandleFault, or CopyOut from the sentry). So forking a large process
// costs a walk of its pieces and a write-protect of its writable ones,
// and memory grows only as either side writes.
//
// Fork mirrors the write-protection into m's own platform address space,
// so it must run where m's platform calls may (a task goroutine of m).
// The child's pieces are not mirrored yet: as belongs to the child, whose
// own task goroutine calls MirrorAll before running it.
//
// Pieces marked MADV_DONTFORK are left out of the child; those marked
// MADV_WIPEONFORK come to it as fresh zeroes.
//
// Fork is for a process whose other threads, if any, cannot run
// application code until it returns; ForkRunning is for the others.
func (m *MM) Fork(as platform.AddressSpace) (*MM, error) { return m.fork(as, true) }

// ForkRunning is Fork for a process other threads of which may be running
// (writing memory) meanwhile. A copy made while another thread writes
// would give the child a mixture of moments (a lock seen released, the
// data it guarded seen as before), so ForkRunning write-protects the
// memory it copies in the platform first and gives write access back
// after the copy; a thread writing meanwhile faults, waits for m.mu and
// retries (HandleFaultSince). Memory shared copy-on-write is protected
// before Fork returns anyway. Either way the child sees each of the other
// threads' writes up to some point, as Linux's fork shows them.
func (m *MM) ForkRunning(as platform.AddressSpace) (*MM, error) { return m.fork(as, false) }

func (m *MM) fork(as platform.AddressSpace, alone bool) (*MM, error) {
	c := NewMM(m.mf, as)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range m.vmas {
		if c.reservedOverlaps(v.start, v.end) {
			return nil, fmt.Errorf("vm: fork: mapping [%#x, %#x) overlaps a range the child's platform reserves", v.start, v.end)
		}
	}
	c.vmas = make(vmaSet, 0, len(m.vmas))
	// A small process (a shell) has its writable memory copied outright:
	// copying its few resident pages costs less than the write faults
	// that sharing them would take on both sides. A large one (redis
	// with its dataset) is shared copy-on-write. Memory that is not
	// writable (program text) is always shared: it takes no faults.
	limit := m.mf.forkCopyLimit
	eager := m.privateData(limit) <= limit
	var held []int // pieces write-protected while they are copied
	if eager && !alone {
		for i := range m.vmas {
			v := &m.vmas[i]
			if !v.dontFork && !v.wipeOnFork && v.backed() && !v.shared && !v.cow && v.prot&unix.PROT_WRITE != 0 {
				v.cow = true // perms() drops write while it is set
				held = append(held, i)
			}
		}
		if err := m.syncPieces(held); err != nil {
			m.unhold(held)
			return nil, err
		}
	}
	var protect []platform.Range
	for i := range m.vmas {
		v := &m.vmas[i]
		if v.dontFork {
			continue
		}
		incRef(v.file)
		nv := *v
		switch {
		case v.wipeOnFork:
			// Private anonymous memory the child gets as zeroes (a
			// reservation stays one).
			nv.cow = false
			if v.backed() {
				off, err := m.mf.Allocate(v.length())
				if err != nil {
					decRef(v.file)
					c.releaseLocked()
					m.unhold(held)
					return nil, err
				}
				nv.memOff = off
			}
		case !v.backed():
		case v.shared:
			m.mf.share(v.memOff, v.length())
		case eager && v.prot&unix.PROT_WRITE != 0:
			off, err := m.mf.Allocate(v.length())
			if err != nil {
				decRef(v.file)
				c.releaseLocked()
				m.unhold(held)
				return nil, err
			}
			m.mf.copyRange(off, v.memOff, v.length())
			nv.memOff, nv.cow = off, false
		default:
			m.mf.share(v.memOff, v.length())
			if !v.cow && v.prot&unix.PROT_WRITE != 0 {
				protect = append(protect, platform.Range{Start: v.start, End: v.end})
			}
			v.cow, nv.cow = true, true
		}
		c.vmas = append(c.vmas, nv)
	}
	c.brkStart, c.brk = m.brkStart, m.brk
	if err := m.unhold(held); err != nil {
		c.releaseLocked()
		return nil, err
	}
	c.addMappers() // shared.go
	c.layout = m.layout
	// Pieces that now agree on cow may merge; the mirror is unchanged
	// by merging.
	if len(m.vmas) > 0 {
		m.vmas.mergeAround(m.vmas[0].start, m.vmas[len(m.vmas)-1].end)
		c.vmas.mergeAround(c.vmas[0].start, c.vmas[len(c.vmas)-1].end)
	}
	for _, r := range protect {
		if err := m.sync(r.Start, r.End); err != nil {
			c.releaseLocked()
			return nil, err
		}
	}
	// The copy runs the same program file (Linux's dup_mm_exe_file).
	if m.exe != nil {
		m.exe.Hold()
		c.exe = m.exe
	}
	return c, nil
}

// syncPieces mirrors the pieces at indexes idx (ascending), one sync per
// run of adjacent ones. The caller holds m.mu.
func (m *MM) syncPieces(idx []int) error {
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && idx[j] == idx[j-1]+1 && m.vmas[idx[j]].start == m.vmas[idx[j-1]].end {
			j++
		}
		if err := m.sync(m.vmas[idx[i]].start, m.vmas[idx[j-1]].end); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// unhold gives write access back to the pieces ForkRunning held while
// it copied them. The caller holds m.mu.
func (m *MM) unhold(held []int) error {
	for _, i := range held {
		m.vmas[i].cow = false
	}
	return m.syncPieces(held)
}

// defaultForkCopyLimit is the most private writable resident memory
// Fork copies at once instead of sharing copy-on-write.
const defaultForkCopyLimit = 2 << 20

// privateData is the resident bytes of m's private writable memory,
// counted up to a little past limit. The caller holds m.mu.
func (m *MM) privateData(limit int64) int64 {
	var total int64
	for i := range m.vmas {
		v := &m.vmas[i]
		if v.backed() && !v.shared && v.prot&unix.PROT_WRITE != 0 {
			total += m.mf.dataBytes(v.memOff, v.length(), limit-total)
			if total > limit {
				break
			}
		}
	}
	return total
}

// MirrorAll tells the platform about every piece of m: a forked child
// calls it on its own task goroutine before it first runs.
func (m *MM) MirrorAll() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := 0; i < len(m.vmas); {
		j := i + 1
		for j < len(m.vmas) && m.vmas[j].start == m.vmas[j-1].end {
			j++
		}
		if err := m.sync(m.vmas[i].start, m.vmas[j-1].end); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// releaseLocked is Release with m.mu held (or m not yet visible).
func (m *MM) releaseLocked() {
	for i := range m.vmas {
		m.freeBacking(&m.vmas[i])
		decRef(m.vmas[i].file)
	}
	m.vmas = nil
}
