package vfs

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestExecutedFilesRefuseWriters: ETXTBSY both ways, per object, as
// Linux's deny_write_access, in the overlay (before and after a copy-up,
// and for an in-memory file) and in a volume; holds given back free the
// file again.
func TestExecutedFilesRefuseWriters(t *testing.T) {
	e := newEnv(t)
	// A program in memory, one in the overlay's host layer, one in a
	// volume (the root's /bin/sh is a host file).
	e.write(t, "/tmp/prog", unix.O_WRONLY|unix.O_CREAT, "#!")
	e.write(t, "/data/prog", unix.O_WRONLY|unix.O_CREAT, "#!")
	for _, p := range []string{"/tmp/prog", "/bin/sh", "/data/prog"} {
		t.Run(p, func(t *testing.T) {
			x, err := e.fs.OpenExec(nil, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, fl := range []int{unix.O_WRONLY, unix.O_RDWR, unix.O_RDONLY | unix.O_TRUNC} {
				if _, err := e.fs.OpenAt(nil, p, fl, 0); !errors.Is(err, unix.ETXTBSY) {
					t.Errorf("open %#x while executed: %v, want ETXTBSY", fl, err)
				}
			}
			if err := e.fs.TruncateAt(nil, p, 0); !errors.Is(err, unix.ETXTBSY) {
				t.Errorf("truncate while executed: %v, want ETXTBSY", err)
			}
			r := e.open(t, p, unix.O_RDONLY)
			r.DecRef()
			// The address space's hold outlives the loader's file,
			// and a copy of it (fork) holds too.
			held := x.ExecDeny()
			x.DecRef()
			held.Hold()
			held.Release()
			if _, err := e.fs.OpenAt(nil, p, unix.O_WRONLY, 0); !errors.Is(err, unix.ETXTBSY) {
				t.Errorf("open for writing while an address space holds it: %v, want ETXTBSY", err)
			}
			held.Release()
			w := e.open(t, p, unix.O_WRONLY)
			// Open for writing (copied up, for the host one): no exec.
			if _, err := e.fs.OpenExec(nil, p); !errors.Is(err, unix.ETXTBSY) {
				t.Errorf("exec while open for writing: %v, want ETXTBSY", err)
			}
			w.DecRef()
			x, err = e.fs.OpenExec(nil, p)
			if err != nil {
				t.Fatalf("exec once the writer closed: %v", err)
			}
			x.DecRef()
		})
	}
	// Another object is not concerned.
	x, err := e.fs.OpenExec(nil, "/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	defer x.DecRef()
	e.open(t, "/tmp/prog", unix.O_WRONLY).DecRef()
}
