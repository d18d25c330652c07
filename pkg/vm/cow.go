package vm

import "golang.org/x/sys/unix"

// cowChunk is how much private memory a write fault copies at once: large
// enough that a process rewriting its heap after fork takes few faults
// (each costs a trip through the platform), small enough that a write
// to one byte does not copy much.
const cowChunk = 64 << 10

// HandleFault resolves an access fault at addr if it is a write to
// copy-on-write memory: it gives m a private copy of the chunk around
// addr (or just write access, when the other side has already let go of
// the whole piece) and reports true, so the application retries the
// access. False means a real fault, for the kernel to turn into a
// signal. The error is the platform's failure to mirror the change.
func (m *MM) HandleFault(addr uint64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pending.Load() {
		// A change not yet mirrored may be what faulted (shared.go).
		if hit, err := m.syncStale(addr); hit || err != nil {
			return true, err
		}
	}
	i, ok := m.vmas.at(addr)
	if !ok {
		return false, nil
	}
	v := m.vmas[i]
	if v.pastEOF {
		return m.growEOF(i, addr)
	}
	if !v.cow || v.prot&unix.PROT_WRITE == 0 || !v.backed() || v.pastEOF {
		return false, nil
	}
	s, e := v.start, v.end
	if !m.mf.exclusive(v.memOff, v.length()) {
		base := addr &^ (cowChunk - 1)
		s, e = max(s, base), min(e, base+cowChunk)
	}
	return true, m.breakCOW(s, e, unix.PROT_WRITE, true)
}

// hasCOW reports whether a copy-on-write piece meets [addr, addr+n).
// The caller holds m.mu.
func (m *MM) hasCOW(addr uint64, n int) bool {
	end := addr + uint64(n)
	if end < addr {
		end = TaskSize
	}
	for i := m.vmas.after(addr); i < len(m.vmas) && m.vmas[i].start < end; i++ {
		if m.vmas[i].cow {
			return true
		}
	}
	return false
}

// lockToWrite locks m for a write by the sentry into [addr, addr+n):
// shared if no copy-on-write memory is there, else exclusively, after
// giving m its own copy of the pieces allowing need. It returns the
// unlock function.
func (m *MM) lockToWrite(addr uint64, n int, need int) (func(), error) {
	m.mu.RLock()
	if !m.hasCOW(addr, n) {
		return m.mu.RUnlock, nil
	}
	m.mu.RUnlock()
	m.mu.Lock()
	end := addr + uint64(n)
	if end < addr || end > TaskSize {
		end = TaskSize
	}
	s := addr &^ (PageSize - 1)
	e, _ := pageRoundUp(end)
	if err := m.breakCOW(s, e, need, true); err != nil {
		m.mu.Unlock()
		return nil, err
	}
	return m.mu.Unlock, nil
}

// breakCOW gives m its own memory for the copy-on-write pieces allowing
// need inside [start, end) (page aligned): a copy of the shared bytes
// with copyData, else zeroes. The caller holds m.mu exclusively.
func (m *MM) breakCOW(start, end uint64, need int, copyData bool) error {
	var todo []extent
	for i := m.vmas.after(start); i < len(m.vmas) && m.vmas[i].start < end; i++ {
		v := &m.vmas[i]
		if v.cow && v.prot&need == need {
			todo = append(todo, extent{int64(max(v.start, start)), int64(min(v.end, end))})
		}
	}
	if len(todo) == 0 {
		return nil
	}
	var firstErr error
	for _, r := range todo {
		i, j := m.vmas.isolate(uint64(r.off), uint64(r.end))
		for k := i; k < j; k++ {
			if err := m.unshare(&m.vmas[k], copyData); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	}
	m.vmas.mergeAround(start, end)
	if err := m.sync(start, end); err != nil {
		return err
	}
	return firstErr
}

// unshare makes v's memory its own. If no other piece holds it any more,
// that is only a matter of dropping the cow mark.
func (m *MM) unshare(v *vma, copyData bool) error {
	if !v.backed() {
		v.cow = false
		return nil
	}
	n := v.length()
	if m.mf.exclusive(v.memOff, n) {
		v.cow = false
		return nil
	}
	off, err := m.mf.Allocate(n)
	if err != nil {
		return err
	}
	if copyData {
		m.mf.copyRange(off, v.memOff, n)
	}
	m.mf.Free(v.memOff, n) // drops this piece's reference
	v.memOff, v.cow = off, false
	return nil
}
