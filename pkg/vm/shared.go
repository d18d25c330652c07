package vm

import "golang.org/x/sys/unix"

// Shared file mappings.
//
// A MAP_SHARED mapping of a SharedMappable (a file's page cache, from
// pkg/vfs) does not copy the file: its pieces are backed by the cache's
// own pages in the memory file, each piece holding one reference to them
// (MemoryFile.share) and one to the cache (IncRef). Every address space
// and every mapping of the file therefore maps the same pages, the
// cache keeps them coherent with read and write, and the cache writes
// them back to the file (msync, and when its last mapping goes). A
// cache's memory is contiguous only within its chunks, so such a
// mapping may be several pieces.

// SharedMappable is a file whose MAP_SHARED mappings share its page
// cache. Pages calls fn for the runs of memory-file pages holding the
// file's bytes [off, off+n) in file order; Size is the file's size now;
// Writeback writes the pages of [off, off+n) to the file. AddMapper
// records an address space (an *MM) mapping the file, so that a file
// that shrinks calls its FileShrunk; RemoveMapper forgets it.
type SharedMappable interface {
	Mappable
	IncRef()
	DecRef()
	Pages(off int64, n uint64, fn func(memOff int64, n uint64)) error
	Size() (int64, error)
	Writeback(off int64, n uint64, sync bool) error
	AddMapper(m any)
	RemoveMapper(m any)
}

// View is the sentry's mapping of the allocated range [off, off+n): page
// caches use it to fill and write back their pages.
func (f *MemoryFile) View(off int64, n uint64) []byte { return f.view(off, n) }

// sharedFile returns v's file if v is a shared mapping of a page cache.
func sharedFile(v *vma) (SharedMappable, bool) {
	if !v.shared || v.file == nil {
		return nil, false
	}
	sm, ok := v.file.(SharedMappable)
	return sm, ok
}

// sharedPieces returns the pieces backing a shared mapping of length
// bytes of sm at file offset off, shaped like tmpl and placed from
// address 0 (the caller moves them), and how many of those bytes lie
// before the end of file. Each piece holds a reference to its memory and
// one to sm.
func (m *MM) sharedPieces(sm SharedMappable, tmpl vma, off int64, length uint64) ([]vma, uint64, error) {
	size, err := sm.Size()
	if err != nil {
		return nil, 0, err
	}
	var out []vma
	var addr uint64
	err = sm.Pages(off, length, func(memOff int64, n uint64) {
		m.mf.share(memOff, n)
		v := tmpl
		v.start, v.end = addr, addr+n
		v.fileOff = off + int64(addr)
		v.memOff = memOff
		v.cow, v.pastEOF = false, false
		out = append(out, v)
		addr += n
	})
	if err != nil {
		for i := range out {
			m.mf.Free(out[i].memOff, out[i].length())
		}
		return nil, 0, err
	}
	for range out {
		sm.IncRef()
	}
	sm.AddMapper(m)
	inFile := uint64(0)
	if size > off {
		inFile = min(length, uint64(size-off))
	}
	return out, inFile, nil
}

// placePieces inserts pieces made by sharedPieces at base and marks the
// ones past the end of file. The caller holds m.mu and merges after.
func (m *MM) placePieces(vs []vma, base, inFile uint64) {
	if len(vs) == 0 {
		return
	}
	for _, v := range vs {
		v.start, v.end = v.start+base, v.end+base
		m.vmas.insert(v)
	}
	m.markPastEOF(base, base+vs[len(vs)-1].end, inFile)
}

// dropPieces undoes sharedPieces for pieces never inserted.
func (m *MM) dropPieces(vs []vma) {
	for i := range vs {
		m.mf.Free(vs[i].memOff, vs[i].length())
		decRef(vs[i].file)
	}
}

