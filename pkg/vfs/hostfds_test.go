package vfs

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

func TestHostFDBudget(t *testing.T) {
	b := hostFDBudget{max: 2}
	steps := []struct {
		acquire bool
		want    error
	}{
		{true, nil}, {true, nil}, {true, unix.ENFILE}, {false, nil}, {true, nil}, {true, unix.ENFILE},
	}
	for i, s := range steps {
		if !s.acquire {
			b.release()
			continue
		}
		if err := b.acquire(); !errors.Is(err, s.want) && err != s.want {
			t.Fatalf("step %d: acquire = %v, want %v", i, err, s.want)
		}
	}
	if got := b.used.Load(); got != 2 {
		t.Fatalf("used %d after refusals, want 2", got)
	}
}

// TestRootFilesParkWhenTheBudgetIsSpent: files of the read-only root hold
// host fds only while the budget allows; past it the least recently used
// idle one is closed and reopened on its next use, so more root files
// stay open than the budget has fds, each reading its own bytes. Volume
// files cannot park: with the budget held by them, the next open of a
// volume file is ENFILE, and a parked root file still reads.
func TestRootFilesParkWhenTheBudgetIsSpent(t *testing.T) {
	e := newEnv(t)
	e.fs.hostFDs.max = 2
	paths := map[string]string{
		"/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n", "/etc/hosts": "127.0.0.1 localhost\n",
		"/etc/hostname": "sandbox\n", "/dir/a": "A", "/dir/b": "B", "/dir/sub/c": "C",
	}
	var files []*File
	var want []string
	for round := 0; round < 3; round++ {
		for p, c := range paths {
			files = append(files, e.open(t, p, unix.O_RDONLY))
			want = append(want, c)
		}
	}
	for round := 0; round < 2; round++ {
		for i, f := range files {
			buf := make([]byte, 64)
			n, err := f.impl.(*hostFile).ReadAt(buf, 0)
			if err != nil && err != io.EOF || string(buf[:n]) != want[i] {
				t.Fatalf("file %d: read %q, %v; want %q", i, buf[:n], err, want[i])
			}
			if used := e.fs.hostFDs.used.Load(); used > 2 {
				t.Fatalf("%d host fds held, budget 2", used)
			}
		}
	}
	// Volume files park the root files and hold the budget for good.
	for _, p := range []string{"/data/existing", "/data/sub/deep"} {
		v := e.open(t, p, unix.O_RDONLY)
		defer v.DecRef()
	}
	if f, err := e.fs.OpenAt(nil, "/mnt/ro/readme", unix.O_RDONLY, 0); err != unix.ENFILE {
		t.Errorf("third volume file on a budget of 2: %v, want ENFILE", err)
		if err == nil {
			f.DecRef()
		}
	}
	// A root file still reads, over the budget while in use.
	buf := make([]byte, 64)
	if n, err := files[0].impl.(*hostFile).ReadAt(buf, 0); string(buf[:n]) != want[0] {
		t.Errorf("root file with the budget held by volume files: %q, %v", buf[:n], err)
	}
	for _, f := range files {
		f.DecRef()
	}
	if n := len(e.fs.hostFDs.parkable); n != 0 {
		t.Errorf("%d parked-able files left after every DecRef", n)
	}
}

// TestParkingUnderConcurrentReads: goroutines reading root files on a
// budget smaller than the files park and reopen them under each other;
// every read gets its own file's bytes (run with -race).
func TestParkingUnderConcurrentReads(t *testing.T) {
	e := newEnv(t)
	e.fs.hostFDs.max = 3
	paths := []string{"/etc/passwd", "/etc/hosts", "/etc/hostname", "/dir/a", "/dir/b", "/dir/sub/c"}
	want := []string{"root:x:0:0:root:/root:/bin/sh\n", "127.0.0.1 localhost\n", "sandbox\n", "A", "B", "C"}
	files := make([]*File, len(paths))
	for i, p := range paths {
		files[i] = e.open(t, p, unix.O_RDONLY)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64)
			for i := 0; i < 300; i++ {
				k := (i*7 + g) % len(files)
				n, err := files[k].impl.(*hostFile).ReadAt(buf, 0)
				if (err != nil && err != io.EOF) || string(buf[:n]) != want[k] {
					errs <- fmt.Sprintf("%s: %q, %v", paths[k], buf[:n], err)
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
	for _, f := range files {
		f.DecRef()
	}
	if used := e.fs.hostFDs.used.Load(); used != 0 {
		t.Errorf("%d host fds counted after every DecRef", used)
	}
}

// TestExecOpensFromTheReserveWhenVolumeFilesHoldTheBudget: with the whole
// budget held by a volume file (which cannot park), opening a root file
// is ENFILE, but execve's open of a program (OpenExec) still succeeds
// from the reserve and gives it back.
func TestExecOpensFromTheReserveWhenVolumeFilesHoldTheBudget(t *testing.T) {
	e := newEnv(t)
	e.fs.hostFDs.max = 1
	v := e.open(t, "/data/existing", unix.O_RDONLY)
	defer v.DecRef()
	if f, err := e.fs.OpenAt(nil, "/etc/hosts", unix.O_RDONLY, 0); err != unix.ENFILE {
		t.Errorf("root file with the budget held: %v, want ENFILE", err)
		if err == nil {
			f.DecRef()
		}
	}
	f, err := e.fs.OpenExec(nil, "/bin/sh")
	if err != nil {
		t.Fatalf("OpenExec with the budget held: %v", err)
	}
	if used := e.fs.execFDs.used.Load(); used != 1 {
		t.Errorf("reserve used %d, want 1", used)
	}
	f.DecRef()
	if used := e.fs.execFDs.used.Load(); used != 0 {
		t.Errorf("reserve used %d after DecRef, want 0", used)
	}
}
