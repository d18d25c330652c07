package vfs

import (
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Page caches: the memory behind MAP_SHARED mappings of files.
//
// A regular file mapped MAP_SHARED gets one PageCache for its object (the
// in-memory inode, or the host file by device and inode), whichever File
// and whichever process maps it. The cache holds the file's pages in the
// kernel's memory file (PageMemory), in chunks of cacheChunk bytes
// filled from the file (but its holes) when first mapped; every mapping of the file maps
// those same pages, so all mappers see one memory. While a cache lives it
// is the newest copy of the pages it holds: reads of the file through any
// File are served from it, writes go to the file and into it, truncation
// zeroes what lies past the new end. Its pages reach the file (write-back)
// on msync, fsync, and when the last mapping goes (munmap, exit), after
// which the cache is dropped and files are read and written directly again.
//
// Lock order: File.mu -> cacheRegistry.mu -> PageCache.mu -> the
// implementation's own locks (memInode.mu) -> PageMemory's. The memory
// manager (pkg/vm) calls Pages, Size, Writeback and DecRef holding its MM
// lock, which therefore comes before cacheRegistry.mu. The one call back
// into pkg/vm, Mapper.FileShrunk after a truncation, is made with none of
// the cache's locks held.

// PageMemory is where page caches keep file pages: the kernel's memory
// file, so the pages can be mapped into applications. Allocate returns
// zeroed pages; Free drops the reference Allocate gave; View is the
// sentry's own mapping of allocated pages.
type PageMemory interface {
	Allocate(length uint64) (int64, error)
	Free(off int64, length uint64)
	View(off int64, n uint64) []byte
}

// cacheChunk is the unit in which a cache takes pages: file offsets
// [k*cacheChunk, (k+1)*cacheChunk) live in one contiguous memory range.
const cacheChunk = 256 << 10

// cacheRegistry finds the live cache of an object. n counts the live
// caches, so that file I/O pays nothing while no file is shared-mapped.
type cacheRegistry struct {
	mu sync.RWMutex
	m  map[any]*PageCache
	n  atomic.Int32
}

// PageCache is the shared memory of one mapped file object. It is
// reference counted by its mappings (each piece of an address space that
// maps it holds one reference); the last DecRef writes it back and frees
// it.
type PageCache struct {
	fs   *FS
	key  any
	mem  PageMemory
	refs int64 // guarded by fs.caches.mu

	mu sync.Mutex
	// file is the open file the cache reads and writes back through; a
	// writable one once any mapper's File was writable.
	file   *File
	chunks map[int64]int64 // chunk index -> memory offset
	dead   bool            // written back and freed; I/O goes direct
	// mappers are the address spaces that have mapped the cache, told
	// when the file shrinks so that their pages past the new end fault.
	mappers map[Mapper]struct{}
}

// Mapper is an address space mapping a cache (vm.MM): FileShrunk makes
// its pages of file past size inaccessible (SIGBUS), as Linux unmaps them
// when a file is truncated. It is called without any vfs lock held.
type Mapper interface {
	FileShrunk(file any, size int64)
	// MapsWritable reports whether it maps file shared and writable.
	MapsWritable(file any) bool
}

// mappedWritable reports whether some address space maps the object key
// names shared and writable (F_SEAL_WRITE is then EBUSY). Called without
// the object's locks held.
func (fs *FS) mappedWritable(key any) bool {
	if fs.caches.n.Load() == 0 {
		return false
	}
	fs.caches.mu.RLock()
	c := fs.caches.m[key]
	fs.caches.mu.RUnlock()
	if c == nil {
		return false
	}
	c.mu.Lock()
	var ms []Mapper
	for m := range c.mappers {
		ms = append(ms, m)
	}
	c.mu.Unlock()
	for _, m := range ms {
		if m.MapsWritable(c) {
			return true
		}
	}
	return false
}

// AddMapper records m (a Mapper) as mapping c; RemoveMapper forgets it.
// An address space that unmaps the file without saying so only gets
// FileShrunk calls it has nothing to do for.
func (c *PageCache) AddMapper(m any) {
	mp, ok := m.(Mapper)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return
	}
	if c.mappers == nil {
		c.mappers = map[Mapper]struct{}{}
	}
	c.mappers[mp] = struct{}{}
}

