package vfs

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// Each operation's failure cases, with the errno Linux gives.
func TestErrnos(t *testing.T) {
	e := newEnv(t)
	fs := e.fs
	e.write(t, "/tmp/file", unix.O_WRONLY|unix.O_CREAT, "f")
	if err := fs.MkdirAt(nil, "/tmp/full", 0755); err != nil {
		t.Fatal(err)
	}
	e.write(t, "/tmp/full/x", unix.O_WRONLY|unix.O_CREAT, "x")
	if err := fs.MkdirAt(nil, "/tmp/emptydir", 0755); err != nil {
		t.Fatal(err)
	}

	open := func(p string, flags int) error { return openErr(e, p, flags) }
	tests := []struct {
		name string
		err  error
		want error
	}{
		// open
		{"open empty path", open("", unix.O_RDONLY), unix.ENOENT},
		{"open missing", open("/nope", unix.O_RDONLY), unix.ENOENT},
		{"open missing parent", open("/nope/x", unix.O_RDONLY|unix.O_CREAT), unix.ENOENT},
		{"open through file", open("/etc/passwd/x", unix.O_RDONLY), unix.ENOTDIR},
		{"open file/", open("/etc/passwd/", unix.O_RDONLY), unix.ENOTDIR},
		{"open O_DIRECTORY file", open("/etc/passwd", unix.O_RDONLY|unix.O_DIRECTORY), unix.ENOTDIR},
		{"open O_PATH|O_DIRECTORY file", open("/etc/passwd", unix.O_PATH|unix.O_DIRECTORY), unix.ENOTDIR},
		{"open dir O_WRONLY", open("/etc", unix.O_WRONLY), unix.EISDIR},
		{"open dir O_RDWR", open("/tmp/emptydir", unix.O_RDWR), unix.EISDIR},
		{"open dir O_TRUNC", open("/etc", unix.O_RDONLY|unix.O_TRUNC), unix.EISDIR},
		{"open dir O_CREAT", open("/etc", unix.O_RDONLY|unix.O_CREAT), unix.EISDIR},
		{"open . O_CREAT", open(".", unix.O_RDONLY|unix.O_CREAT), unix.EISDIR},
		{"open new/ O_CREAT", open("/tmp/new/", unix.O_WRONLY|unix.O_CREAT), unix.EISDIR},
		{"open O_CREAT|O_DIRECTORY", open("/tmp/new2", unix.O_RDONLY|unix.O_CREAT|unix.O_DIRECTORY), unix.EINVAL},
		{"open O_CREAT|O_EXCL existing", open("/etc/passwd", unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL), unix.EEXIST},
		{"open O_CREAT|O_EXCL symlink", open("/dangling", unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL), unix.EEXIST},
		{"open O_CREAT|O_NOFOLLOW symlink", open("/etc/pw", unix.O_WRONLY|unix.O_CREAT|unix.O_NOFOLLOW), unix.ELOOP},
		{"open O_TMPFILE read-only", open("/tmp", unix.O_RDONLY|unix.O_TMPFILE), unix.EINVAL},
		{"open O_TMPFILE in /proc", open("/proc", unix.O_RDWR|unix.O_TMPFILE), unix.EROFS},
		{"open /dev/console", open("/dev/console", unix.O_RDWR), unix.ENXIO},
		{"open O_CREAT in /proc", open("/proc/x", unix.O_WRONLY|unix.O_CREAT), unix.EROFS},
		{"open ok", open("/etc/passwd", unix.O_RDONLY), nil},
		{"open O_PATH dir", open("/etc", unix.O_PATH|unix.O_DIRECTORY), nil},

		// stat and readlink
		{"stat missing", stat(fs, "/etc/nope"), unix.ENOENT},
		{"stat through file", stat(fs, "/etc/passwd/x"), unix.ENOTDIR},
		{"stat loop", stat(fs, "/loop1"), unix.ELOOP},
		{"readlink file", readlink(fs, "/etc/passwd"), unix.EINVAL},
		{"readlink dir", readlink(fs, "/etc"), unix.EINVAL},
		{"readlink missing", readlink(fs, "/etc/nope"), unix.ENOENT},
		{"readlink ok", readlink(fs, "/etc/pw"), nil},

		// access
		{"access X_OK no x bit", fs.AccessAt(nil, "/noexec", unix.X_OK, true), unix.EACCES},
		{"access X_OK", fs.AccessAt(nil, "/bin/sh", unix.X_OK, true), nil},
		{"access X_OK dir", fs.AccessAt(nil, "/etc", unix.X_OK, true), nil},
		{"access W_OK overlay", fs.AccessAt(nil, "/etc/passwd", unix.W_OK, true), nil},
		{"access bad mode", fs.AccessAt(nil, "/etc/passwd", 8, true), unix.EINVAL},
		{"access missing", fs.AccessAt(nil, "/nope", unix.F_OK, true), unix.ENOENT},
		{"access dangling", fs.AccessAt(nil, "/dangling", unix.F_OK, true), unix.ENOENT},
		{"access dangling nofollow", fs.AccessAt(nil, "/dangling", unix.F_OK, false), nil},

		// mkdir
		{"mkdir existing", fs.MkdirAt(nil, "/etc", 0755), unix.EEXIST},
		{"mkdir existing file", fs.MkdirAt(nil, "/etc/passwd", 0755), unix.EEXIST},
		{"mkdir dangling symlink", fs.MkdirAt(nil, "/dangling", 0755), unix.EEXIST},
		{"mkdir /", fs.MkdirAt(nil, "/", 0755), unix.EEXIST},
		{"mkdir .", fs.MkdirAt(nil, "/tmp/.", 0755), unix.EEXIST},
		{"mkdir missing parent", fs.MkdirAt(nil, "/nope/d", 0755), unix.ENOENT},
		{"mkdir under file", fs.MkdirAt(nil, "/etc/passwd/d", 0755), unix.ENOTDIR},
		{"mkdir trailing slash ok", fs.MkdirAt(nil, "/tmp/slash/", 0755), nil},

		// unlink / rmdir
		{"unlink dir", fs.UnlinkAt(nil, "/etc", false), unix.EISDIR},
		{"unlink missing", fs.UnlinkAt(nil, "/etc/nope", false), unix.ENOENT},
		{"unlink file/", fs.UnlinkAt(nil, "/tmp/file/", false), unix.ENOTDIR},
		{"unlink /", fs.UnlinkAt(nil, "/", false), unix.EISDIR},
		{"unlink .", fs.UnlinkAt(nil, "/tmp/.", false), unix.EISDIR},
		{"rmdir file", fs.UnlinkAt(nil, "/tmp/file", true), unix.ENOTDIR},
		{"rmdir non-empty upper", fs.UnlinkAt(nil, "/tmp/full", true), unix.ENOTEMPTY},
		{"rmdir non-empty host", fs.UnlinkAt(nil, "/etc", true), unix.ENOTEMPTY},
		{"rmdir .", fs.UnlinkAt(nil, "/tmp/emptydir/.", true), unix.EINVAL},
		{"rmdir ..", fs.UnlinkAt(nil, "/tmp/emptydir/..", true), unix.ENOTEMPTY},
		{"rmdir /", fs.UnlinkAt(nil, "/", true), unix.EBUSY},
		{"rmdir missing", fs.UnlinkAt(nil, "/tmp/nope", true), unix.ENOENT},
		{"rmdir symlink to dir", fs.UnlinkAt(nil, "/link", true), unix.ENOTDIR},
		{"rmdir empty host dir", fs.UnlinkAt(nil, "/empty", true), nil},
		{"unlink symlink", fs.UnlinkAt(nil, "/link", false), nil},

		// rename
		{"rename missing", fs.RenameAt(nil, "/nope", nil, "/tmp/x", 0), unix.ENOENT},
		{"rename dir over file", fs.RenameAt(nil, "/tmp/emptydir", nil, "/tmp/file", 0), unix.ENOTDIR},
		{"rename file over dir", fs.RenameAt(nil, "/tmp/file", nil, "/tmp/emptydir", 0), unix.EISDIR},
		{"rename dir into itself", fs.RenameAt(nil, "/tmp/full", nil, "/tmp/full/sub", 0), unix.EINVAL},
		{"rename dir over non-empty", fs.RenameAt(nil, "/tmp/emptydir", nil, "/tmp/full", 0), unix.ENOTEMPTY},
		{"rename over ancestor", fs.RenameAt(nil, "/tmp/full/x", nil, "/tmp", 0), unix.ENOTEMPTY}, // the "trap" check precedes type checks
		{"rename noreplace", fs.RenameAt(nil, "/tmp/file", nil, "/etc/passwd", RenameNoReplace), unix.EEXIST},
		{"rename exchange missing", fs.RenameAt(nil, "/tmp/file", nil, "/tmp/nope", RenameExchange), unix.ENOENT},
		{"rename bad flags", fs.RenameAt(nil, "/tmp/file", nil, "/tmp/x", RenameNoReplace|RenameExchange), unix.EINVAL},
		{"rename whiteout flag", fs.RenameAt(nil, "/tmp/file", nil, "/tmp/x", unix.RENAME_WHITEOUT), unix.EINVAL},
		{"rename .", fs.RenameAt(nil, "/tmp/.", nil, "/tmp2", 0), unix.EBUSY},
		{"rename to ..", fs.RenameAt(nil, "/tmp/file", nil, "/tmp/..", 0), unix.EBUSY},
		{"rename file/", fs.RenameAt(nil, "/tmp/file/", nil, "/tmp/x", 0), unix.ENOTDIR},
		{"rename to x/", fs.RenameAt(nil, "/tmp/file", nil, "/tmp/x/", 0), unix.ENOTDIR},
		{"rename missing parent", fs.RenameAt(nil, "/tmp/file", nil, "/nope/x", 0), unix.ENOENT},
		{"rename onto itself", fs.RenameAt(nil, "/tmp/file", nil, "/tmp/file", 0), nil},
		{"rename dir ok", fs.RenameAt(nil, "/tmp/emptydir", nil, "/tmp/full/moved", 0), nil},
		{"rename dir over empty dir", fs.RenameAt(nil, "/tmp/slash", nil, "/tmp/full/moved", 0), nil},

		// symlink, link
		{"symlink existing", fs.SymlinkAt("x", nil, "/etc/passwd"), unix.EEXIST},
		{"symlink empty target", fs.SymlinkAt("", nil, "/tmp/l"), unix.ENOENT},
		{"symlink trailing slash", fs.SymlinkAt("x", nil, "/tmp/l/"), unix.ENOENT},
		{"symlink missing parent", fs.SymlinkAt("x", nil, "/nope/l"), unix.ENOENT},
		{"link dir", fs.LinkAt(nil, "/etc", nil, "/tmp/etc", false), unix.EPERM},
		{"link existing", fs.LinkAt(nil, "/tmp/file", nil, "/etc/passwd", false), unix.EEXIST},
		{"link missing", fs.LinkAt(nil, "/nope", nil, "/tmp/x", false), unix.ENOENT},
		{"link dangling follow", fs.LinkAt(nil, "/dangling", nil, "/tmp/x", true), unix.ENOENT},
		{"link to x/", fs.LinkAt(nil, "/tmp/file", nil, "/tmp/x/", false), unix.ENOENT},

		// chmod, truncate
		{"chmod symlink nofollow", fs.ChmodAt(nil, "/etc/pw", 0600, false), unix.EOPNOTSUPP},
		{"chmod missing", fs.ChmodAt(nil, "/nope", 0600, true), unix.ENOENT},
		{"truncate dir", fs.TruncateAt(nil, "/etc", 0), unix.EISDIR},
		{"truncate negative", fs.TruncateAt(nil, "/tmp/file", -1), unix.EINVAL},
		{"truncate device", fs.TruncateAt(nil, "/dev/null", 0), unix.EINVAL},
		{"truncate missing", fs.TruncateAt(nil, "/nope", 0), unix.ENOENT},
		{"truncate /proc", fs.TruncateAt(nil, "/proc", 0), unix.EISDIR},
	}
	for _, tc := range tests {
		wantErr(t, tc.name, tc.err, tc.want)
	}
}

