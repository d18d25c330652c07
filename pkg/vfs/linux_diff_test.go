package vfs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// makeTemplate builds the same small tree for the host kernel and for the
// vfs to be judged against it.
func makeTemplate(t *testing.T, dir string) {
	t.Helper()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "d/sub"), 0755))
	must(os.MkdirAll(filepath.Join(dir, "e"), 0755))
	must(os.WriteFile(filepath.Join(dir, "f"), []byte("file"), 0644))
	must(os.WriteFile(filepath.Join(dir, "d/x"), []byte("x"), 0644))
	must(os.Symlink("f", filepath.Join(dir, "l")))
	must(os.Symlink("nowhere", filepath.Join(dir, "dl")))
	must(os.Symlink("d", filepath.Join(dir, "ld")))
}

// op runs one operation either on the host (relative to the fd h) or on
// the vfs (relative to the directory dentry d).
type op struct {
	name string
	host func(h int) error
	vfs  func(fs *FS, d *Dentry) error
}

func errnoOf(err error) error {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return err
}

// TestAgainstLinux runs each operation on a fresh tree on the host kernel
// and in the vfs (as the overlay root and as a volume) and wants the same
// errno.
func TestAgainstLinux(t *testing.T) {
	open := func(p string, flags int) op {
		return op{"open " + p,
			func(h int) error {
				fd, err := unix.Openat(h, p, flags|unix.O_CLOEXEC, 0644)
				if err == nil {
					unix.Close(fd)
				}
				return err
			},
			func(fs *FS, d *Dentry) error {
				f, err := fs.OpenAt(d, p, flags, 0644)
				if err == nil {
					f.DecRef()
				}
				return err
			}}
	}
	mkdir := func(p string) op {
		return op{"mkdir " + p, func(h int) error { return unix.Mkdirat(h, p, 0755) },
			func(fs *FS, d *Dentry) error { return fs.MkdirAt(d, p, 0755) }}
	}
	unlink := func(p string, dir bool) op {
		fl := 0
		if dir {
			fl = unix.AT_REMOVEDIR
		}
		return op{"unlink " + p, func(h int) error { return unix.Unlinkat(h, p, fl) },
			func(fs *FS, d *Dentry) error { return fs.UnlinkAt(d, p, dir) }}
	}
	rename := func(a, b string, flags uint) op {
		return op{"rename " + a + " " + b, func(h int) error { return unix.Renameat2(h, a, h, b, flags) },
			func(fs *FS, d *Dentry) error { return fs.RenameAt(d, a, d, b, uint32(flags)) }}
	}
	symlink := func(target, p string) op {
		return op{"symlink " + p, func(h int) error { return unix.Symlinkat(target, h, p) },
			func(fs *FS, d *Dentry) error { return fs.SymlinkAt(target, d, p) }}
	}
	link := func(a, b string, follow bool) op {
		fl := 0
		if follow {
			fl = unix.AT_SYMLINK_FOLLOW
		}
		return op{"link " + a + " " + b, func(h int) error { return unix.Linkat(h, a, h, b, fl) },
			func(fs *FS, d *Dentry) error { return fs.LinkAt(d, a, d, b, follow) }}
	}
	stat := func(p string, follow bool) op {
		fl := 0
		if !follow {
			fl = unix.AT_SYMLINK_NOFOLLOW
		}
		return op{"stat " + p, func(h int) error {
			var st unix.Stat_t
			return unix.Fstatat(h, p, &st, fl)
		}, func(fs *FS, d *Dentry) error { _, err := fs.StatAt(d, p, follow); return err }}
	}
	readlink := func(p string) op {
		return op{"readlink " + p, func(h int) error { _, err := unix.Readlinkat(h, p, make([]byte, 256)); return err },
			func(fs *FS, d *Dentry) error { _, err := fs.ReadlinkAt(d, p); return err }}
	}
	ops := []op{
		open("f", unix.O_RDONLY), open("f/", unix.O_RDONLY), open("d", unix.O_WRONLY),
		open("d", unix.O_RDONLY|unix.O_CREAT), open("n", unix.O_RDONLY), open("n/", unix.O_RDONLY|unix.O_CREAT),
		open("f", unix.O_RDONLY|unix.O_DIRECTORY), open("l", unix.O_RDONLY|unix.O_NOFOLLOW),
		open("l", unix.O_RDONLY|unix.O_CREAT|unix.O_EXCL), open("dl", unix.O_WRONLY|unix.O_CREAT),
		open("dl", unix.O_WRONLY|unix.O_CREAT|unix.O_NOFOLLOW), open("ld/", unix.O_RDONLY|unix.O_NOFOLLOW),
		open("ld", unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_DIRECTORY), open("l", unix.O_PATH|unix.O_NOFOLLOW),
		open("f/..", unix.O_RDONLY), open("d/../f", unix.O_RDWR|unix.O_TRUNC), open(".", unix.O_RDONLY|unix.O_TRUNC),
		open("d/x/", unix.O_RDWR|unix.O_CREAT),
		mkdir("d"), mkdir("f"), mkdir("dl"), mkdir("n/m"), mkdir("f/m"), mkdir("n/"), mkdir("."), mkdir(".."), mkdir("d/sub/.."),
		unlink("d", false), unlink("d", true), unlink("e", true), unlink("f", true), unlink("f/", false),
		unlink("e/", true), unlink("l", false), unlink("ld", true), unlink("ld/", true), unlink("n", false),
		unlink("e/.", true), unlink("e/..", true), unlink(".", false), unlink("d/x/..", true),
		rename("f", "g", 0), rename("f", "d", 0), rename("d", "f", 0), rename("d", "e", 0), rename("e", "d", 0),
		rename("d", "d/sub/x", 0), rename("f", "l", unix.RENAME_NOREPLACE), rename("f", "n", unix.RENAME_EXCHANGE),
		rename("f", "d", unix.RENAME_EXCHANGE), rename("f/", "g", 0), rename("f", "g/", 0), rename("e/", "g/", 0),
		rename("n", "g", 0), rename("d/sub", "d", 0), rename("d/x", "d", 0), rename("l", "l", 0), rename("f", ".", 0),
		rename("l", "f", 0), rename("e", "d/sub", 0), rename("d", "e/..", 0),
		symlink("x", "f"), symlink("x", "n/"), symlink("x", "dl"), symlink("x", "n"),
		link("f", "g", false), link("d", "g", false), link("f", "l", false), link("l", "g", true), link("dl", "g", true),
		link("dl", "g", false), link("f", "g/", false), link("f/", "g", false),
		stat("l", false), stat("dl", true), stat("dl", false), stat("ld/", false), stat("f/.", true), stat("n", true),
		readlink("f"), readlink("l"), readlink("ld/"), readlink("d"),
	}
	for _, mode := range []string{"overlay", "volume"} {
		for _, o := range ops {
			host := t.TempDir()
			makeTemplate(t, host)
			h, err := unix.Open(host, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			want := errnoOf(o.host(h))
			unix.Close(h)

			tree := t.TempDir()
			makeTemplate(t, tree)
			var fs *FS
			var d *Dentry
			if mode == "overlay" {
				fs, err = New(Options{HostRoot: tree})
			} else {
				fs, err = New(Options{HostRoot: t.TempDir(), Volumes: []Volume{{Host: tree, Guest: "/v"}}})
			}
			if err != nil {
				t.Fatal(err)
			}
			if d, err = fs.Lookup(nil, "/v", true); mode == "overlay" {
				d = fs.Root()
			} else if err != nil {
				t.Fatal(err)
			}
			got := errnoOf(o.vfs(fs, d))
			if got != want {
				t.Errorf("%s: %s: vfs %v, Linux %v", mode, o.name, got, want)
			}
		}
	}
}