// RemoveMapper forgets m.
func (c *PageCache) RemoveMapper(m any) {
	mp, ok := m.(Mapper)
	if !ok {
		return
	}
	c.mu.Lock()
	delete(c.mappers, mp)
	c.mu.Unlock()
}

// cacheKey identifies f's object, as for the lock tables.
func (f *File) cacheKey() any {
	f.cacheKeyOnce.Do(func() { f.cacheKeyVal = f.lockKey() })
	return f.cacheKeyVal
}

// MapShared returns the page cache of f's object (creating it), with one
// reference for the caller, whose pages live in mem. ENODEV for files
// that cannot be mapped shared this way (streams, directories).
func (f *File) MapShared(mem PageMemory) (*PageCache, error) {
	if f.fs == nil || f.impl == nil || f.isDir || !f.impl.Seekable() {
		return nil, unix.ENODEV
	}
	key := f.cacheKey()
	r := &f.fs.caches
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.m[key]
	if c == nil {
		if r.m == nil {
			r.m = map[any]*PageCache{}
		}
		f.IncRef()
		c = &PageCache{fs: f.fs, key: key, mem: mem, file: f, chunks: map[int64]int64{}}
		r.m[key] = c
		r.n.Add(1)
	} else if f.writable() {
		c.mu.Lock()
		var old *File
		if !c.file.writable() {
			f.IncRef()
			old, c.file = c.file, f
		}
		c.mu.Unlock()
		if old != nil {
			defer old.DecRef()
		}
	}
	c.refs++
	return c, nil
}

// IncRef adds a mapping reference.
func (c *PageCache) IncRef() {
	c.fs.caches.mu.Lock()
	c.refs++
	c.fs.caches.mu.Unlock()
}

// DecRef drops a mapping reference; the last one writes the pages back
// to the file and frees them (mappings still holding them keep their own
// references to the memory).
func (c *PageCache) DecRef() {
	r := &c.fs.caches
	r.mu.Lock()
	c.refs--
	if c.refs > 0 {
		r.mu.Unlock()
		return
	}
	delete(r.m, c.key)
	r.n.Add(-1)
	// Still under the registry lock, so that a new cache of the object
	// cannot fill from the file before these pages have reached it.
	c.mu.Lock()
	c.writebackLocked(0, -1)
	for idx, off := range c.chunks {
		c.mem.Free(off, cacheChunk)
		delete(c.chunks, idx)
	}
	c.dead = true
	c.mappers = nil
	f := c.file
	c.file = nil
	c.mu.Unlock()
	r.mu.Unlock()
	f.DecRef()
}

// ReadAt reads the file through the cache (io.EOF at the end, like
// File.ReadAt): what a private mapping of the file copies.
func (c *PageCache) ReadAt(p []byte, off int64) (int, error) {
	c.mu.Lock()
	f := c.file
	c.mu.Unlock()
	if f == nil {
		return 0, unix.EBADF
	}
	return f.ReadAt(p, off)
}

// Size is the file's current size, which decides which pages of a
// mapping lie past its end.
func (c *PageCache) Size() (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return 0, unix.EBADF
	}
	st, err := c.file.impl.Stat()
	return st.Size, err
}

// Pages calls fn, in file order, for the runs of memory holding the file's
// bytes [off, off+n), filling chunks from the file as needed. off and n
// are page aligned. fn runs under the cache's lock: it may take a
// reference to the memory (vm's MemoryFile.share), nothing more.
func (c *PageCache) Pages(off int64, n uint64, fn func(memOff int64, n uint64)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return unix.EBADF
	}
	end := off + int64(n)
	var runOff, runLen int64 = -1, 0
	for pos := off; pos < end; {
		idx, in := pos/cacheChunk, pos%cacheChunk
		k := min(end-pos, cacheChunk-in)
		mo, err := c.chunkLocked(idx)
		if err != nil {
			return err
		}
		if runOff >= 0 && runOff+runLen == mo+in {
			runLen += k
		} else {
			if runOff >= 0 {
				fn(runOff, uint64(runLen))
			}
			runOff, runLen = mo+in, k
		}
		pos += k
	}
	if runOff >= 0 {
		fn(runOff, uint64(runLen))
	}
	return nil
}

