package vfs

import (
	"io"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// fakePages is a PageMemory over a plain buffer that counts what is
// allocated, so a test can check the cache frees all of it.
type fakePages struct {
	mu    sync.Mutex
	buf   []byte
	top   int64
	live  map[int64]uint64
	freed int
}

func newFakePages() *fakePages {
	return &fakePages{buf: make([]byte, 8<<20), live: map[int64]uint64{}}
}

func (p *fakePages) Allocate(n uint64) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.top+int64(n) > int64(len(p.buf)) {
		return 0, unix.ENOMEM
	}
	off := p.top
	p.top += int64(n)
	p.live[off] = n
	return off, nil
}

func (p *fakePages) Free(off int64, n uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live[off] != n {
		panic("free of a range not allocated")
	}
	delete(p.live, off)
	p.freed++
}

func (p *fakePages) View(off int64, n uint64) []byte { return p.buf[off : off+int64(n)] }

// mapped returns the cache's memory for the file's [off, off+n).
func mapped(t *testing.T, c *PageCache, mem *fakePages, off int64, n uint64) []byte {
	t.Helper()
	var view []byte
	err := c.Pages(off, n, func(mo int64, k uint64) {
		if view != nil {
			t.Fatalf("[%#x, +%#x) is not one run of memory", off, n)
		}
		view = mem.View(mo, k)
	})
	if err != nil {
		t.Fatal(err)
	}
	return view
}

func TestPageCacheIsCoherentWithFileIO(t *testing.T) {
	e := newEnv(t)
	memfd := func(t *testing.T) *File { return e.fs.NewMemFD("x", false) }
	open := func(path string) func(t *testing.T) *File {
		return func(t *testing.T) *File {
			f, err := e.fs.OpenAt(nil, path, unix.O_RDWR|unix.O_CREAT, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	for _, tc := range []struct {
		name string
		open func(t *testing.T) *File
	}{
		{"overlay", open("/tmp/shared")},
		{"copied up", open("/etc/hosts")},
		{"volume", open("/data/shared")},
		{"dev shm", open("/dev/shm/seg")},
		{"memfd", memfd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := newFakePages()
			f := tc.open(t)
			if err := f.Truncate(0); err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt([]byte("hello"), 0); err != nil {
				t.Fatal(err)
			}
			c, err := f.MapShared(mem)
			if err != nil {
				t.Fatal(err)
			}
			view := mapped(t, c, mem, 0, 4096)
			if string(view[:6]) != "hello\x00" {
				t.Errorf("cache filled with %q", view[:6])
			}
			copy(view, "HELLO")
			buf := make([]byte, 5)
			if n, err := f.ReadAt(buf, 0); n != 5 || string(buf) != "HELLO" {
				t.Errorf("read sees %q (%d, %v), not the mapping's store", buf, n, err)
			}
			if _, err := f.WriteAt([]byte("abc"), 1); err != nil {
				t.Fatal(err)
			}
			if string(view[:5]) != "HabcO" {
				t.Errorf("mapping sees %q after a write", view[:5])
			}
			// Another open file description is the same object and
			// gets the same cache.
			if tc.name != "memfd" {
				g := tc.open(t)
				c2, err := g.MapShared(mem)
				if err != nil {
					t.Fatal(err)
				}
				if c2 != c {
					t.Errorf("a second open of the file has its own cache")
				}
				c2.DecRef()
				g.DecRef()
			}
			if err := f.Truncate(2); err != nil {
				t.Fatal(err)
			}
			if err := f.Truncate(8); err != nil {
				t.Fatal(err)
			}
			if string(view[:8]) != "Ha\x00\x00\x00\x00\x00\x00" {
				t.Errorf("after shrinking and growing the mapping holds %q", view[:8])
			}
			copy(view[2:], "xyz")
			if size, _ := c.Size(); size != 8 {
				t.Errorf("Size = %d", size)
			}
			// The last reference writes the pages back and frees them.
			c.DecRef()
			buf = make([]byte, 16)
			n, err := f.ReadAt(buf, 0)
			if err != io.EOF || string(buf[:n]) != "Haxyz\x00\x00\x00" {
				t.Errorf("after the last unmap the file holds %q (%v)", buf[:n], err)
			}
			if len(mem.live) != 0 || mem.freed == 0 {
				t.Errorf("cache memory not freed: %v", mem.live)
			}
			if e.fs.caches.n.Load() != 0 {
				t.Errorf("registry still counts %d caches", e.fs.caches.n.Load())
			}
			f.DecRef()
		})
	}
}

func TestPageCacheRefusesStreamsAndDirectories(t *testing.T) {
	e := newEnv(t)
	d, err := e.fs.OpenAt(nil, "/etc", unix.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer d.DecRef()
	if _, err := d.MapShared(newFakePages()); err != unix.ENODEV {
		t.Errorf("MapShared of a directory: %v, want ENODEV", err)
	}
}

// TestPageCacheKeepsSparseFilesSparse maps a file that is mostly a hole,
// writes one page through the mapping and unmaps it: the write-back
// stores that page and leaves the holes holes (it wrote the whole cached
// range of zeroes before, so a 4 GiB sparse file mapped by Python's
// test_mmap became 4 GiB of sentry memory).
func TestPageCacheKeepsSparseFilesSparse(t *testing.T) {
	e := newEnv(t)
	const size = 4 << 20
	for _, path := range []string{"/tmp/sparse", "/data/sparse"} {
		t.Run(path, func(t *testing.T) {
			f, err := e.fs.OpenAt(nil, path, unix.O_RDWR|unix.O_CREAT, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer f.DecRef()
			if _, err := f.WriteAt([]byte("y"), 0); err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt([]byte("x"), size-1); err != nil {
				t.Fatal(err)
			}
			mem := newFakePages()
			c, err := f.MapShared(mem)
			if err != nil {
				t.Fatal(err)
			}
			view := mapped(t, c, mem, 0, size)
			if view[0] != 'y' || view[size-1] != 'x' || view[1<<20] != 0 {
				t.Fatalf("cache filled with %q ... %q", view[:1], view[size-1:])
			}
			copy(view[1<<20:], "z")
			c.DecRef()
			buf := make([]byte, 1)
			if _, err := f.ReadAt(buf, 1<<20); err != nil || buf[0] != 'z' {
				t.Fatalf("the mapping's write did not reach the file: %q, %v", buf, err)
			}
			st, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			// Three 64 KiB blocks hold data; the other 61 are holes.
			if st.Blocks*512 > 1<<20 {
				t.Errorf("the %d-byte sparse file holds %d bytes after write-back: the holes were written", st.Size, st.Blocks*512)
			}
		})
	}
}
