package vfs

import (
	"golang.org/x/sys/unix"
)

// Sparse files and page caches: a page cache over a file with holes (a
// sparse in-memory file, a sparse host file) neither reads the holes into
// memory when it fills a chunk nor writes them back as zeroes, so mapping
// a mostly empty file of gigabytes (Python's test_mmap LargeMmapTests)
// costs the memory of its data, not of its size, and leaves it sparse.

// sparseBlock is the unit in which holes are looked for: the in-memory
// file's chunk, so a block is either wholly one of its chunks or none.
const sparseBlock = chunkSize

// holeReporter is a FileImpl that knows where its holes are.
type holeReporter interface {
	// isHole reports whether [off, off+n) holds no data: it reads as
	// zeroes and writing zeroes there would allocate storage.
	isHole(off, n int64) bool
}

// dataReporter is a PageMemory that knows which of its pages were never
// touched (vm.MemoryFile: holes of the memfd).
type dataReporter interface {
	HasData(off int64, n uint64) bool
}

func (f *memFile) isHole(off, n int64) bool {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	for idx := off / chunkSize; idx*chunkSize < off+n; idx++ {
		if f.m.chunks[idx] != nil {
			return false
		}
	}
	return true
}

func (f *hostFile) isHole(off, n int64) bool {
	fd, err := f.useFD()
	if err != nil {
		return false
	}
	defer f.doneFD()
	// The fd is read and written with pread and pwrite only, so moving
	// its offset is harmless.
	data, err := unix.Seek(fd, off, unix.SEEK_DATA)
	if err == unix.ENXIO {
		return true // no data at or after off
	}
	return err == nil && data >= off+n
}

// memIsZero reports whether the cache memory buf (at memory offset mo)
// is all zeroes, without touching it where the memory can say it was
// never written.
func (c *PageCache) memIsZero(mo int64, buf []byte) bool {
	if d, ok := c.mem.(dataReporter); ok {
		return !d.HasData(mo, uint64(len(buf)))
	}
	for _, b := range buf {
		if b != 0 {
			return false
		}
	}
	return true
}

// IsHole reports whether [off, off+n) of f's object is a hole before its
// end: no data, reads as zeroes. False when it cannot tell, past EOF (a
// mapping there must fault, not read zeroes), and while the object is
// shared-mapped (its page cache may hold newer bytes there). vm fills a
// private mapping of a sparse file without reading its holes.
func (f *File) IsHole(off, n int64) bool {
	h, ok := f.impl.(holeReporter)
	if !ok || f.isDir || f.cacheFor() != nil {
		return false
	}
	st, err := f.impl.Stat()
	if err != nil || off < 0 || off+n > st.Size {
		return false
	}
	return h.isHole(off, n)
}
