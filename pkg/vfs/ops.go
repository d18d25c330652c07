package vfs

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// Lookup resolves path to a location (for chdir, exec, and *at with an
// empty path); followFinal says whether a final symlink is followed.
func (fs *FS) Lookup(dir *Dentry, path string, followFinal bool) (*Dentry, error) {
	return shared(fs, func(w *walker) (*Dentry, error) {
		return w.walk(dir, path, followFinal)
	})
}

// StatAt is stat/lstat/fstatat/newfstatat.
func (fs *FS) StatAt(dir *Dentry, path string, followFinal bool) (Stat, error) {
	return shared(fs, func(w *walker) (Stat, error) {
		d, err := w.walk(dir, path, followFinal)
		if err != nil {
			return Stat{}, err
		}
		return d.stat()
	})
}

// ReadlinkAt is readlinkat: EINVAL unless path names a symlink.
func (fs *FS) ReadlinkAt(dir *Dentry, path string) (string, error) {
	return shared(fs, func(w *walker) (string, error) {
		d, err := w.walk(dir, path, false)
		if err != nil {
			return "", err
		}
		if !d.isSymlink() {
			return "", unix.EINVAL
		}
		return fs.readlink(d)
	})
}

// AccessAt is faccessat as uid 0 sees it: F_OK/R_OK always pass for an
// existing file, W_OK fails with EROFS on a read-only mount, X_OK needs
// some execute bit on a non-directory.
func (fs *FS) AccessAt(dir *Dentry, path string, mode uint32, followFinal bool) error {
	if mode&^(unix.R_OK|unix.W_OK|unix.X_OK) != 0 {
		return unix.EINVAL
	}
	_, err := shared(fs, func(w *walker) (struct{}, error) {
		d, err := w.walk(dir, path, followFinal)
		if err != nil {
			return struct{}{}, err
		}
		typ := d.typ()
		if mode&unix.W_OK != 0 && (typ == unix.S_IFREG || typ == unix.S_IFDIR || typ == unix.S_IFLNK) {
			if err := writableMount(d); err != nil {
				return struct{}{}, err
			}
		}
		if mode&unix.X_OK != 0 && typ != unix.S_IFDIR {
			st, err := d.stat()
			if err != nil {
				return struct{}{}, err
			}
			if st.Mode&0111 == 0 {
				return struct{}{}, unix.EACCES
			}
		}
		return struct{}{}, nil
	})
	return err
}

// MkdirAt is mkdirat; mode is already umask-ed.
func (fs *FS) MkdirAt(dir *Dentry, path string, mode uint32) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs}
	parent, name, _, err := w.walkParent(dir, path)
	if err != nil {
		return err
	}
	if name == "" || name == "." || name == ".." {
		return unix.EEXIST
	}
	if _, err := fs.lookupChild(parent, name); err == nil {
		return unix.EEXIST
	} else if err != unix.ENOENT {
		return err
	}
	if err := writableMount(parent); err != nil {
		return err
	}
	_, err = fs.createChild(parent, name, unix.S_IFDIR|mode&01777, "")
	return err
}

// SymlinkAt is symlinkat: a symlink at path (relative to dir) holding
// target.
func (fs *FS) SymlinkAt(target string, dir *Dentry, path string) error {
	if target == "" {
		return unix.ENOENT
	}
	if len(target) >= pathMax {
		return unix.ENAMETOOLONG
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs}
	parent, name, trailing, err := w.walkParent(dir, path)
	if err != nil {
		return err
	}
	if err := fs.checkNewName(parent, name, trailing); err != nil {
		return err
	}
	_, err = fs.createChild(parent, name, unix.S_IFLNK|0777, target)
	return err
}

// checkNewName checks that name can be created in parent by link or
// symlink: EEXIST if it exists, ENOENT for a trailing slash, EROFS.
func (fs *FS) checkNewName(parent *Dentry, name string, trailing bool) error {
	if name == "" || name == "." || name == ".." {
		return unix.EEXIST
	}
	if _, err := fs.lookupChild(parent, name); err == nil {
		return unix.EEXIST
	} else if err != unix.ENOENT {
		return err
	}
	if trailing {
		return unix.ENOENT
	}
	return writableMount(parent)
}

