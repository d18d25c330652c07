package vm

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeCache is a SharedMappable like vfs's page cache: the file's pages
// live in the memory file, in chunks of fakeChunk bytes allocated one at
// a time (so a mapping spanning chunks is several pieces), freed with
// the last reference.
type fakeCache struct {
	mf *MemoryFile

	mu        sync.Mutex
	refs      int
	size      int64
	chunks    map[int64]int64
	mappers   map[any]int
	writeback [][2]int64 // [off, n] of each Writeback
}

const fakeChunk = 4 * PageSize

func newFakeCache(mf *MemoryFile, size int64) *fakeCache {
	return &fakeCache{mf: mf, refs: 1, size: size, chunks: map[int64]int64{}, mappers: map[any]int{}}
}

func (c *fakeCache) ReadAt(p []byte, off int64) (int, error) { return 0, io.EOF }
func (c *fakeCache) IncRef()                                 { c.mu.Lock(); c.refs++; c.mu.Unlock() }
func (c *fakeCache) DecRef() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refs--; c.refs == 0 {
		for _, off := range c.chunks {
			c.mf.Free(off, fakeChunk)
		}
		c.chunks = nil
	}
}

func (c *fakeCache) Pages(off int64, n uint64, fn func(int64, uint64)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for pos := off; pos < off+int64(n); {
		idx, in := pos/fakeChunk, pos%fakeChunk
		mo, ok := c.chunks[idx]
		if !ok {
			var err error
			if mo, err = c.mf.Allocate(fakeChunk); err != nil {
				return err
			}
			c.chunks[idx] = mo
		}
		k := min(off+int64(n)-pos, fakeChunk-in)
		fn(mo+in, uint64(k))
		pos += k
	}
	return nil
}

func (c *fakeCache) Size() (int64, error) { c.mu.Lock(); defer c.mu.Unlock(); return c.size, nil }
func (c *fakeCache) Writeback(off int64, n uint64, sync bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writeback = append(c.writeback, [2]int64{off, int64(n)})
	return nil
}
func (c *fakeCache) AddMapper(m any)    { c.mu.Lock(); c.mappers[m]++; c.mu.Unlock() }
func (c *fakeCache) RemoveMapper(m any) { c.mu.Lock(); delete(c.mappers, m); c.mu.Unlock() }

// shrink is a truncation as the page cache does it: new size, then
// FileShrunk for every mapper.
func (c *fakeCache) shrink(size int64) {
	c.mu.Lock()
	c.size = size
	var ms []*MM
	for m := range c.mappers {
		ms = append(ms, m.(*MM))
	}
	c.mu.Unlock()
	for _, m := range ms {
		m.FileShrunk(c, size)
	}
}

func mapShared(t *testing.T, m *MM, c *fakeCache, addr, length uint64, off int64) uint64 {
	t.Helper()
	flags := unix.MAP_SHARED
	if addr != 0 {
		flags |= unix.MAP_FIXED
	}
	return mustMmap(t, m, MmapOpts{Addr: addr, Length: length, Prot: unix.PROT_READ | unix.PROT_WRITE, Flags: flags, File: c, Offset: off})
}

