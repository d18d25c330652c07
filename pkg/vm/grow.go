package vm

// growPiece prepares a piece of n bytes continuing last (same kind,
// next file offset) with its own memory: the file range right after
// last's if that is free, so the two pieces can merge, else any range.
// The caller sets start and end, inserts it and passes the returned
// count of bytes the file had for it to markPastEOF; the piece holds its
// own reference to the file.
func (m *MM) growPiece(last *vma, n uint64) (vma, uint64, error) {
	v := *last
	v.memOff = -1
	v.cow = false     // fresh memory of its own
	v.pastEOF = false // decided by the file as it is now
	if v.file != nil {
		v.fileOff += int64(last.length())
	}
	if !last.backed() && !last.shared && last.file == nil {
		// A reservation grows as a reservation.
		return v, n, nil
	}
	if last.backed() && m.mf.allocateAt(last.memOff+int64(last.length()), n) {
		v.memOff = last.memOff + int64(last.length())
	} else {
		off, err := m.mf.Allocate(n)
		if err != nil {
			return vma{}, 0, err
		}
		v.memOff = off
	}
	inFile := n
	if v.file != nil {
		var err error
		if inFile, err = m.fill(v.file, v.fileOff, v.memOff, n); err != nil {
			m.mf.Free(v.memOff, n)
			return vma{}, 0, err
		}
	}
	incRef(v.file)
	return v, inFile, nil
}
