package vm

import "golang.org/x/sys/unix"

// Mremap resizes and/or moves the mapping at [oldAddr, oldAddr+oldLen),
// which must lie inside one mapping (as Maps shows them). Moving keeps the
// memory-file ranges and only changes addresses, so nothing is copied.
// MREMAP_DONTUNMAP is supported for private anonymous mappings: the old
// range stays mapped, reading as zeroes. old_len == 0 duplicates a shared
// mapping (mremapDup).
func (m *MM) Mremap(oldAddr, oldLen, newLen uint64, flags int, newAddr uint64) (uint64, error) {
	const known = unix.MREMAP_MAYMOVE | unix.MREMAP_FIXED | unix.MREMAP_DONTUNMAP
	mayMove := flags&unix.MREMAP_MAYMOVE != 0
	fixed := flags&unix.MREMAP_FIXED != 0
	dontUnmap := flags&unix.MREMAP_DONTUNMAP != 0
	if flags&^known != 0 || (fixed && !mayMove) || (dontUnmap && (!mayMove || oldLen != newLen)) {
		return 0, unix.EINVAL
	}
	if !pageAligned(oldAddr) {
		return 0, unix.EINVAL
	}
	oldLen, ok1 := pageRoundUp(oldLen)
	newLen, ok2 := pageRoundUp(newLen)
	if ok1 && ok2 && oldLen == 0 && newLen != 0 && newLen <= TaskSize {
		// Duplicating a shared mapping (shared.go).
		return m.mremapDup(oldAddr, newLen, mayMove, fixed, newAddr)
	}
	if !ok1 || !ok2 || newLen == 0 || oldLen == 0 {
		return 0, unix.EINVAL
	}
	oldEnd := oldAddr + oldLen
	if oldEnd < oldAddr || oldEnd > TaskSize || newLen > TaskSize {
		return 0, unix.EFAULT
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	last, ok := m.oneMapping(oldAddr, oldEnd)
	if !ok {
		return 0, unix.EFAULT
	}
	if dontUnmap && (last.shared || last.file != nil) {
		return 0, unix.EINVAL
	}

	if fixed || dontUnmap {
		dst := newAddr
		if fixed {
			if !pageAligned(newAddr) {
				return 0, unix.EINVAL
			}
			if newAddr+newLen < newAddr || newAddr+newLen > TaskSize {
				return 0, unix.EINVAL
			}
			if newAddr < oldEnd && oldAddr < newAddr+newLen {
				return 0, unix.EINVAL
			}
			if newAddr < MinAddr || m.reservedOverlaps(newAddr, newAddr+newLen) {
				return 0, unix.ENOMEM
			}
		} else {
			var ok bool
			if dst, ok = m.findFree(0, newLen, false); !ok {
				return 0, unix.ENOMEM
			}
		}
		if err := m.moveGrow(oldAddr, oldEnd, dst, newLen, last, dontUnmap, fixed); err != nil {
			return 0, err
		}
		return dst, nil
	}

	if newLen <= oldLen {
		m.removeRange(oldAddr+newLen, oldEnd)
		if err := m.sync(oldAddr+newLen, oldEnd); err != nil {
			return 0, err
		}
		return oldAddr, nil
	}
	newEnd := oldAddr + newLen
	if newEnd > oldAddr && m.rangeFree(oldEnd, newEnd) {
		if sm, ok := sharedFile(&last); ok {
			vs, inFile, err := m.sharedPieces(sm, last, last.fileOff+int64(last.length()), newEnd-oldEnd)
			if err != nil {
				return 0, err
			}
			m.placePieces(vs, oldEnd, inFile)
			m.vmas.mergeAround(oldEnd, newEnd)
			if err := m.sync(oldEnd, newEnd); err != nil {
				return 0, err
			}
			return oldAddr, nil
		}
		v, inFile, err := m.growPiece(&last, newEnd-oldEnd)
		if err != nil {
			return 0, err
		}
		v.start, v.end = oldEnd, newEnd
		m.vmas.insert(v)
		m.markPastEOF(oldEnd, newEnd, inFile)
		m.vmas.mergeAround(oldEnd, newEnd)
		if err := m.sync(oldEnd, newEnd); err != nil {
			return 0, err
		}
		return oldAddr, nil
	}
	if !mayMove {
		return 0, unix.ENOMEM
	}
	dst, ok := m.findFree(0, newLen, false)
	if !ok {
		return 0, unix.ENOMEM
	}
	if err := m.moveGrow(oldAddr, oldEnd, dst, newLen, last, false, false); err != nil {
		return 0, err
	}
	return dst, nil
}

// oneMapping checks that pieces cover [start, end) and would be one VMA
// for Linux, and returns the piece holding end-1.
func (m *MM) oneMapping(start, end uint64) (vma, bool) {
	i, ok := m.vmas.at(start)
	if !ok {
		return vma{}, false
	}
	for m.vmas[i].end < end {
		if i+1 >= len(m.vmas) || m.vmas[i+1].start != m.vmas[i].end || !sameKind(&m.vmas[i], &m.vmas[i+1]) {
			return vma{}, false
		}
		i++
	}
	return m.vmas[i], true
}

// moveGrow moves the pieces of [src, oldEnd) to dst, shrinking them to
// newLen bytes or growing them with a piece continuing last (the piece
// holding oldEnd-1). With clearDst, whatever was mapped at
// [dst, dst+newLen) goes first; otherwise that range must be free. With
// dontUnmap, src is mapped again with fresh zero memory shaped like last.
// Memory is allocated before anything changes, so an error leaves m as it
// was.
func (m *MM) moveGrow(src, oldEnd, dst, newLen uint64, last vma, dontUnmap, clearDst bool) error {
	n := min(oldEnd-src, newLen)
	srcEnd := src + n
	var tail vma
	var tailPieces []vma
	var tailInFile uint64
	if newLen > n {
		// Continue last from srcEnd even if the old range ends inside
		// it.
		if last.end > srcEnd {
			if last.file != nil {
				last.fileOff -= int64(last.end - srcEnd)
			}
			last.end = srcEnd
		}
		var err error
		if sm, ok := sharedFile(&last); ok {
			// A shared file mapping grows with more of the file's
			// cache (shared.go).
			if tailPieces, tailInFile, err = m.sharedPieces(sm, last, last.fileOff+int64(last.length()), newLen-n); err != nil {
				return err
			}
		} else if tail, tailInFile, err = m.growPiece(&last, newLen-n); err != nil {
			return err
		}
	}
	var fresh vma
	if dontUnmap {
		fresh = last
		fresh.start, fresh.end = src, srcEnd
		fresh.cow = false
		if last.backed() {
			off, err := m.mf.Allocate(n)
			if err != nil {
				if newLen > n && tail.backed() {
					m.mf.Free(tail.memOff, newLen-n)
					decRef(tail.file)
				}
				return err
			}
			fresh.memOff = off
		}
	}
	if clearDst {
		m.removeRange(dst, dst+newLen)
	}
	if srcEnd < oldEnd {
		m.removeRange(srcEnd, oldEnd)
	}
	i, j := m.vmas.isolate(src, srcEnd)
	moved := append([]vma(nil), m.vmas[i:j]...)
	m.vmas.removeAt(i, j)
	for _, v := range moved {
		v.start, v.end = v.start-src+dst, v.end-src+dst
		m.vmas.insert(v)
	}
	if tailPieces != nil {
		m.placePieces(tailPieces, dst+n, tailInFile)
	} else if newLen > n {
		tail.start, tail.end = dst+n, dst+newLen
		m.vmas.insert(tail)
		m.markPastEOF(tail.start, tail.end, tailInFile)
	}
	m.vmas.mergeAround(dst, dst+newLen)
	if dontUnmap {
		m.vmas.insert(fresh)
		m.vmas.mergeAround(src, srcEnd)
	}
	if err := m.sync(src, oldEnd); err != nil {
		return err
	}
	return m.sync(dst, dst+newLen)
}
