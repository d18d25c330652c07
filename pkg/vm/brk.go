package vm

import "golang.org/x/sys/unix"

// SetBrkStart sets the start of the heap, once, when the loader has
// placed the program: the break starts there, page-aligned up.
func (m *MM) SetBrkStart(addr uint64) {
	a, ok := pageRoundUp(addr)
	if !ok {
		a = addr &^ (PageSize - 1)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.brkStart, m.brk = a, a
}

// Brk moves the program break to addr and returns the new break, or the
// unchanged current one when addr is below the heap start, the heap
// cannot grow there, or memory runs out (Linux's brk never fails with an
// errno). brk(0) therefore returns the current break.
func (m *MM) Brk(addr uint64) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if addr < m.brkStart || addr > TaskSize {
		return m.brk
	}
	newEnd, _ := pageRoundUp(addr)
	oldEnd, _ := pageRoundUp(m.brk)
	switch {
	case newEnd == oldEnd:
	case newEnd < oldEnd:
		m.removeRange(newEnd, oldEnd)
		if m.sync(newEnd, oldEnd) != nil {
			return m.brk
		}
	default:
		if !m.rangeFree(oldEnd, newEnd) {
			return m.brk
		}
		last := &vma{prot: unix.PROT_READ | unix.PROT_WRITE, memOff: -1, name: "[heap]"}
		if i, ok := m.vmas.at(oldEnd - 1); ok && m.vmas[i].name == "[heap]" && m.vmas[i].end == oldEnd && m.vmas[i].file == nil {
			last = &m.vmas[i]
		}
		v, _, err := m.growPiece(last, newEnd-oldEnd) // anonymous: no EOF
		if err != nil {
			return m.brk
		}
		if !v.backed() {
			// A heap whose last page was made PROT_NONE is grown with
			// fresh read-write memory, as Linux does.
			off, err := m.mf.Allocate(newEnd - oldEnd)
			if err != nil {
				return m.brk
			}
			v.memOff = off
		}
		v.prot = unix.PROT_READ | unix.PROT_WRITE
		v.start, v.end = oldEnd, newEnd
		m.vmas.insert(v)
		m.vmas.mergeAround(oldEnd, newEnd)
		if m.sync(oldEnd, newEnd) != nil {
			return m.brk
		}
	}
	m.brk = addr
	return addr
}

// BrkRange returns the heap start and the current break.
func (m *MM) BrkRange() (start, brk uint64) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.brkStart, m.brk
}