// LinkAt is linkat; follow is AT_SYMLINK_FOLLOW.
func (fs *FS) LinkAt(oldDir *Dentry, oldPath string, newDir *Dentry, newPath string, follow bool) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs}
	src, err := w.walk(oldDir, oldPath, follow)
	if err != nil {
		return err
	}
	return fs.linkTo(w, src, newDir, newPath)
}

// LinkFile is linkat(fd, "", newdir, newpath, AT_EMPTY_PATH): a new name
// for the open file f, which is how an O_TMPFILE file gets one.
func (f *File) LinkFile(newDir *Dentry, newPath string) error {
	if f.dentry == nil {
		return unix.ENOENT
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return f.fs.linkTo(&walker{fs: f.fs}, f.dentry, newDir, newPath)
}

// linkTo makes newPath a new link to src. Caller holds FS.mu.
func (fs *FS) linkTo(w *walker, src *Dentry, newDir *Dentry, newPath string) error {
	if src.anon != nil {
		return unix.EXDEV
	}
	if src.dead && !src.linkableTmpfile() {
		return unix.ENOENT
	}
	parent, name, trailing, err := w.walkParent(newDir, newPath)
	if err != nil {
		return err
	}
	if name == "" || name == "." || name == ".." {
		return unix.EEXIST
	}
	if _, err := fs.lookupChild(parent, name); err == nil {
		return unix.EEXIST
	} else if err != unix.ENOENT {
		return err
	}
	if trailing {
		return unix.ENOENT
	}
	if src.mnt != parent.mnt {
		return unix.EXDEV
	}
	if err := writableMount(parent); err != nil {
		return err
	}
	if src.isDir() {
		return unix.EPERM
	}
	if len(name) > nameMax {
		return unix.ENAMETOOLONG
	}
	switch parent.mnt.kind {
	case kindHost:
		var err error
		if src.host.tmp != nil {
			err = linkHostTmpfile(src.host.tmp.fd, parent.host.self.fixedFD(), name)
		} else {
			err = unix.Linkat(src.host.dir.fixedFD(), src.host.name, parent.host.self.fixedFD(), name, 0)
		}
		src.host.keepAlive()
		runtime.KeepAlive(parent.host.self)
		if err != nil {
			return err
		}
		_, err = fs.cacheHost(parent, name)
		return err
	case kindOverlay:
		if err := fs.copyUp(parent, false); err != nil {
			return err
		}
		if err := fs.copyUp(src, true); err != nil {
			return err
		}
	}
	c := parent.newChild(name)
	c.mem = src.mem
	parent.addChild(c)
	src.mem.addLink(1)
	touchDir(parent)
	return nil
}

// UnlinkAt is unlinkat: unlink, or rmdir if removeDir.
func (fs *FS) UnlinkAt(dir *Dentry, path string, removeDir bool) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs}
	parent, name, trailing, err := w.walkParent(dir, path)
	if err != nil {
		return err
	}
	if removeDir {
		switch name {
		case "":
			return unix.EBUSY
		case ".":
			return unix.EINVAL
		case "..":
			return unix.ENOTEMPTY
		}
	} else if name == "" || name == "." || name == ".." {
		return unix.EISDIR
	}
	if err := writableMount(parent); err != nil {
		return err
	}
	c, err := fs.lookupChild(parent, name)
	if err != nil {
		return err
	}
	if c.mounted != nil {
		return unix.EBUSY
	}
	if removeDir {
		if !c.isDir() {
			return unix.ENOTDIR
		}
		if parent.mnt.kind != kindHost {
			empty, err := fs.isEmptyDir(c)
			if err != nil {
				return err
			}
			if !empty {
				return unix.ENOTEMPTY
			}
		}
	} else {
		if c.isDir() {
			return unix.EISDIR
		}
		if trailing {
			return unix.ENOTDIR
		}
	}
	switch parent.mnt.kind {
	case kindHost:
		flags := 0
		if removeDir {
			flags = unix.AT_REMOVEDIR
		}
		err := unix.Unlinkat(parent.host.self.fixedFD(), name, flags)
		runtime.KeepAlive(parent.host.self)
		if err != nil {
			return err
		}
	case kindOverlay:
		if err := fs.copyUp(parent, false); err != nil {
			return err
		}
	}
	fs.removeChild(c)
	return nil
}

