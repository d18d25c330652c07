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
		return &MemoryFile{fd: fd, data: data, alloc: allocator{size: size}}, nil
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

// Free punches the pages of [off, off+length) out of the file, releasing
// their memory, and returns the range to the allocator. If the host
// refuses the punch, the range is leaked rather than handed out again
// holding stale bytes.
func (f *MemoryFile) Free(off int64, length uint64) {
	n, ok := pageRoundUp(length)
	if !ok || n == 0 {
		return
	}
	if err := f.punch(off, n); err != nil {
		return
	}
	f.mu.Lock()
	f.alloc.release(off, int64(n))
	f.mu.Unlock()
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