// chunkLocked returns the memory of chunk idx, filling it from the file
// the first time.
func (c *PageCache) chunkLocked(idx int64) (int64, error) {
	if mo, ok := c.chunks[idx]; ok {
		return mo, nil
	}
	mo, err := c.mem.Allocate(cacheChunk)
	if err != nil {
		return 0, err
	}
	buf := c.mem.View(mo, cacheChunk)
	holes, _ := c.file.impl.(holeReporter)
	for pos := 0; pos < len(buf); {
		base, to := idx*cacheChunk+int64(pos), len(buf)
		if holes != nil {
			// Allocated pages read as zeroes: a hole is skipped,
			// not read.
			blk := sparseBlock - int(base%sparseBlock)
			if holes.isHole(base, int64(blk)) {
				pos += blk
				continue
			}
			to = pos + blk
		}
		k, err := c.file.impl.ReadAt(buf[pos:to], base)
		if err != nil {
			c.mem.Free(mo, cacheChunk)
			return 0, err
		}
		if k == 0 {
			break
		}
		pos += k
	}
	c.chunks[idx] = mo
	return mo, nil
}

// Writeback writes the cached pages of [off, off+n) to the file; with
// sync it also syncs the file (msync MS_SYNC).
func (c *PageCache) Writeback(off int64, n uint64, sync bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return nil
	}
	if err := c.writebackLocked(off, int64(n)); err != nil {
		return err
	}
	if sync {
		return c.file.impl.Sync()
	}
	return nil
}