// ChmodAt is fchmodat; follow false on a symlink gives EOPNOTSUPP as on
// Linux.
func (fs *FS) ChmodAt(dir *Dentry, path string, mode uint32, follow bool) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs}
	d, err := w.walk(dir, path, follow)
	if err != nil {
		return err
	}
	return fs.chmod(d, mode)
}

// Chmod is fchmod on the file's location.
func (f *File) Chmod(mode uint32) error {
	if f.dentry == nil || f.impl == nil {
		return unix.EBADF
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return f.fs.chmod(f.dentry, mode)
}

func (fs *FS) chmod(d *Dentry, mode uint32) error {
	if d.isSymlink() {
		return unix.EOPNOTSUPP
	}
	if err := writableMount(d); err != nil {
		return err
	}
	mode &= 07777
	switch {
	case d.mnt.kind == kindHost:
		return fs.volChmod(d, mode)
	case d.mnt.kind == kindOverlay:
		if err := fs.copyUp(d, true); err != nil {
			return err
		}
	}
	d.mem.mu.Lock()
	d.mem.mode = mode
	d.mem.ctime = now()
	d.mem.mu.Unlock()
	return nil
}

// hostChmod changes a volume object's mode without following a symlink
// the host may have put in its place.
func hostChmod(n *hostNode, mode uint32) error {
	defer n.keepAlive()
	switch n.typ {
	case unix.S_IFDIR:
		return unix.Fchmodat(n.self.fixedFD(), ".", mode, 0)
	case unix.S_IFREG:
		fd, err := n.open(unix.O_RDONLY | unix.O_NONBLOCK)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return unix.Fchmod(fd, mode)
	}
	return unix.EPERM
}

// TruncateAt is truncate(2).
func (fs *FS) TruncateAt(dir *Dentry, path string, size int64) error {
	if size < 0 {
		return unix.EINVAL
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs}
	d, err := w.walk(dir, path, true)
	if err != nil {
		return err
	}
	switch d.typ() {
	case unix.S_IFDIR:
		return unix.EISDIR
	case unix.S_IFREG:
	default:
		return unix.EINVAL
	}
	if err := writableMount(d); err != nil {
		return err
	}
	if err := fs.checkWritable(d); err != nil {
		return err
	}
	switch d.mnt.kind {
	case kindHost:
		fd, err := d.host.open(unix.O_WRONLY)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		st, err := (&hostFile{fd: fd}).Stat()
		if err != nil {
			return err
		}
		return fs.resizeCached(hostKey{st.Dev, st.Ino}, func() error { return unix.Ftruncate(fd, size) }, size, -1, size)
	case kindOverlay:
		if err := fs.copyUp(d, size > 0); err != nil {
			return err
		}
	}
	m := d.mem
	return fs.resizeCached(m, func() error {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.truncateLocked(size)
	}, size, -1, size)
}

// UtimesAt is utimensat; a Nsec of UtimeNow or UtimeOmit means what it
// means there.
func (fs *FS) UtimesAt(dir *Dentry, path string, atime, mtime unix.Timespec, follow bool) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs}
	d, err := w.walk(dir, path, follow)
	if err != nil {
		return err
	}
	return fs.setTimes(d, atime, mtime)
}

// SetTimes is futimens on the file's location.
func (f *File) SetTimes(atime, mtime unix.Timespec) error {
	if f.dentry == nil {
		if f.impl == nil {
			return unix.EBADF
		}
		return nil
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return f.fs.setTimes(f.dentry, atime, mtime)
}

func (fs *FS) setTimes(d *Dentry, atime, mtime unix.Timespec) error {
	if atime.Nsec == UtimeOmit && mtime.Nsec == UtimeOmit {
		return nil
	}
	if err := writableMount(d); err != nil {
		return err
	}
	switch d.mnt.kind {
	case kindHost:
		fd, name, flags, done, err := d.host.at()
		if err != nil {
			return err
		}
		err = unix.UtimesNanoAt(fd, name, []unix.Timespec{atime, mtime}, flags)
		done()
		return err
	case kindOverlay:
		if err := fs.copyUp(d, true); err != nil {
			return err
		}
	}
	d.mem.setTimes(atime, mtime)
	return nil
}
