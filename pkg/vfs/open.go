package vfs

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// OpenAt opens path relative to dir (the cwd or a dirfd's dentry; nil or
// an absolute path means the root). flags are open(2)'s; O_CLOEXEC is left
// to the fd table. mode is the creation mode, already umask-ed.
func (fs *FS) OpenAt(dir *Dentry, path string, flags int, mode uint32) (*File, error) {
	return fs.OpenAt2(dir, path, flags, mode, 0)
}

// OpenAt2 is openat2: OpenAt with RESOLVE_* flags restricting the walk.
// RESOLVE_BENEATH and RESOLVE_IN_ROOT take dir as the root they confine
// the walk to; RESOLVE_CACHED is served like an uncached lookup except
// that it refuses what could block (O_CREAT, O_TRUNC) with EAGAIN.
func (fs *FS) OpenAt2(dir *Dentry, path string, flags int, mode uint32, resolve uint64) (*File, error) {
	if resolve&ResolveCached != 0 && flags&(unix.O_CREAT|unix.O_TRUNC|unix.O_TMPFILE) != 0 {
		return nil, unix.EAGAIN
	}
	if flags&unix.O_TMPFILE == unix.O_TMPFILE {
		return fs.openTmpfile(dir, path, flags, mode)
	}
	if flags&unix.O_PATH != 0 {
		flags &= unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	}
	if flags&unix.O_CREAT == 0 && (flags&unix.O_ACCMODE == unix.O_RDONLY && flags&unix.O_TRUNC == 0 || flags&unix.O_PATH != 0) {
		return shared(fs, func(w *walker) (*File, error) {
			w.resolve, w.root = resolve, dir
			if w.root == nil {
				w.root = fs.root
			}
			d, err := w.walk(dir, path, flags&unix.O_NOFOLLOW == 0)
			if err != nil {
				return nil, err
			}
			if w.shared && !openableShared(d, flags) {
				return nil, errExclusive
			}
			return fs.openDentry(d, flags, false)
		})
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs, resolve: resolve, root: dir}
	if w.root == nil {
		w.root = fs.root
	}
	if flags&unix.O_CREAT == 0 {
		d, err := w.walk(dir, path, flags&unix.O_NOFOLLOW == 0)
		if err != nil {
			return nil, err
		}
		return fs.openDentry(d, flags, false)
	}
	d, created, err := fs.openCreate(w, dir, path, flags, mode)
	if err != nil {
		return nil, err
	}
	if created != nil {
		f := fs.newFile(d, flags, created)
		if acc := flags & unix.O_ACCMODE; acc == unix.O_WRONLY || acc == unix.O_RDWR || flags&unix.O_TRUNC != 0 {
			// A new object: nobody executes it.
			fs.holdGate(f, d, 1)
		}
		return f, nil
	}
	return fs.openDentry(d, flags, false)
}

// OpenExec opens path (resolved as OpenAt does) read-only for execve to
// load: the program or its interpreter, held only while the image loads.
// Its host fd is the kernel's, not one of the caller's (Linux's execve
// takes no fd of the caller's either), so when the application's files
// hold the whole host fd budget it comes from a small reserve of the
// sentry's (hostfds.go): a program that opened files until ENFILE can
// still exec. It fails with ETXTBSY if a description holds the file
// open for writing, and the file refuses writers while the returned one
// is open (writedeny.go; ExecDeny keeps that for a loaded program).
func (fs *FS) OpenExec(dir *Dentry, path string) (*File, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs, root: dir}
	if w.root == nil {
		w.root = fs.root
	}
	d, err := w.walk(dir, path, true)
	if err != nil {
		return nil, err
	}
	return fs.openDentry(d, unix.O_RDONLY, true)
}

func (fs *FS) newFile(d *Dentry, flags int, impl FileImpl) *File {
	f := &File{fs: fs, dentry: d, impl: impl, flags: flags &^ openOnlyFlags}
	f.refs.Store(1)
	return f
}

