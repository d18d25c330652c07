package vm

import (
	"errors"
	"io"

	"golang.org/x/sys/unix"
)

// MmapOpts are the arguments of mmap, with the file already resolved.
type MmapOpts struct {
	Addr, Length uint64
	Prot         int // unix.PROT_*
	// Flags are unix.MAP_*. MAP_NORESERVE, MAP_POPULATE, MAP_STACK,
	// MAP_GROWSDOWN, MAP_LOCKED, MAP_HUGETLB and MAP_UNINITIALIZED are
	// accepted and have no effect.
	Flags  int
	File   Mappable // nil for anonymous memory
	Offset int64    // offset in File
	Name   string   // shown by Maps: a path, "[stack]", "[heap]" or ""
	// ReadOnlyFile: File is not open for writing, so a shared mapping
	// of it may not become writable (mprotect: EACCES).
	ReadOnlyFile bool
}

const protMask = unix.PROT_READ | unix.PROT_WRITE | unix.PROT_EXEC

// Mmap creates a mapping and returns its address.
func (m *MM) Mmap(o MmapOpts) (uint64, error) {
	if o.Length == 0 {
		return 0, unix.EINVAL
	}
	length, ok := pageRoundUp(o.Length)
	if !ok || length > TaskSize {
		return 0, unix.ENOMEM
	}
	var shared bool
	switch o.Flags & 0xf { // MAP_TYPE
	case unix.MAP_PRIVATE:
	case unix.MAP_SHARED, unix.MAP_SHARED_VALIDATE:
		shared = true
	default:
		return 0, unix.EINVAL
	}
	if o.Offset&(PageSize-1) != 0 {
		return 0, unix.EINVAL
	}
	file := o.File
	if o.Flags&unix.MAP_ANONYMOUS != 0 {
		file = nil
	}
	offset := o.Offset
	if file == nil {
		offset = 0
	} else if offset < 0 || uint64(offset)+length < uint64(offset) || uint64(offset)+length > 1<<63 {
		return 0, unix.EOVERFLOW
	}
	noReplace := o.Flags&unix.MAP_FIXED_NOREPLACE != 0
	fixed := noReplace || o.Flags&unix.MAP_FIXED != 0
	if fixed {
		if !pageAligned(o.Addr) {
			return 0, unix.EINVAL
		}
		if o.Addr+length < o.Addr || o.Addr+length > TaskSize {
			return 0, unix.ENOMEM
		}
		if o.Addr < MinAddr {
			return 0, unix.EPERM
		}
	}
	v := vma{prot: o.Prot & protMask, shared: shared, file: file, fileOff: offset, memOff: -1, name: o.Name,
		noMayWrite: shared && file != nil && o.ReadOnlyFile}
	// Prepare the pages before taking the lock: copying a file in may
	// be slow.
	inFile := length
	var pieces []vma // a shared mapping of a page cache (shared.go)
	if sm, ok := sharedFile(&v); ok {
		var err error
		if pieces, inFile, err = m.sharedPieces(sm, v, offset, length); err != nil {
			return 0, err
		}
	} else if v.prot != unix.PROT_NONE || shared || file != nil {
		off, err := m.mf.Allocate(length)
		if err != nil {
			return 0, err
		}
		v.memOff = off
		if file != nil {
			if inFile, err = m.fill(file, offset, off, length); err != nil {
				m.mf.Free(off, length)
				return 0, err
			}
		}
	}

	drop := func() {
		if v.backed() {
			m.mf.Free(v.memOff, length)
		}
		m.dropPieces(pieces)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	addr := o.Addr
	if fixed {
		if m.reservedOverlaps(addr, addr+length) {
			drop()
			return 0, unix.ENOMEM
		}
		if noReplace && m.vmas.overlaps(addr, addr+length) {
			drop()
			return 0, unix.EEXIST
		}
		m.removeRange(addr, addr+length)
	} else {
		addr, ok = m.findFree(o.Addr, length, o.Flags&unix.MAP_32BIT != 0)
		if !ok {
			drop()
			return 0, unix.ENOMEM
		}
	}
	v.start, v.end = addr, addr+length
	if pieces != nil {
		m.placePieces(pieces, addr, inFile)
	} else {
		incRef(v.file)
		m.vmas.insert(v)
		m.markPastEOF(v.start, v.end, inFile)
	}
	m.vmas.mergeAround(v.start, v.end)
	if err := m.sync(v.start, v.end); err != nil {
		return 0, err
	}
	return addr, nil
}

// holeReporter is a Mappable that can tell a hole of its file (vfs.File).
type holeReporter interface {
	IsHole(off, n int64) bool
}

// fillBlock is the unit in which fill looks for holes.
const fillBlock = 64 << 10

// fill copies length bytes of file from offset into the memory file at
// memOff and returns how many of them the file had before its end. Bytes
// past EOF stay zero.
func (m *MM) fill(file Mappable, offset, memOff int64, length uint64) (uint64, error) {
	buf := m.mf.view(memOff, length)
	holes, _ := file.(holeReporter)
	for len(buf) > 0 {
		to := len(buf)
		if holes != nil {
			// The memory is fresh (zeroes): a hole of the file is
			// skipped, not read, so a sparse file costs its data.
			blk := min(fillBlock-int(offset%fillBlock), len(buf))
			if holes.IsHole(offset, int64(blk)) {
				buf, offset = buf[blk:], offset+int64(blk)
				continue
			}
			to = blk
		}
		n, err := file.ReadAt(buf[:to], offset)
		buf, offset = buf[n:], offset+int64(n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var errno unix.Errno
			if errors.As(err, &errno) {
				return 0, errno
			}
			return 0, unix.EIO
		}
		if n == 0 {
			break
		}
	}
	return length - uint64(len(buf)), nil
}

// Munmap removes the mappings in [addr, addr+length).
func (m *MM) Munmap(addr, length uint64) error {
	if !pageAligned(addr) || length == 0 {
		return unix.EINVAL
	}
	length, ok := pageRoundUp(length)
	if !ok || addr+length < addr || addr+length > TaskSize {
		return unix.EINVAL
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.removeRange(addr, addr+length)
	return m.sync(addr, addr+length)
}

// Mprotect changes the protection of [addr, addr+length). ENOMEM, with
// nothing changed, if the range is not fully mapped.
func (m *MM) Mprotect(addr, length uint64, prot int) error {
	if !pageAligned(addr) || prot&^(protMask|unix.PROT_GROWSDOWN|unix.PROT_GROWSUP) != 0 {
		return unix.EINVAL
	}
	if prot&(unix.PROT_GROWSDOWN|unix.PROT_GROWSUP) == unix.PROT_GROWSDOWN|unix.PROT_GROWSUP {
		return unix.EINVAL
	}
	prot &= protMask
	length, ok := pageRoundUp(length)
	if !ok || addr+length < addr {
		return unix.ENOMEM
	}
	if length == 0 {
		return nil
	}
	end := addr + length
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.vmas.covered(addr, end) {
		return unix.ENOMEM
	}
	if prot&unix.PROT_WRITE != 0 {
		for i := m.vmas.after(addr); i < len(m.vmas) && m.vmas[i].start < end; i++ {
			if m.vmas[i].noMayWrite {
				return unix.EACCES
			}
		}
	}
	i, j := m.vmas.isolate(addr, end)
	if prot != unix.PROT_NONE {
		// Reservations become real memory now; allocate for all of them
		// before changing anything so ENOMEM leaves m as it was.
		var got []int
		for k := i; k < j; k++ {
			v := &m.vmas[k]
			if v.backed() {
				continue
			}
			off, err := m.mf.Allocate(v.length())
			if err != nil {
				for _, g := range got {
					m.freeBacking(&m.vmas[g])
				}
				m.vmas.mergeAround(addr, end)
				return err
			}
			v.memOff = off
			got = append(got, k)
		}
	}
	for k := i; k < j; k++ {
		m.vmas[k].prot = prot
	}
	m.vmas.mergeAround(addr, end)
	return m.sync(addr, end)
}
