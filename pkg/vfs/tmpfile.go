package vfs

import (
	"golang.org/x/sys/unix"
)

// openTmpfile is open(O_TMPFILE): an unnamed regular file in the
// directory path, in memory for the overlay and in-memory mounts (its
// dentry is dead from birth, so it never shows in a listing). Volumes
// refuse it with EOPNOTSUPP rather than create host files the sandbox
// could not account for. linkat (File.LinkFile) gives such a file a name
// unless it was opened with O_EXCL.
func (fs *FS) openTmpfile(dir *Dentry, path string, flags int, mode uint32) (*File, error) {
	acc := flags & unix.O_ACCMODE
	if acc != unix.O_WRONLY && acc != unix.O_RDWR {
		return nil, unix.EINVAL
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := &walker{fs: fs}
	d, err := w.walk(dir, path, true)
	if err != nil {
		return nil, err
	}
	if !d.isDir() {
		return nil, unix.ENOTDIR
	}
	if err := writableMount(d); err != nil {
		return nil, err
	}
	if d.mnt.kind == kindHost || d.mnt.kind == kindSynth {
		return nil, unix.EOPNOTSUPP
	}
	m := fs.newMem(d.mnt, unix.S_IFREG|mode&07777, 0)
	m.nlink = 0
	m.tmpfile = flags&unix.O_EXCL == 0
	// Its content is the application's own until it is linked, when it
	// becomes an ordinary overlay file.
	m.written = false
	c := d.newChild("#tmpfile")
	c.mem = m
	c.dead = true
	fl := flags &^ (unix.O_TMPFILE &^ unix.O_DIRECTORY) &^ unix.O_DIRECTORY
	return fs.newFile(c, fl, &memFile{m: m}), nil
}
