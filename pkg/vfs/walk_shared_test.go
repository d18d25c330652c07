package vfs

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestSharedWalksRaceRenamesAndCopyUps: stat, access, readlink, lookup
// and read-only opens of host files (shared walks) run while other
// goroutines rename, create, unlink and copy up in the same directories
// and read /proc-like synthetic paths; under -race this proves the shared
// walks only read what writers change under the write lock, and every
// call still answers as a serial one would (the host files are always
// there with their content; renamed names are found or ENOENT).
func TestSharedWalksRaceRenamesAndCopyUps(t *testing.T) {
	root := t.TempDir()
	for i := 0; i < 8; i++ {
		d := filepath.Join(root, "etc", fmt.Sprint(i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "file"), []byte(fmt.Sprint("content ", i)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("file", filepath.Join(d, "link")); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := New(Options{HostRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 300
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) { // readers: shared walks
			defer wg.Done()
			dir := fmt.Sprintf("/etc/%d", i)
			want := fmt.Sprint("content ", i)
			buf := make([]byte, 64)
			for r := 0; r < rounds; r++ {
				f, err := fs.OpenAt(nil, dir+"/link", unix.O_RDONLY, 0)
				if err != nil {
					errs <- fmt.Errorf("open %s/link: %v", dir, err)
					return
				}
				n, _ := f.ReadAt(buf, 0)
				f.DecRef()
				if string(buf[:n]) != want {
					errs <- fmt.Errorf("%s/link reads %q, want %q", dir, buf[:n], want)
					return
				}
				if _, err := fs.StatAt(nil, dir+"/file", true); err != nil {
					errs <- fmt.Errorf("stat %s/file: %v", dir, err)
					return
				}
				if l, err := fs.ReadlinkAt(nil, dir+"/link"); err != nil || l != "file" {
					errs <- fmt.Errorf("readlink %s/link: %q %v", dir, l, err)
					return
				}
				if err := fs.AccessAt(nil, dir, unix.X_OK, true); err != nil {
					errs <- fmt.Errorf("access %s: %v", dir, err)
					return
				}
				if _, err := fs.StatAt(nil, dir+"/moving0", true); err != nil && err != unix.ENOENT {
					errs <- fmt.Errorf("stat %s/moving0: %v", dir, err)
					return
				}
				if _, err := fs.Lookup(nil, "/proc", true); err != nil {
					errs <- fmt.Errorf("lookup /proc: %v", err)
					return
				}
			}
		}(i)
	}
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) { // writers: the tree changes under the readers
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				dir := fmt.Sprintf("/etc/%d", (r+i)%8)
				moving, moved := fmt.Sprint(dir, "/moving", i), fmt.Sprint(dir, "/moved", i)
				f, err := fs.OpenAt(nil, moving, unix.O_CREAT|unix.O_WRONLY, 0o644)
				if err != nil {
					errs <- fmt.Errorf("create %s/moving: %v", dir, err)
					return
				}
				f.DecRef()
				if err := fs.RenameAt(nil, moving, nil, moved, 0); err != nil {
					errs <- fmt.Errorf("rename in %s: %v", dir, err)
					return
				}
				if err := fs.UnlinkAt(nil, moved, false); err != nil {
					errs <- fmt.Errorf("unlink in %s: %v", dir, err)
					return
				}
				if r%40 == i { // copy the lower file up, unchanged
					f, err := fs.OpenAt(nil, dir+"/file", unix.O_RDWR, 0)
					if err != nil {
						errs <- fmt.Errorf("open %s/file for writing: %v", dir, err)
						return
					}
					f.DecRef()
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCachedHostPathsWalkUnderTheReadLock: once a host path is in the
// dentry cache, stat and a read-only open of it complete while another
// holder has FS.mu for reading (so they never wait for each other); a
// name not cached yet waits for the write lock.
func TestCachedHostPathsWalkUnderTheReadLock(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "a"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "b"), []byte("b"), 0o644); err != nil {
		t.Fatal(err)
	}
	fs, err := New(Options{HostRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.StatAt(nil, "/a", true); err != nil {
		t.Fatal(err)
	}
	fs.mu.RLock()
	done := make(chan error, 2)
	go func() {
		_, err := fs.StatAt(nil, "/a", true)
		if err == nil {
			var f *File
			if f, err = fs.OpenAt(nil, "/a", unix.O_RDONLY, 0); err == nil {
				f.DecRef()
			}
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("cached path: %v", err)
		}
	case <-time.After(time.Minute): // a hang limit, not a timing
		fs.mu.RUnlock()
		t.Fatal("stat of a cached host path waited for the write lock")
	}
	uncached := make(chan error, 1)
	go func() {
		_, err := fs.StatAt(nil, "/b", true)
		uncached <- err
	}()
	select {
	case <-uncached:
		t.Error("a name not yet cached was looked up without the write lock")
	case <-time.After(50 * time.Millisecond):
	}
	fs.mu.RUnlock()
	if err := <-uncached; err != nil {
		t.Errorf("uncached path: %v", err)
	}
}