func TestSharedFileMappingsAreOneMemory(t *testing.T) {
	m, f := newTestMM(t)
	c := newFakeCache(m.mf, 3*fakeChunk)
	a := mapShared(t, m, c, 0, 3*fakeChunk, 0)
	b := mapShared(t, m, c, 0, fakeChunk, fakeChunk) // the middle chunk again
	c.DecRef()                                       // the caller's reference, as the kernel drops it
	child, cf := forkTest(t, m)

	if _, err := m.CopyOut(a+fakeChunk+10, []byte("parent")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	if _, err := m.CopyIn(b+10, buf); err != nil || string(buf) != "parent" {
		t.Errorf("second mapping reads %q, %v", buf, err)
	}
	if _, err := child.CopyOut(b+20, []byte("child")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.CopyIn(a+fakeChunk+20, buf[:5]); err != nil || string(buf[:5]) != "child" {
		t.Errorf("parent reads the child's store as %q, %v", buf[:5], err)
	}
	// Futex keys: the same word through any mapping in any process.
	for _, k := range []struct {
		m    *MM
		addr uint64
	}{{m, a + fakeChunk + 8}, {m, b + 8}, {child, a + fakeChunk + 8}, {child, b + 8}} {
		off, shared, err := k.m.SharedKey(k.addr)
		want, _, _ := m.SharedKey(a + fakeChunk + 8)
		if err != nil || !shared || off != want {
			t.Errorf("SharedKey(%#x) = %#x, %v, %v; want %#x shared", k.addr, off, shared, err, want)
		}
	}
	if _, _, err := m.SharedKey(0x10000); err != unix.EFAULT {
		t.Errorf("SharedKey of unmapped memory: %v, want EFAULT", err)
	}
	priv := mustMmap(t, m, MmapOpts{Length: PageSize, Prot: unix.PROT_READ | unix.PROT_WRITE, Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS})
	if _, shared, _ := m.SharedKey(priv); shared {
		t.Errorf("private memory has a shared futex key")
	}
	checkMirror(t, m, f)
	checkMirror(t, child, cf)

	c.mu.Lock()
	if c.refs == 0 || len(c.mappers) != 2 {
		t.Errorf("while mapped: refs %d, mappers %d (want 2: parent and child)", c.refs, len(c.mappers))
	}
	c.mu.Unlock()
	child.Release()
	if err := m.Munmap(a, 3*fakeChunk); err != nil {
		t.Fatal(err)
	}
	if err := m.Munmap(b, fakeChunk); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refs != 0 || c.chunks != nil {
		t.Errorf("after the last unmap: refs %d, chunks %v", c.refs, c.chunks)
	}
}

func TestMsync(t *testing.T) {
	m, _ := newTestMM(t)
	c := newFakeCache(m.mf, 2*fakeChunk)
	a := mapShared(t, m, c, 0, 2*fakeChunk, 0)
	c.DecRef()
	priv := mustMmap(t, m, MmapOpts{Length: 3 * PageSize, Prot: unix.PROT_READ, Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS})
	if err := m.Munmap(priv+PageSize, PageSize); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		addr, len uint64
		flags     int
		want      error
		writeback [][2]int64
	}{
		{"sync", a + PageSize, 2 * PageSize, unix.MS_SYNC, nil, [][2]int64{{PageSize, 2 * PageSize}}},
		{"async, length rounded up", a, 1, unix.MS_ASYNC, nil, [][2]int64{{0, PageSize}}},
		{"no flags", a, PageSize, 0, nil, [][2]int64{{0, PageSize}}},
		{"invalidate alone", a, PageSize, unix.MS_INVALIDATE, nil, nil},
		{"zero length", a, 0, unix.MS_SYNC, nil, nil},
		{"private memory", priv, PageSize, unix.MS_SYNC, nil, nil},
		{"unaligned", a + 1, PageSize, unix.MS_SYNC, unix.EINVAL, nil},
		{"unknown flag", a, PageSize, 8, unix.EINVAL, nil},
		{"sync and async", a, PageSize, unix.MS_SYNC | unix.MS_ASYNC, unix.EINVAL, nil},
		{"hole", priv, 3 * PageSize, unix.MS_SYNC, unix.ENOMEM, nil},
		{"past the end, after syncing the rest", a + 2*fakeChunk - PageSize, 2 * PageSize, unix.MS_SYNC, unix.ENOMEM, [][2]int64{{2*fakeChunk - PageSize, PageSize}}},
		{"wraps", a, ^uint64(0) - a, unix.MS_SYNC, unix.ENOMEM, nil},
	} {
		c.mu.Lock()
		c.writeback = nil
		c.mu.Unlock()
		err := m.Msync(tc.addr, tc.len, tc.flags)
		if err != tc.want && !(err == nil && tc.want == nil) {
			t.Errorf("%s: Msync = %v, want %v", tc.name, err, tc.want)
		}
		c.mu.Lock()
		if len(c.writeback) != len(tc.writeback) || (len(tc.writeback) > 0 && c.writeback[0] != tc.writeback[0]) {
			t.Errorf("%s: wrote back %v, want %v", tc.name, c.writeback, tc.writeback)
		}
		c.mu.Unlock()
	}
}

func TestSharedFileEOF(t *testing.T) {
	m, f := newTestMM(t)
	c := newFakeCache(m.mf, PageSize+10)
	a := mapShared(t, m, c, 0, 3*PageSize, 0)
	c.DecRef()
	child, cf := forkTest(t, m)
	checkMirror(t, m, f)
	if !m.PastEOF(a+2*PageSize) || m.PastEOF(a+PageSize) {
		t.Fatalf("at mmap: page 2 past EOF %v, page 1 %v", m.PastEOF(a+2*PageSize), m.PastEOF(a+PageSize))
	}
	// The file grows: the fault on page 2 finds it in the file now.
	c.mu.Lock()
	c.size = 3 * PageSize
	c.mu.Unlock()
	if ok, err := m.HandleFault(a + 2*PageSize); !ok || err != nil {
		t.Fatalf("fault after growth: %v, %v", ok, err)
	}
	if m.PastEOF(a + 2*PageSize) {
		t.Errorf("page 2 still past EOF after the file grew")
	}
	if _, err := m.CopyOut(a+2*PageSize, []byte("x")); err != nil {
		t.Errorf("CopyOut to the grown page: %v", err)
	}
	checkMirror(t, m, f)
	// Grown again, page 2 is first touched by the sentry (a syscall's
	// copy), which makes it accessible; the platform follows at the
	// next fault there or return to the application.
	c.shrink(PageSize + 10)
	if err := m.SyncPending(); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.size = 3 * PageSize
	c.mu.Unlock()
	if _, err := m.CopyIn(a+2*PageSize, make([]byte, 1)); err != nil {
		t.Errorf("CopyIn from a page the file grew to: %v", err)
	}
	if ok, err := m.HandleFault(a + 2*PageSize); !ok || err != nil {
		t.Errorf("fault on the page the copy made accessible: %v, %v", ok, err)
	}
	checkMirror(t, m, f)
	// The file shrinks to one page: pages 1 and 2 fault, in both
	// processes, once each has synced.
	c.shrink(PageSize)
	for _, mm := range []*MM{m, child} {
		if !mm.PastEOF(a+PageSize) || mm.PastEOF(a) {
			t.Errorf("after shrinking: page 1 past EOF %v, page 0 %v", mm.PastEOF(a+PageSize), mm.PastEOF(a))
		}
		if _, err := mm.CopyIn(a+PageSize, make([]byte, 1)); err != unix.EFAULT {
			t.Errorf("CopyIn past the new end: %v, want EFAULT", err)
		}
		if err := mm.SyncPending(); err != nil {
			t.Fatal(err)
		}
	}
	checkMirror(t, m, f)
	checkMirror(t, child, cf)
	if ok, _ := m.HandleFault(a + PageSize); ok {
		t.Errorf("a fault past the new end was resolved")
	}
	// A process that exits stops being told.
	child.Release()
	c.mu.Lock()
	if _, ok := c.mappers[child]; ok {
		t.Errorf("a released address space is still a mapper")
	}
	c.mu.Unlock()
}

func TestMremapSharedFileKeepsSharing(t *testing.T) {
	m, f := newTestMM(t)
	c := newFakeCache(m.mf, 2*fakeChunk)
	a := mapShared(t, m, c, 0, PageSize, 0)
	c.DecRef()
	if _, err := m.CopyOut(a, []byte("before")); err != nil {
		t.Fatal(err)
	}
	// Grow with a move, past a chunk boundary.
	b, err := m.Mremap(a, PageSize, fakeChunk+PageSize, unix.MREMAP_MAYMOVE, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := mapShared(t, m, c, 0, fakeChunk+PageSize, 0)
	if _, err := m.CopyOut(b+fakeChunk, []byte("grown")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 5)
	if _, err := m.CopyIn(d+fakeChunk, got); err != nil || !bytes.Equal(got, []byte("grown")) {
		t.Errorf("other mapping reads %q, %v", got, err)
	}
	if _, err := m.CopyIn(d, got); err != nil || string(got) != "befor" {
		t.Errorf("moved part reads %q, %v", got, err)
	}
	checkMirror(t, m, f)
}

func TestMprotectSharedReadOnlyFile(t *testing.T) {
	m, _ := newTestMM(t)
	c := newFakeCache(m.mf, PageSize)
	for _, tc := range []struct {
		name     string
		flags    int
		readOnly bool
		want     error
	}{
		{"shared, file read-only", unix.MAP_SHARED, true, unix.EACCES},
		{"shared, file read-write", unix.MAP_SHARED, false, nil},
		{"private, file read-only", unix.MAP_PRIVATE, true, nil},
	} {
		a := mustMmap(t, m, MmapOpts{Length: PageSize, Prot: unix.PROT_READ, Flags: tc.flags, File: c, ReadOnlyFile: tc.readOnly})
		if err := m.Mprotect(a, PageSize, unix.PROT_READ|unix.PROT_WRITE); err != tc.want && !(err == nil && tc.want == nil) {
			t.Errorf("%s: mprotect = %v, want %v", tc.name, err, tc.want)
		}
		if err := m.Mprotect(a, PageSize, unix.PROT_NONE); err != nil {
			t.Errorf("%s: mprotect PROT_NONE = %v", tc.name, err)
		}
	}
	c.DecRef()
}

func TestMremapDuplicatesSharedMapping(t *testing.T) {
	m, f := newTestMM(t)
	c := newFakeCache(m.mf, 2*fakeChunk)
	file := mapShared(t, m, c, 0, PageSize, 0)
	c.DecRef()
	sh := mustMmap(t, m, MmapOpts{Length: 4 * PageSize, Prot: unix.PROT_READ | unix.PROT_WRITE, Flags: unix.MAP_SHARED | unix.MAP_ANONYMOUS})
	priv := mustMmap(t, m, MmapOpts{Length: PageSize, Prot: unix.PROT_READ | unix.PROT_WRITE, Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS})
	for _, tc := range []struct {
		name      string
		addr, len uint64
		flags     int
		want      error
		same      uint64 // an address whose memory the duplicate's start must be
	}{
		{"file, past the old length and a chunk", file, fakeChunk + PageSize, unix.MREMAP_MAYMOVE, nil, file},
		{"shared anonymous, from its second page", sh + PageSize, 3 * PageSize, unix.MREMAP_MAYMOVE, nil, sh + PageSize},
		{"shared anonymous, past its end", sh + PageSize, 4 * PageSize, unix.MREMAP_MAYMOVE, unix.EINVAL, 0},
		{"private", priv, PageSize, unix.MREMAP_MAYMOVE, unix.EINVAL, 0},
		{"unmapped", 0x10000, PageSize, unix.MREMAP_MAYMOVE, unix.EFAULT, 0},
		{"without MREMAP_MAYMOVE", sh, PageSize, 0, unix.ENOMEM, 0},
	} {
		got, err := m.Mremap(tc.addr, 0, tc.len, tc.flags, 0)
		if err != tc.want && !(err == nil && tc.want == nil) {
			t.Errorf("%s: Mremap = %v, want %v", tc.name, err, tc.want)
			continue
		}
		if err != nil {
			continue
		}
		a, _, _ := m.SharedKey(got)
		b, _, _ := m.SharedKey(tc.same)
		if a != b {
			t.Errorf("%s: the duplicate maps memory %#x, the original %#x", tc.name, a, b)
		}
		if _, err := m.CopyOut(got+tc.len-1, []byte{1}); err != nil {
			t.Errorf("%s: last byte of the duplicate: %v", tc.name, err)
		}
	}
	checkMirror(t, m, f)
}