func stat(fs *FS, p string) error {
	_, err := fs.StatAt(nil, p, true)
	return err
}

func readlink(fs *FS, p string) error {
	_, err := fs.ReadlinkAt(nil, p)
	return err
}

func TestMknodErrnos(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		path string
		mode uint32
		want error
	}{
		{"/tmp/fifo", unix.S_IFIFO | 0600, nil},
		{"/tmp/fifo", unix.S_IFIFO | 0600, unix.EEXIST},
		{"/tmp/reg", 0644, nil},
		{"/tmp/chr", unix.S_IFCHR | 0600, unix.EPERM},
		{"/tmp/sock", unix.S_IFSOCK | 0600, unix.EPERM},
		{"/tmp/bad", 0170000, unix.EINVAL},
		{"/data/fifo", unix.S_IFIFO | 0600, unix.EPERM},
		{"/data/reg", unix.S_IFREG | 0600, nil},
		{"/proc/fifo", unix.S_IFIFO | 0600, unix.EROFS},
		{"/nope/fifo", unix.S_IFIFO | 0600, unix.ENOENT},
	} {
		wantErr(t, "mknod "+tc.path, e.fs.MknodAt(nil, tc.path, tc.mode), tc.want)
	}
	st, err := e.fs.StatAt(nil, "/tmp/fifo", false)
	if err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Errorf("stat fifo: %o %v", st.Mode, err)
	}
	// Without a provider (no kernel), a FIFO cannot be opened.
	_, err = e.fs.OpenAt(nil, "/tmp/fifo", unix.O_RDONLY|unix.O_NONBLOCK, 0)
	wantErr(t, "open fifo without a provider", err, unix.ENXIO)
	if _, err := os.Stat(filepath.Join(e.vol, "reg")); err != nil {
		t.Errorf("mknod of a regular file in a volume: %v", err)
	}
}