// mremapDup is mremap with old_len == 0: a new mapping of newLen bytes
// (at newAddr with fixed) of the same shared memory as the mapping at
// addr, from addr's place in it on, as Linux duplicates a shared mapping.
// EFAULT if addr is not mapped, EINVAL if the mapping is private, ENOMEM
// without MREMAP_MAYMOVE (nothing can grow in place from zero bytes).
// A shared file mapping may be duplicated over any length of the file;
// shared anonymous memory only as far as the mapping at addr reaches
// (EINVAL past it, where Linux maps pages that raise SIGBUS).
func (m *MM) mremapDup(addr, newLen uint64, mayMove, fixed bool, newAddr uint64) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.vmas.at(addr)
	if !ok {
		return 0, unix.EFAULT
	}
	v := m.vmas[i]
	if !v.shared {
		return 0, unix.EINVAL
	}
	if !mayMove {
		return 0, unix.ENOMEM
	}
	var vs []vma
	var inFile uint64
	if sm, ok := sharedFile(&v); ok {
		var err error
		if vs, inFile, err = m.sharedPieces(sm, v, v.fileOff+int64(addr-v.start), newLen); err != nil {
			return 0, err
		}
	} else {
		// The pieces from addr on, as far as newLen, must be this one
		// shared mapping.
		inFile = newLen
		for pos, first := addr, i; pos < addr+newLen; i++ {
			if i >= len(m.vmas) || m.vmas[i].start > pos || !m.vmas[i].backed() ||
				(i > first && !sameKind(&m.vmas[i-1], &m.vmas[i])) {
				m.dropPieces(vs)
				return 0, unix.EINVAL
			}
			p := m.vmas[i]
			if p.start < addr {
				p.memOff += int64(addr - p.start)
				if p.file != nil {
					p.fileOff += int64(addr - p.start)
				}
				p.start = addr
			}
			p.end = min(p.end, addr+newLen)
			m.mf.share(p.memOff, p.length())
			incRef(p.file)
			pos = p.end
			p.start, p.end = p.start-addr, p.end-addr
			vs = append(vs, p)
		}
	}
	dst := newAddr
	if fixed {
		if !pageAligned(newAddr) || newAddr+newLen < newAddr || newAddr+newLen > TaskSize {
			m.dropPieces(vs)
			return 0, unix.EINVAL
		}
		if newAddr < MinAddr || m.reservedOverlaps(newAddr, newAddr+newLen) {
			m.dropPieces(vs)
			return 0, unix.ENOMEM
		}
		m.removeRange(newAddr, newAddr+newLen)
	} else if dst, ok = m.findFree(0, newLen, false); !ok {
		m.dropPieces(vs)
		return 0, unix.ENOMEM
	}
	m.placePieces(vs, dst, inFile)
	m.vmas.mergeAround(dst, dst+newLen)
	return dst, m.sync(dst, dst+newLen)
}

// growEOF handles a fault on a page of a shared file mapping that was past
// the end of file: if the file has grown to reach it, the pages now in the
// file become accessible (as on Linux, where a shared mapping sees the
// file as it is) and the access is retried. The caller holds m.mu and runs
// on a task of m (it tells the platform).
func (m *MM) growEOF(i int, addr uint64) (bool, error) {
	start, end, ok := m.unmarkEOF(i, addr)
	if !ok {
		return false, nil
	}
	return true, m.sync(start, end)
}

// unmarkEOF makes the pages of piece i's shared file mapping that the
// file now holds, from the piece's start, accessible, if addr is among
// them, and returns their range. The caller holds m.mu and mirrors it.
func (m *MM) unmarkEOF(i int, addr uint64) (uint64, uint64, bool) {
	v := &m.vmas[i]
	sm, ok := sharedFile(v)
	if !ok || !v.pastEOF || v.prot == unix.PROT_NONE {
		return 0, 0, false
	}
	size, err := sm.Size()
	if err != nil {
		return 0, 0, false
	}
	at := v.fileOff + int64(addr-v.start)
	if size <= at {
		return 0, 0, false
	}
	eof, _ := pageRoundUp(uint64(size))
	start, end := v.start, v.end
	if lim := v.start + (eof - uint64(v.fileOff)); lim < end {
		end = lim
	}
	i, j := m.vmas.isolate(start, end)
	for k := i; k < j; k++ {
		m.vmas[k].pastEOF = false
	}
	m.vmas.mergeAround(start, end)
	return start, end, true
}

