package vfs

import (
	"fmt"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// TestLowerDirectoriesParkBeyondThePool: with room for one directory fd,
// walking paths through several directories of the read-only root parks
// and reopens them, and every lookup, stat and read still finds its own
// file; the pool never holds more fds than its room between walks.
func TestLowerDirectoriesParkBeyondThePool(t *testing.T) {
	e := newEnv(t)
	e.fs.dirFDs.max = 1
	want := map[string]string{"/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n", "/dir/a": "A", "/dir/sub/c": "C", "/etc/hostname": "sandbox\n"}
	for round := 0; round < 3; round++ {
		for p, c := range want {
			if got := e.read(t, p); got != c {
				t.Fatalf("round %d: %s reads %q, want %q", round, p, got, c)
			}
			if open := e.fs.dirFDs.open.Load(); open > 1 {
				t.Fatalf("%d directory fds open, pool of 1", open)
			}
		}
		// Listing a parked directory reopens it.
		var names []string
		for _, n := range listNames(t, e.fs, "/dir/sub") {
			if n != "." && n != ".." {
				names = append(names, n)
			}
		}
		if fmt.Sprint(names) != "[c]" {
			t.Fatalf("round %d: /dir/sub lists %v", round, names)
		}
	}
	parked := 0
	e.fs.dirFDs.mu.Lock()
	for _, s := range e.fs.dirFDs.dirs {
		if s.parked {
			parked++
		}
	}
	e.fs.dirFDs.mu.Unlock()
	if parked == 0 {
		t.Errorf("no directory parked with a pool of 1")
	}
}

// TestDirectoryParkingUnderConcurrentLookups: goroutines resolving paths
// through a pool of one directory fd park and reopen directories under
// each other without a wrong answer (run with -race).
func TestDirectoryParkingUnderConcurrentLookups(t *testing.T) {
	e := newEnv(t)
	e.fs.dirFDs.max = 1
	paths := []string{"/etc/passwd", "/dir/a", "/dir/sub/c", "/etc/hosts"}
	want := []string{"root:x:0:0:root:/root:/bin/sh\n", "A", "C", "127.0.0.1 localhost\n"}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				k := (i + g) % len(paths)
				f, err := e.fs.OpenAt(nil, paths[k], unix.O_RDONLY, 0)
				if err != nil {
					errs <- fmt.Sprintf("%s: %v", paths[k], err)
					return
				}
				buf := make([]byte, 64)
				n, _ := f.ReadAt(buf, 0)
				f.DecRef()
				if string(buf[:n]) != want[k] {
					errs <- fmt.Sprintf("%s: %q", paths[k], buf[:n])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
