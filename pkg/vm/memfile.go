package vm

import (
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// PageSize is the size of an application page.
const PageSize = 4096

// maxFileSize is the largest memory-file size tried; NewMemoryFile halves
// it until the host accepts both the ftruncate and the sentry's mapping.
const maxFileSize = 1 << 40

// minFileSize is the smallest memory file worth running with.
const minFileSize = 1 << 32

// MemoryFile is the memfd holding every page of application memory, and
// the sentry's own MAP_SHARED mapping of all of it.
type MemoryFile struct {
	fd   int
	data []byte // the sentry's mapping of [0, size)

	mu    sync.Mutex
	alloc allocator
	refs  refSet // pages held by more than one piece (fork)

	// forkCopyLimit: Fork copies an address space with at most this
	// much private writable data instead of sharing it copy-on-write
	// (tests lower it to exercise sharing).
	forkCopyLimit int64
}

// NewMemoryFile creates the memory file: a sparse memfd as large as the
// host allows (up to 1 TiB), mapped whole into the sentry.
func NewMemoryFile() (*MemoryFile, error) {
	fd, err := unix.MemfdCreate("sentry-memory", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("vm: memfd_create: %w", err)
	}
	var lastErr error
	for size := int64(maxFileSize); size >= minFileSize; size /= 2 {
		if err := unix.Ftruncate(fd, size); err != nil {
			lastErr = fmt.Errorf("vm: ftruncate memory file to %#x: %w", size, err)
			continue
		}
		data, err := unix.Mmap(fd, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_NORESERVE)
		if err != nil {
			lastErr = fmt.Errorf("vm: mmap memory file of %#x bytes: %w", size, err)
			continue
		}
		return &MemoryFile{fd: fd, data: data, alloc: allocator{size: size}, forkCopyLimit: defaultForkCopyLimit}, nil
	}
	unix.Close(fd)
	return nil, lastErr
}

// FD is the memfd; platforms map ranges of it. It stays owned by f.
func (f *MemoryFile) FD() int { return f.fd }

// Size is the size of the memory file: no offset handed out reaches it.
func (f *MemoryFile) Size() int64 { return f.alloc.size }

// Allocate reserves a page-aligned range of length bytes (rounded up to
// pages) that reads as zeroes. ENOMEM when the file is full.
func (f *MemoryFile) Allocate(length uint64) (int64, error) {
	n, ok := pageRoundUp(length)
	if !ok || n == 0 || n > uint64(f.alloc.size) {
		return 0, unix.ENOMEM
	}
	f.mu.Lock()
	off, ok := f.alloc.alloc(int64(n))
	f.mu.Unlock()
	if !ok {
		return 0, unix.ENOMEM
	}
	return off, nil
}

// allocateAt reserves exactly [off, off+length) if it is free.
func (f *MemoryFile) allocateAt(off int64, length uint64) bool {
	if length > uint64(f.alloc.size) {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.alloc.allocAt(off, int64(length))
}

// Free drops one reference to the pages of [off, off+length). Pages
// whose last reference that was are punched out of the file, releasing
// their memory, and returned to the allocator. If the host refuses the
// punch, the range is leaked rather than handed out again holding stale
// bytes.
func (f *MemoryFile) Free(off int64, length uint64) {
	n, ok := pageRoundUp(length)
	if !ok || n == 0 {
		return
	}
	f.mu.Lock()
	last := []extent{{off, off + int64(n)}}
	if len(f.refs) > 0 {
		last = f.refs.dec(off, off+int64(n))
	}
	f.mu.Unlock()
	for _, e := range last {
		if err := f.punch(e.off, uint64(e.end-e.off)); err != nil {
			continue
		}
		f.mu.Lock()
		f.alloc.release(e.off, e.end-e.off)
		f.mu.Unlock()
	}
}

// share adds a reference to the pages of [off, off+n): one more piece
// (of a forked address space) holds them.
func (f *MemoryFile) share(off int64, n uint64) {
	f.mu.Lock()
	f.refs.inc(off, off+int64(n))
	f.mu.Unlock()
}

// exclusive reports whether one piece alone holds [off, off+n).
func (f *MemoryFile) exclusive(off int64, n uint64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refs.exclusive(off, off+int64(n))
}

// dataBytes counts the bytes of [off, off+n) that hold data (are not
// holes), stopping early once the count passes limit.
func (f *MemoryFile) dataBytes(off int64, n uint64, limit int64) int64 {
	end := off + int64(n)
	var total int64
	for off < end && total <= limit {
		data, err := unix.Seek(f.fd, off, unix.SEEK_DATA)
		if err != nil || data >= end {
			break
		}
		hole, err := unix.Seek(f.fd, data, unix.SEEK_HOLE)
		if err != nil || hole > end {
			hole = end
		}
		total += hole - data
		off = hole
	}
	return total
}

// copyRange copies n bytes from file offset src to dst, skipping the
// holes of src (SEEK_DATA/SEEK_HOLE) so that never-touched memory stays
// sparse in the copy. dst must read as zeroes (freshly allocated).
func (f *MemoryFile) copyRange(dst, src int64, n uint64) {
	end := src + int64(n)
	for off := src; off < end; {
		data, err := unix.Seek(f.fd, off, unix.SEEK_DATA)
		if err != nil || data >= end {
			return // ENXIO: no data after off
		}
		hole, err := unix.Seek(f.fd, data, unix.SEEK_HOLE)
		if err != nil || hole > end {
			hole = end
		}
		copy(f.data[dst+(data-src):dst+(hole-src)], f.data[data:hole])
		off = hole
	}
}

// punch zeroes [off, off+n) and releases its memory without changing the
// file size.
func (f *MemoryFile) punch(off int64, n uint64) error {
	return unix.Fallocate(f.fd, unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, off, int64(n))
}

// view is the sentry's mapping of [off, off+n). The caller guarantees the
// range is allocated and stays so while it uses the slice.
func (f *MemoryFile) view(off int64, n uint64) []byte {
	return f.data[off : off+int64(n) : off+int64(n)]
}

// Close unmaps the file from the sentry and closes it. Every MM using f
// must have been released and no platform may use ranges of it any more.
func (f *MemoryFile) Close() error {
	var err error
	if f.data != nil {
		err = unix.Munmap(f.data)
		f.data = nil
	}
	if cerr := unix.Close(f.fd); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("vm: close memory file: %w", err)
	}
	return nil
}

// pageRoundUp rounds n up to a page multiple; false on overflow.
func pageRoundUp(n uint64) (uint64, bool) {
	r := (n + PageSize - 1) &^ (PageSize - 1)
	return r, r >= n
}

func pageAligned(n uint64) bool { return n&(PageSize-1) == 0 }
