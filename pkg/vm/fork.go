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
func (m *MM) Fork(as platform.AddressSpace) (*MM, error) {
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
	c.addMappers() // shared.go
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
	return c, nil
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