// eofRetry runs a copy of n bytes at addr by the sentry (copy(off) copies
// from byte off on) and, when it stops with EFAULT at a page of a shared
// file mapping that the file has grown to since it was mapped, makes the
// page accessible and copies the rest: a syscall may be the first to touch
// such a page. The platform learns of the change when a task of m next
// faults there or returns to the application (syncStale), since the copy
// may run on another process's task.
func (m *MM) eofRetry(addr uint64, n int, copy func(off int) (int, error)) (int, error) {
	done, err := copy(0)
	for err == unix.EFAULT && done < n && m.refreshEOF(addr+uint64(done)) {
		k, e := copy(done)
		done += k
		err = e
	}
	return done, err
}

// refreshEOF is unmarkEOF for the piece at addr, leaving the mirror to
// syncStale.
func (m *MM) refreshEOF(addr uint64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.vmas.at(addr)
	if !ok {
		return false
	}
	start, end, ok := m.unmarkEOF(i, addr)
	if ok {
		m.stale = append(m.stale, extent{int64(start), int64(end)})
		m.pending.Store(true)
	}
	return ok
}

// syncStale mirrors the ranges changed without telling the platform and
// reports whether addr was in one of them. The caller holds m.mu and runs
// on a task of m.
func (m *MM) syncStale(addr uint64) (bool, error) {
	m.pending.Store(false)
	stale := m.stale
	m.stale = nil
	hit := false
	for _, r := range stale {
		hit = hit || (uint64(r.off) <= addr && addr < uint64(r.end))
		if err := m.sync(uint64(r.off), uint64(r.end)); err != nil {
			return hit, err
		}
	}
	return hit, nil
}

// FileShrunk makes the pages of m's shared mappings of file that lie
// wholly past size inaccessible, so that an access raises SIGBUS, as
// Linux unmaps them when the file is truncated. The page cache calls it
// (as a vfs.Mapper) without its own locks held, from whichever task
// truncated the file: the platform may only be told from a task of m, so
// the pieces change now (copy-in and copy-out there fail at once) and
// the platform follows when a task of m next enters the kernel
// (SyncPending).
func (m *MM) FileShrunk(file any, size int64) {
	eof, _ := pageRoundUp(uint64(max(size, 0)))
	m.mu.Lock()
	defer m.mu.Unlock()
	var ranges []extent
	for i := range m.vmas {
		v := &m.vmas[i]
		if _, ok := sharedFile(v); !ok || v.file != file || v.pastEOF {
			continue
		}
		end := uint64(v.fileOff) + v.length()
		if end <= eof {
			continue
		}
		from := v.start
		if eof > uint64(v.fileOff) {
			from += eof - uint64(v.fileOff)
		}
		ranges = append(ranges, extent{int64(from), int64(v.end)})
	}
	for _, r := range ranges {
		i, j := m.vmas.isolate(uint64(r.off), uint64(r.end))
		for k := i; k < j; k++ {
			m.vmas[k].pastEOF = true
		}
		m.vmas.mergeAround(uint64(r.off), uint64(r.end))
		m.stale = append(m.stale, r)
	}
	if len(ranges) > 0 {
		m.pending.Store(true)
	}
}

// SyncPending mirrors to the platform the changes FileShrunk made. The
// kernel calls it on a task goroutine of m before the task returns to the
// application; it costs an atomic load when there is nothing to do.
func (m *MM) SyncPending() error {
	if !m.pending.Load() {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, err := m.syncStale(0)
	return err
}

// MapsWritable reports whether m maps file shared and writable (a memfd
// may then not be sealed against writes).
func (m *MM) MapsWritable(file any) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for i := range m.vmas {
		v := &m.vmas[i]
		if v.shared && v.file == file && v.prot&unix.PROT_WRITE != 0 {
			return true
		}
	}
	return false
}

