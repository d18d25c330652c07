package vm

import "golang.org/x/sys/unix"

// Madvise applies advice to [addr, addr+length). Only the advices that
// change contents do anything: MADV_DONTNEED (and MADV_FREE,
// MADV_DONTNEED_LOCKED) drop private pages, so anonymous memory reads as
// zeroes again and private file memory as the file's bytes; MADV_REMOVE
// frees shared memory. The other advices Linux knows are accepted and
// ignored. ENOMEM if part of the range is unmapped (after applying the
// advice to the mapped part, like Linux).
func (m *MM) Madvise(addr, length uint64, advice int) error {
	if !pageAligned(addr) {
		return unix.EINVAL
	}
	n, ok := pageRoundUp(length)
	if !ok || addr+n < addr {
		return unix.EINVAL
	}
	switch advice {
	case unix.MADV_NORMAL, unix.MADV_RANDOM, unix.MADV_SEQUENTIAL, unix.MADV_WILLNEED,
		unix.MADV_DONTNEED, unix.MADV_DONTNEED_LOCKED, unix.MADV_FREE, unix.MADV_REMOVE,
		unix.MADV_DONTFORK, unix.MADV_DOFORK, unix.MADV_MERGEABLE, unix.MADV_UNMERGEABLE,
		unix.MADV_HUGEPAGE, unix.MADV_NOHUGEPAGE, unix.MADV_DONTDUMP, unix.MADV_DODUMP,
		unix.MADV_WIPEONFORK, unix.MADV_KEEPONFORK, unix.MADV_COLD, unix.MADV_PAGEOUT,
		unix.MADV_POPULATE_READ, unix.MADV_POPULATE_WRITE, unix.MADV_COLLAPSE:
	case unix.MADV_HWPOISON:
		return unix.EPERM
	default:
		return unix.EINVAL
	}
	if n == 0 {
		return nil
	}
	end := addr + n
	m.mu.Lock()
	defer m.mu.Unlock()
	switch advice {
	case unix.MADV_DONTFORK, unix.MADV_DOFORK, unix.MADV_WIPEONFORK, unix.MADV_KEEPONFORK:
		return m.setForkAdvice(addr, end, advice)
	case unix.MADV_DONTNEED, unix.MADV_DONTNEED_LOCKED:
		// The pages are about to be dropped: memory shared with a
		// forked address space is replaced by fresh memory, not
		// punched (which the other side would see).
		if err := m.breakCOW(addr, end, 0, false); err != nil {
			return err
		}
	case unix.MADV_FREE:
		if err := m.breakCOW(addr, end, 0, true); err != nil {
			return err
		}
	}
	for i := m.vmas.after(addr); i < len(m.vmas) && m.vmas[i].start < end; i++ {
		v := &m.vmas[i]
		s, e := max(v.start, addr), min(v.end, end)
		if err := m.advise(v, s, e, advice); err != nil {
			return err
		}
	}
	if !m.vmas.covered(addr, end) {
		return unix.ENOMEM
	}
	return nil
}

// setForkAdvice records what a fork does with the pieces of [addr, end).
// MADV_WIPEONFORK applies to private anonymous memory only (EINVAL).
// ENOMEM if part of the range is unmapped, after marking the mapped part.
func (m *MM) setForkAdvice(addr, end uint64, advice int) error {
	if advice == unix.MADV_WIPEONFORK {
		for i := m.vmas.after(addr); i < len(m.vmas) && m.vmas[i].start < end; i++ {
			if v := &m.vmas[i]; v.shared || v.file != nil {
				return unix.EINVAL
			}
		}
	}
	i, j := m.vmas.isolate(addr, end)
	for k := i; k < j; k++ {
		v := &m.vmas[k]
		switch advice {
		case unix.MADV_DONTFORK:
			v.dontFork = true
		case unix.MADV_DOFORK:
			v.dontFork = false
		case unix.MADV_WIPEONFORK:
			v.wipeOnFork = true
		case unix.MADV_KEEPONFORK:
			v.wipeOnFork = false
		}
	}
	m.vmas.mergeAround(addr, end)
	if !m.vmas.covered(addr, end) {
		return unix.ENOMEM
	}
	return nil
}

// advise applies advice to [s, e), a part of v.
func (m *MM) advise(v *vma, s, e uint64, advice int) error {
	switch advice {
	case unix.MADV_DONTNEED, unix.MADV_DONTNEED_LOCKED, unix.MADV_FREE:
		// Shared pages stay in the shared object; only the app's view
		// of them would be dropped, which changes nothing here.
		if v.shared || !v.backed() {
			return nil
		}
		if advice == unix.MADV_FREE && v.file != nil {
			return unix.EINVAL
		}
		off := v.memOff + int64(s-v.start)
		// Punching zeroes the pages in every mapping of the memfd,
		// including the platform's, so nothing needs remapping.
		if err := m.mf.punch(off, e-s); err != nil {
			return unix.EINVAL
		}
		if v.file != nil {
			// Pages past EOF stay so even if the file has grown
			// since (eof.go).
			_, err := m.fill(v.file, v.fileOff+int64(s-v.start), off, e-s)
			return err
		}
	case unix.MADV_REMOVE:
		if !v.shared {
			return unix.EINVAL
		}
		if v.backed() {
			if err := m.mf.punch(v.memOff+int64(s-v.start), e-s); err != nil {
				return unix.EINVAL
			}
		}
	}
	return nil
}
