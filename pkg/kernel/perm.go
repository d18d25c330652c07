package kernel

import (
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// File permission checks by the caller's credentials. pkg/vfs checks
// nothing but read-only mounts and execute bits, as root would (see its
// doc); a process without CAP_DAC_OVERRIDE gets Linux's mode-bit
// checks here (generic_permission, with CAP_DAC_READ_SEARCH), before the operation: on the file it opens (EACCES for a
// denied read or write), on the directory it creates a file in, on the
// file access and faccessat ask about, on the file it executes
// (exec_creds.go), and search permission on the directories its path
// walks through (the directories of a symlink's target are not checked).
// Other calls (stat, chdir, unlink...) check nothing. The check and the
// operation are separate lookups: a rename in between is possible, as it
// is in any check-then-act of the application's own.

// openAccess is what open flags ask of a file: MAY_READ/MAY_WRITE bits.
func openAccess(flags int) uint32 {
	if flags&unix.O_PATH != 0 {
		return 0
	}
	var want uint32
	switch flags & unix.O_ACCMODE {
	case unix.O_RDONLY:
		want = unix.R_OK
	case unix.O_WRONLY:
		want = unix.W_OK
	case unix.O_RDWR:
		want = unix.R_OK | unix.W_OK
	}
	if flags&unix.O_TRUNC != 0 {
		want |= unix.W_OK
	}
	return want
}

// checkOpen checks an open of (d, p) with flags against the caller's
// filesystem ids, and reports whether the open will create the file.
func (t *Task) checkOpen(d *vfs.Dentry, p string, flags int) (creating bool, err error) {
	c := t.cred()
	if c.overridesDAC() && !t.ownsNewFilesDifferently(c) {
		return false, nil
	}
	if err := t.checkSearch(c, d, p); err != nil {
		return false, err
	}
	fs := t.k.cfg.FS
	var st vfs.Stat
	target, err := fs.Lookup(d, p, flags&unix.O_NOFOLLOW == 0)
	if err == nil {
		if target.Synthetic() {
			// /proc and /sys nodes do their own checks (procfs).
			return false, nil
		}
		st, err = target.Stat()
	}
	switch {
	case err == unix.ENOENT && flags&unix.O_CREAT != 0:
		dst, derr := fs.StatAt(d, parentOf(p), true)
		if derr != nil {
			return false, nil // the open reports it
		}
		if !c.mayAccess(dst.Mode, dst.UID, dst.GID, unix.W_OK|unix.X_OK) {
			return false, unix.EACCES
		}
		return true, nil
	case err != nil:
		return false, nil
	case flags&(unix.O_CREAT|unix.O_EXCL) == unix.O_CREAT|unix.O_EXCL:
		return false, nil // EEXIST
	}
	typ := st.Mode & unix.S_IFMT
	if typ == unix.S_IFLNK || typ == unix.S_IFSOCK {
		return false, nil // ELOOP, ENXIO from the open
	}
	if !c.mayAccess(st.Mode, st.UID, st.GID, openAccess(flags)) {
		return false, unix.EACCES
	}
	return false, nil
}

// ownsNewFilesDifferently: files the caller creates may need its
// filesystem ids given to them, because pkg/vfs creates overlay files as
// root and volume files as the sentry's user.
func (t *Task) ownsNewFilesDifferently(c *Credentials) bool {
	h := t.k.hostIDs
	return c.FilesystemUID != 0 || c.FilesystemGID != 0 || h.FilesystemUID != 0 || h.FilesystemGID != 0
}

// ownNewFile gives a node the caller just created its filesystem ids, as
// Linux's inode_init_owner does (a set-gid directory's group is not
// inherited: a judgement call, the sandbox's directories rarely have it).
func (t *Task) ownNewFile(d *vfs.Dentry, p string) {
	c := t.cred()
	if !t.ownsNewFilesDifferently(c) {
		return
	}
	st, err := t.k.cfg.FS.StatAt(d, p, false)
	if err != nil || (st.UID == c.FilesystemUID && st.GID == c.FilesystemGID) {
		return
	}
	// A failure (a volume whose host file the sentry may not chown)
	// leaves the owner vfs gave it.
	_ = t.k.cfg.FS.ChownAt(d, p, c.FilesystemUID, c.FilesystemGID, false)
}

// parentOf is the directory holding path p's last component.
func parentOf(p string) string {
	q := strings.TrimRight(p, "/")
	if q == "" {
		return "/"
	}
	return path.Dir(q)
}

// createIn runs create (mkdir, mknod, symlink) at (d, p): an unprivileged
// caller needs search permission along the path and write and search
// permission on the directory (EACCES; an existing name is left to
// create, which reports EEXIST first, as Linux does), and the new node
// gets the caller's filesystem ids.
func (t *Task) createIn(d *vfs.Dentry, p string, create func() error) error {
	c := t.cred()
	if !c.overridesDAC() {
		if err := t.checkSearch(c, d, p); err != nil {
			return err
		}
		fs := t.k.cfg.FS
		if _, err := fs.StatAt(d, p, false); err == unix.ENOENT {
			if dst, err := fs.StatAt(d, parentOf(p), true); err == nil && !c.mayAccess(dst.Mode, dst.UID, dst.GID, unix.W_OK|unix.X_OK) {
				return unix.EACCES
			}
		}
	}
	if err := create(); err != nil {
		return err
	}
	t.ownNewFile(d, p)
	return nil
}

// checkAccess is access/faccessat's check by the real ids, or by the
// effective (filesystem) ids with AT_EACCESS.
func (t *Task) checkAccess(d *vfs.Dentry, p string, mode uint32, flags int) error {
	c := t.cred()
	if flags&unix.AT_EACCESS == 0 {
		c = c.realAsFS()
	}
	if c.overridesDAC() && mode&unix.X_OK == 0 {
		return nil
	}
	if err := t.checkSearch(c, d, p); err != nil {
		return err
	}
	if mode == 0 {
		return nil
	}
	st, err := t.k.cfg.FS.StatAt(d, p, flags&unix.AT_SYMLINK_NOFOLLOW == 0)
	if err != nil {
		return err
	}
	if !c.mayAccess(st.Mode, st.UID, st.GID, mode) {
		return unix.EACCES
	}
	return nil
}

// checkSearch is Linux's may_lookup along p: every directory the walk
// enters (the starting one, then each component but the last) must be
// searchable (X_OK) by c. A component that does not resolve is left to
// the operation to report.
func (t *Task) checkSearch(c *Credentials, d *vfs.Dentry, p string) error {
	if c.overridesDAC() {
		return nil
	}
	fs := t.k.cfg.FS
	dir := "."
	if strings.HasPrefix(p, "/") {
		dir = "/"
	}
	rest := strings.Trim(p, "/")
	for {
		dd, err := fs.Lookup(d, dir, true)
		if err != nil {
			return nil
		}
		// /proc and /sys do their own checks (procfs): the modes they
		// show are Linux's, but Linux lets a process search its own
		// 0500 /proc/PID/fd whoever owns it (proc_fd_permission).
		if !dd.Synthetic() {
			st, err := dd.Stat()
			if err != nil || !st.IsDir() {
				return nil
			}
			if !c.mayAccess(st.Mode, st.UID, st.GID, unix.X_OK) {
				return unix.EACCES
			}
		}
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			return nil
		}
		dir = path.Join(dir, rest[:i])
		if strings.HasPrefix(p, "/") && !strings.HasPrefix(dir, "/") {
			dir = "/" + dir
		}
		rest = strings.TrimLeft(rest[i+1:], "/")
	}
}