// forgetMappers tells the page caches m maps that it is going away. The
// caller holds m.mu.
func (m *MM) forgetMappers() {
	var seen map[SharedMappable]bool
	for i := range m.vmas {
		if sm, ok := sharedFile(&m.vmas[i]); ok && !seen[sm] {
			if seen == nil {
				seen = map[SharedMappable]bool{}
			}
			seen[sm] = true
			sm.RemoveMapper(m)
		}
	}
}

// addMappers records m with the page caches its pieces map (a forked
// child). The caller holds m.mu or m is not yet visible.
func (m *MM) addMappers() {
	var seen map[SharedMappable]bool
	for i := range m.vmas {
		if sm, ok := sharedFile(&m.vmas[i]); ok && !seen[sm] {
			if seen == nil {
				seen = map[SharedMappable]bool{}
			}
			seen[sm] = true
			sm.AddMapper(m)
		}
	}
}

// SharedKey reports where the memory at addr lives if another address
// space may see it: for a MAP_SHARED mapping, the memory-file offset of
// addr (the same in every mapping of the same page), which is what a
// process-shared futex is keyed by. shared is false for private memory;
// EFAULT if addr is not mapped.
func (m *MM) SharedKey(addr uint64) (off int64, shared bool, err error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, ok := m.vmas.at(addr)
	if !ok {
		return 0, false, unix.EFAULT
	}
	v := &m.vmas[i]
	if !v.shared || !v.backed() {
		return 0, false, nil
	}
	return v.memOff + int64(addr-v.start), true, nil
}

// Msync is msync(2): the shared file mappings in [addr, addr+length) are
// written back to their files (MS_SYNC also syncs the files; MS_ASYNC
// writes without syncing, which Linux leaves to later). MS_INVALIDATE has
// nothing to do: mappings and the file's cache are one memory. EINVAL for
// an unaligned addr or bad flags, ENOMEM if part of the range is unmapped
// (after syncing the mapped part, like Linux).
func (m *MM) Msync(addr, length uint64, flags int) error {
	if flags&^(unix.MS_ASYNC|unix.MS_INVALIDATE|unix.MS_SYNC) != 0 || !pageAligned(addr) {
		return unix.EINVAL
	}
	if flags&unix.MS_ASYNC != 0 && flags&unix.MS_SYNC != 0 {
		return unix.EINVAL
	}
	n, ok := pageRoundUp(length)
	end := addr + n
	if !ok || end < addr {
		return unix.ENOMEM
	}
	if n == 0 {
		return nil
	}
	type job struct {
		sm  SharedMappable
		off int64
		n   uint64
	}
	var jobs []job
	unmapped := false
	m.mu.RLock()
	cur := addr
	for i := m.vmas.after(addr); i < len(m.vmas) && m.vmas[i].start < end; i++ {
		v := &m.vmas[i]
		if v.start > cur {
			unmapped = true
		}
		s, e := max(v.start, addr), min(v.end, end)
		if sm, ok := sharedFile(v); ok {
			sm.IncRef()
			jobs = append(jobs, job{sm, v.fileOff + int64(s-v.start), e - s})
		}
		cur = e
	}
	m.mu.RUnlock()
	if cur < end {
		unmapped = true
	}
	var firstErr error
	for _, j := range jobs {
		if flags&unix.MS_INVALIDATE == 0 || flags&(unix.MS_SYNC|unix.MS_ASYNC) != 0 {
			if err := j.sm.Writeback(j.off, j.n, flags&unix.MS_SYNC != 0); err != nil && firstErr == nil {
				firstErr = err
			}
		}
		j.sm.DecRef()
	}
	if unmapped {
		return unix.ENOMEM
	}
	return firstErr
}

// HasData reports whether any page of [off, off+n) was ever written (is
// not a hole of the memory file): page caches leave never-written pages
// out of write-back, so sparse files stay sparse.
func (f *MemoryFile) HasData(off int64, n uint64) bool {
	return f.dataBytes(off, n, 0) > 0
}