// openOnlyFlags matter to open only; the rest are the file's status flags.
const openOnlyFlags = unix.O_CREAT | unix.O_EXCL | unix.O_TRUNC | unix.O_NOCTTY | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_DIRECTORY

// openCreate resolves path for O_CREAT, creating a regular file if the
// last component does not exist, and then returns it already open. As on
// Linux, a symlink in the last component is followed (unless O_EXCL or
// O_NOFOLLOW) and a dangling one creates its target.
func (fs *FS) openCreate(w *walker, dir *Dentry, path string, flags int, mode uint32) (*Dentry, FileImpl, error) {
	if flags&unix.O_DIRECTORY != 0 {
		return nil, nil, unix.EINVAL
	}
	for {
		parent, name, trailing, err := w.walkParent(dir, path)
		if err != nil {
			return nil, nil, err
		}
		if name == "" || name == "." || name == ".." || trailing {
			return nil, nil, unix.EISDIR
		}
		c, err := fs.lookupChild(parent, name)
		if err == nil {
			c = crossMounts(c)
			if flags&unix.O_EXCL != 0 {
				return nil, nil, unix.EEXIST
			}
			if c.isSymlink() {
				if flags&unix.O_NOFOLLOW != 0 {
					return nil, nil, unix.ELOOP
				}
				if isMagic(c.synth) {
					// /proc/PID/fd/N stands for an existing file.
					d, err := w.follow(parent, c)
					if err != nil {
						return nil, nil, err
					}
					if d.isDir() {
						return nil, nil, unix.EISDIR
					}
					return d, nil, nil
				}
				if path, err = w.readlink(c); err != nil {
					return nil, nil, err
				}
				dir = parent
				continue
			}
			if c.isDir() {
				return nil, nil, unix.EISDIR
			}
			return c, nil, nil
		}
		if err != unix.ENOENT {
			return nil, nil, err
		}
		if err := writableMount(parent); err != nil {
			return nil, nil, err
		}
		if parent.mnt.kind == kindHost {
			return fs.createHostFile(parent, name, flags, mode)
		}
		c, err = fs.createChild(parent, name, unix.S_IFREG|mode&07777, "")
		if err != nil {
			return nil, nil, err
		}
		return c, newMemFile(c.mem, false), nil
	}
}

// openDentry opens the object d; exec: for OpenExec. Caller holds FS.mu.
func (fs *FS) openDentry(d *Dentry, flags int, exec bool) (*File, error) {
	f := fs.newFile(d, flags, nil)
	if flags&unix.O_PATH != 0 {
		if flags&unix.O_DIRECTORY != 0 && !d.isDir() {
			return nil, unix.ENOTDIR
		}
		f.flags = unix.O_PATH
		f.isDir = d.isDir()
		return f, nil
	}
	if d.anon != nil {
		d.anon.IncRef()
		return d.anon, nil
	}
	acc := flags & unix.O_ACCMODE
	write := acc == unix.O_WRONLY || acc == unix.O_RDWR || flags&unix.O_TRUNC != 0
	typ := d.typ()
	if flags&unix.O_DIRECTORY != 0 && typ != unix.S_IFDIR {
		return nil, unix.ENOTDIR
	}
	switch typ {
	case unix.S_IFLNK:
		return nil, unix.ELOOP
	case unix.S_IFDIR:
		if write {
			return nil, unix.EISDIR
		}
		f.impl, f.isDir = &dirFile{d: d}, true
		return f, nil
	case unix.S_IFREG:
		// A synthetic node decides itself which files take writes.
		if write && d.synth == nil {
			if err := writableMount(d); err != nil {
				return nil, err
			}
		}
	case unix.S_IFSOCK:
		return nil, unix.ENXIO
	}
	if typ == unix.S_IFREG && d.synth == nil && (write || exec) {
		delta := 1
		if exec {
			delta = -1
		}
		if err := fs.holdGate(f, d, delta); err != nil {
			return nil, err
		}
	}

	var err error
	switch {
	case d.synth != nil:
		var impl FileImpl
		fs.synthCall(func() { impl, err = d.synth.Open(flags) })
		if _, own := d.synth.(HostDevice); err == nil && own {
			f.impl = impl
		} else if err == nil {
			f.impl = synthFile{impl, d.mnt.dev}
		}
	case d.mem == nil && d.mnt.kind == kindOverlay && typ == unix.S_IFREG && write:
		if err = fs.copyUp(d, flags&unix.O_TRUNC == 0); err == nil {
			f.impl, err = fs.openMem(d.mem, flags)
		}
	case d.mem != nil && typ == unix.S_IFIFO:
		f.impl, err = fs.openFIFO(d.mem, flags)
	case d.mem != nil:
		f.impl, err = fs.openMem(d.mem, flags)
	case typ != unix.S_IFREG:
		// Host devices, fifos and sockets stay out of reach of the app.
		err = unix.EACCES
	default:
		var hf *hostFile
		// The overlay's lower layer is read-only: its files may park.
		if hf, err = fs.openHost(d.host, flags, exec, d.mnt.kind == kindOverlay); err == nil {
			if d.mnt.kind == kindOverlay {
				hf.dev = d.mnt.dev
			}
			f.impl = hf
		}
	}
	if err != nil {
		f.releaseGate()
		return nil, err
	}
	return f, nil
}

