package vfs

import "golang.org/x/sys/unix"

// AppendWrite writes p at the end of the file whatever its flags
// (pwritev2's RWF_APPEND) and, if moveOffset, leaves the file offset at
// the new end, as a write at the current offset does. It returns the
// count and the new end.
func (f *File) AppendWrite(p []byte, moveOffset bool) (int, int64, error) {
	if !f.writable() {
		return 0, 0, unix.EBADF
	}
	if !f.impl.Seekable() {
		n, err := f.impl.WriteAt(p, -1)
		return n, 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int
	var end int64
	var err error
	if a, ok := f.impl.(appender); ok {
		n, end, err = a.Append(p)
	} else {
		st, serr := f.impl.Stat()
		if serr != nil {
			return 0, 0, serr
		}
		n, err = f.impl.WriteAt(p, st.Size)
		end = st.Size + int64(n)
	}
	if moveOffset {
		f.off = end
	}
	return n, end, err
}

// WriteNoAppend is a write at off (off < 0: at the file offset, which
// it advances) that ignores O_APPEND (pwritev2's RWF_NOAPPEND).
func (f *File) WriteNoAppend(p []byte, off int64) (int, error) {
	if !f.writable() {
		return 0, unix.EBADF
	}
	if !f.impl.Seekable() {
		if off >= 0 {
			return 0, unix.ESPIPE
		}
		return f.impl.WriteAt(p, -1)
	}
	if off >= 0 {
		return f.impl.WriteAt(p, off)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.impl.WriteAt(p, f.off)
	f.off += int64(n)
	return n, err
}
