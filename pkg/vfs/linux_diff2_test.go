package vfs

import (
	"testing"

	"golang.org/x/sys/unix"
)

// runAgainstLinux runs each op on a fresh template tree on the host
// kernel and in the vfs (as the overlay root and as a volume) and wants
// the same errno.
func runAgainstLinux(t *testing.T, ops []op) {
	t.Helper()
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
			d := (*Dentry)(nil)
			if mode == "overlay" {
				fs, err = New(Options{HostRoot: tree})
				if err == nil {
					d = fs.Root()
				}
			} else {
				fs, err = New(Options{HostRoot: t.TempDir(), Volumes: []Volume{{Host: tree, Guest: "/v"}}})
				if err == nil {
					d, err = fs.Lookup(nil, "/v", true)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := errnoOf(o.vfs(fs, d)); got != want {
				t.Errorf("%s: %s: vfs %v, Linux %v", mode, o.name, got, want)
			}
		}
	}
}

// TestAttributesAndOpenat2AgainstLinux extends TestAgainstLinux to the
// calls added with procfs: chown, utimes, truncate, chmod, statfs,
// openat2's resolve flags and O_TMPFILE.
func TestAttributesAndOpenat2AgainstLinux(t *testing.T) {
	self := unix.Getuid()
	chown := func(p string, follow bool) op {
		fl := 0
		if !follow {
			fl = unix.AT_SYMLINK_NOFOLLOW
		}
		return op{"chown " + p, func(h int) error { return unix.Fchownat(h, p, self, -1, fl) },
			func(fs *FS, d *Dentry) error { return fs.ChownAt(d, p, uint32(self), keepID, follow) }}
	}
	utimes := func(p string, follow bool) op {
		fl := 0
		if !follow {
			fl = unix.AT_SYMLINK_NOFOLLOW
		}
		ts := []unix.Timespec{{Sec: 1}, {Sec: 2}}
		return op{"utimes " + p, func(h int) error { return unix.UtimesNanoAt(h, p, ts, fl) },
			func(fs *FS, d *Dentry) error { return fs.UtimesAt(d, p, ts[0], ts[1], follow) }}
	}
	chmod := func(p string) op {
		return op{"chmod " + p, func(h int) error { return unix.Fchmodat(h, p, 0600, 0) },
			func(fs *FS, d *Dentry) error { return fs.ChmodAt(d, p, 0600, true) }}
	}
	statfs := func(p string) op {
		return op{"statfs " + p, func(h int) error {
			fd, err := unix.Openat(h, p, unix.O_PATH|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			var st unix.Statfs_t
			return unix.Fstatfs(fd, &st)
		}, func(fs *FS, d *Dentry) error { _, err := fs.StatfsAt(d, p); return err }}
	}
	openat2 := func(p string, flags int, resolve uint64) op {
		return op{"openat2 " + p, func(h int) error {
			fd, err := unix.Openat2(h, p, &unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Mode: 0644 * uint64(flags&unix.O_CREAT/unix.O_CREAT), Resolve: resolve})
			if err == nil {
				unix.Close(fd)
			}
			return err
		}, func(fs *FS, d *Dentry) error {
			f, err := fs.OpenAt2(d, p, flags, 0644, resolve)
			if err == nil {
				f.DecRef()
			}
			return err
		}}
	}
	tmpfile := func(p string, flags int) op {
		return op{"O_TMPFILE " + p, func(h int) error {
			// O_TMPFILE needs a real directory fd on the host, not O_PATH.
			dfd, err := unix.Openat(h, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(dfd)
			fd, err := unix.Openat(dfd, p, flags|unix.O_TMPFILE|unix.O_CLOEXEC, 0600)
			if err == nil {
				unix.Close(fd)
			}
			return err
		}, func(fs *FS, d *Dentry) error {
			f, err := fs.OpenAt(d, p, flags|unix.O_TMPFILE, 0600)
			if err == nil {
				f.DecRef()
			}
			return err
		}}
	}
	runAgainstLinux(t, []op{
		chown("f", true), chown("l", false), chown("dl", true), chown("dl", false), chown("n", true), chown("f/", true),
		chown("d", true), chown("ld/", false),
		utimes("f", true), utimes("dl", true), utimes("n", true), utimes("f/x", true), utimes("d", true),
		chmod("f"), chmod("dl"), chmod("d"), chmod("n/x"),
		statfs("f"), statfs("d"), statfs("n"), statfs("f/"), statfs("dl"),
		openat2("f", unix.O_RDONLY, ResolveBeneath), openat2("../f", unix.O_RDONLY, ResolveBeneath),
		openat2("d/../f", unix.O_RDONLY, ResolveBeneath), openat2("/f", unix.O_RDONLY, ResolveBeneath),
		openat2("l", unix.O_RDONLY, ResolveNoSymlinks), openat2("ld/x", unix.O_RDONLY, ResolveNoSymlinks),
		openat2("l", unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_PATH, ResolveNoSymlinks),
		openat2("../../f", unix.O_RDONLY, ResolveInRoot), openat2("/d/x", unix.O_RDONLY, ResolveInRoot),
		openat2("n", unix.O_WRONLY|unix.O_CREAT, ResolveCached), openat2("f", unix.O_RDONLY, ResolveNoXdev),
		openat2("dl", unix.O_WRONLY|unix.O_CREAT, ResolveNoSymlinks),
		tmpfile(".", unix.O_RDWR), tmpfile("d", unix.O_WRONLY), tmpfile("f", unix.O_RDWR), tmpfile("n", unix.O_RDWR),
		tmpfile("d", unix.O_RDONLY),
	})
}