func (fs *FS) openMem(m *memInode, flags int) (FileImpl, error) {
	if m.typ != unix.S_IFREG {
		return openDevice(m)
	}
	if flags&unix.O_TRUNC != 0 {
		err := fs.resizeCached(m, func() error {
			m.mu.Lock()
			defer m.mu.Unlock()
			return m.truncateLocked(0)
		}, 0, -1, 0)
		if err != nil {
			return nil, err
		}
	}
	return newMemFile(m, false), nil
}

// hostOpenFlags are the open flags passed on to the host.
const hostOpenFlags = unix.O_ACCMODE | unix.O_APPEND | unix.O_TRUNC | unix.O_DSYNC | unix.O_SYNC

// createHostFile creates and opens a regular file in a volume in one step,
// so the new file's mode cannot stop its creator from writing it.
func (fs *FS) createHostFile(parent *Dentry, name string, flags int, mode uint32) (*Dentry, FileImpl, error) {
	if len(name) > nameMax {
		return nil, nil, unix.ENAMETOOLONG
	}
	if err := fs.hostFDs.acquire(); err != nil {
		return nil, nil, err
	}
	dir := parent.host.self
	safe, kept := hostSafeMode(mode&07777, unix.S_IFREG)
	fd, err := unix.Openat(dir.fixedFD(), name, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC|flags&hostOpenFlags, safe)
	runtime.KeepAlive(dir)
	if err != nil {
		fs.hostFDs.release()
		return nil, nil, err
	}
	c, err := fs.cacheHost(parent, name)
	if err != nil {
		unix.Close(fd)
		fs.hostFDs.release()
		return nil, nil, err
	}
	fs.volCreated(c, kept)
	return c, &hostFile{fd: fd, budget: &fs.hostFDs}, nil
}

// openHost opens a host file, charging its fd to the application's
// budget, or for exec, when that is spent, to the exec reserve; park: a
// read-only file whose fd may be parked (hostfds.go).
func (fs *FS) openHost(n *hostNode, flags int, exec, park bool) (*hostFile, error) {
	budget := &fs.hostFDs
	if err := budget.acquire(); err != nil {
		if !exec {
			return nil, err
		}
		budget = &fs.execFDs
		if err := budget.acquire(); err != nil {
			return nil, err
		}
	}
	fd, err := n.open(flags & hostOpenFlags)
	runtime.KeepAlive(n)
	if err != nil {
		budget.release()
		return nil, err
	}
	if park {
		return budget.newParkable(fd, n, flags&hostOpenFlags), nil
	}
	return &hostFile{fd: fd, budget: budget}, nil
}