// writebackLocked writes the cached pages of [off, off+n) (n < 0: all)
// that lie before the end of file to the file. A file opened read-only
// by every mapper cannot have been written through a mapping, so there is
// nothing to write.
func (c *PageCache) writebackLocked(off, n int64) error {
	if !c.file.writable() || len(c.chunks) == 0 {
		return nil
	}
	st, err := c.file.impl.Stat()
	if err != nil {
		return unix.EIO
	}
	end := st.Size
	if n >= 0 {
		end = min(end, off+n)
	}
	var firstErr error
	for idx, mo := range c.chunks {
		s, e := max(off, idx*cacheChunk), min(end, (idx+1)*cacheChunk)
		if s >= e {
			continue
		}
		if err := c.writeChunkLocked(mo+s-idx*cacheChunk, s, e); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// writeChunkLocked writes the file's [s, e), cached at memory offset mo,
// to the file, leaving out what is zero in the cache and a hole in the
// file (writing it would only fill the hole). Caller holds c.mu.
func (c *PageCache) writeChunkLocked(mo, s, e int64) error {
	holes, _ := c.file.impl.(holeReporter)
	for s < e {
		blk := min(e-s, sparseBlock-s%sparseBlock)
		buf := c.mem.View(mo, uint64(blk))
		if holes == nil || !holes.isHole(s, blk) || !c.memIsZero(mo, buf) {
			if _, err := c.file.impl.WriteAt(buf, s); err != nil {
				return unix.EIO
			}
		}
		s, mo = s+blk, mo+blk
	}
	return nil
}

// each calls fn for the cached parts of [off, off+len(p)): the part of p
// and the cache's memory for it.
func (c *PageCache) each(p []byte, off int64, fn func(part, mem []byte)) {
	end := off + int64(len(p))
	for pos := off; pos < end; {
		idx, in := pos/cacheChunk, pos%cacheChunk
		k := min(end-pos, cacheChunk-in)
		if mo, ok := c.chunks[idx]; ok {
			fn(p[pos-off:pos-off+k], c.mem.View(mo+in, uint64(k)))
		}
		pos += k
	}
}

// cacheFor returns the live cache of f's object, or nil.
func (f *File) cacheFor() *PageCache {
	if f.fs == nil || f.fs.caches.n.Load() == 0 || f.impl == nil || f.isDir || !f.impl.Seekable() {
		return nil
	}
	key := f.cacheKey()
	r := &f.fs.caches
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.m[key]
}

// cachedRead is f.impl.ReadAt with the cache's newer bytes over the
// file's.
func (f *File) cachedRead(p []byte, off int64) (int, error) {
	c := f.cacheFor()
	if c == nil {
		return f.impl.ReadAt(p, off)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := f.impl.ReadAt(p, off)
	if !c.dead && n > 0 {
		c.each(p[:n], off, func(part, mem []byte) { copy(part, mem) })
	}
	return n, err
}

// cachedWrite runs write (a write of p at off, or an append when off < 0,
// returning where the bytes went) and copies what it wrote into the
// cache.
func (f *File) cachedWrite(p []byte, write func() (n int, at int64, err error)) (int, int64, error) {
	c := f.cacheFor()
	if c == nil {
		return write()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, at, err := write()
	if !c.dead && n > 0 {
		c.each(p[:n], at, func(part, mem []byte) { copy(mem, part) })
	}
	return n, at, err
}

// cachedResize runs op, which may change the size of f's object or zero
// a range of it (truncate, fallocate), and keeps the cache in step.
func (f *File) cachedResize(op func() error, zeroFrom, zeroTo, newSize int64) error {
	if f.fs == nil || f.impl == nil || f.isDir || !f.impl.Seekable() {
		return op()
	}
	return f.fs.resizeCached(f.cacheKey(), op, zeroFrom, zeroTo, newSize)
}

// resizeCached runs op on the object key names and then, if it has a
// cache, zeroes the cached bytes of [zeroFrom, zeroTo) (zeroTo < 0: to
// the end of the cache), so that what the file no longer holds reads
// zero if it grows again; with newSize >= 0 (a truncation) it then tells
// the mappers, whose pages past the new end must fault.
func (fs *FS) resizeCached(key any, op func() error, zeroFrom, zeroTo, newSize int64) error {
	if fs.caches.n.Load() == 0 {
		return op()
	}
	fs.caches.mu.RLock()
	c := fs.caches.m[key]
	fs.caches.mu.RUnlock()
	if c == nil {
		return op()
	}
	c.mu.Lock()
	if err := op(); err != nil {
		c.mu.Unlock()
		return err
	}
	if c.dead {
		c.mu.Unlock()
		return nil
	}
	for idx, mo := range c.chunks {
		s, e := max(zeroFrom, idx*cacheChunk), (idx+1)*cacheChunk
		if zeroTo >= 0 {
			e = min(e, zeroTo)
		}
		if s < e {
			clear(c.mem.View(mo+s-idx*cacheChunk, uint64(e-s)))
		}
	}
	var tell []Mapper
	if newSize >= 0 {
		for m := range c.mappers {
			tell = append(tell, m)
		}
	}
	c.mu.Unlock()
	// Outside the cache's lock: the address spaces' locks come first.
	for _, m := range tell {
		m.FileShrunk(c, newSize)
	}
	return nil
}

// cachedSync writes the cache back before an fsync.
func (f *File) cachedSync() {
	if c := f.cacheFor(); c != nil {
		c.mu.Lock()
		if !c.dead {
			_ = c.writebackLocked(0, -1)
		}
		c.mu.Unlock()
	}
}

// cachedWriteAt is f.impl.WriteAt keeping the cache up to date.
func (f *File) cachedWriteAt(p []byte, off int64) (int, error) {
	n, _, err := f.cachedWrite(p, func() (int, int64, error) {
		n, err := f.impl.WriteAt(p, off)
		return n, off, err
	})
	return n, err
}

// cachedAppend is a.Append keeping the cache up to date; it returns the
// end of file after the write.
func (f *File) cachedAppend(a appender, p []byte) (int, int64, error) {
	var end int64
	n, _, err := f.cachedWrite(p, func() (int, int64, error) {
		n, e, err := a.Append(p)
		end = e
		return n, e - int64(n), err
	})
	return n, end, err
}
