package vm

// growPiece prepares a piece of n bytes continuing last (same kind,
// next file offset) with its own memory: the file range right after
// last's if that is free, so the two pieces can merge, else any range.
// The caller sets start and end and inserts it; the piece holds its own
// reference to the file.
func (m *MM) growPiece(last *vma, n uint64) (vma, error) {
	v := *last
	v.memOff = -1
	v.cow = false // fresh memory of its own
	if v.file != nil {
		v.fileOff += int64(last.length())
	}
	if !last.backed() && !last.shared && last.file == nil {
		// A reservation grows as a reservation.
		return v, nil
	}
	if last.backed() && m.mf.allocateAt(last.memOff+int64(last.length()), n) {
		v.memOff = last.memOff + int64(last.length())
	} else {
		off, err := m.mf.Allocate(n)
		if err != nil {
			return vma{}, err
		}
		v.memOff = off
	}
	if v.file != nil {
		if err := m.fill(v.file, v.fileOff, v.memOff, n); err != nil {
			m.mf.Free(v.memOff, n)
			return vma{}, err
		}
	}
	incRef(v.file)
	return v, nil
}
