package vfs

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// openTmpfile is open(O_TMPFILE): an unnamed regular file in the
// directory path: in memory for the overlay and in-memory mounts (its
// dentry is dead from birth, so it never shows in a listing), a host
// O_TMPFILE file in a volume. linkat (File.LinkFile) gives such a file a
// name unless it was opened with O_EXCL.
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
	if d.mnt.kind == kindSynth {
		return nil, unix.EOPNOTSUPP
	}
	if d.mnt.kind == kindHost {
		return fs.hostTmpfile(d, flags, mode)
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
	return fs.newFile(c, fl, newMemFile(m, false)), nil
}

// hostTmpfile opens an O_TMPFILE file in the volume directory d.
func (fs *FS) hostTmpfile(d *Dentry, flags int, mode uint32) (*File, error) {
	// Set-ID bits never reach a volume's host file (volguard.go).
	safe, _ := hostSafeMode(mode&07777, unix.S_IFREG)
	fd, err := unix.Openat(d.host.self.fixedFD(), ".", unix.O_TMPFILE|unix.O_CLOEXEC|flags&(hostOpenFlags|unix.O_EXCL), safe)
	runtime.KeepAlive(d.host.self)
	if err != nil {
		return nil, err
	}
	hf := &hostFile{fd: fd}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, err
	}
	n := &hostNode{dir: d.host.self, name: "#tmpfile", dev: uint64(st.Dev), ino: uint64(st.Ino), typ: unix.S_IFREG}
	if flags&unix.O_EXCL == 0 {
		n.tmp = hf
	}
	c := d.newChild("#tmpfile")
	c.host = n
	c.dead = true
	fl := flags &^ (unix.O_TMPFILE &^ unix.O_DIRECTORY) &^ unix.O_DIRECTORY
	return fs.newFile(c, fl, hf), nil
}

// linkHostTmpfile names the host O_TMPFILE file fd as name in dir:
// AT_EMPTY_PATH where the sentry may use it, else through its own
// /proc/self/fd link, as linkat(2) suggests.
func linkHostTmpfile(fd, dir int, name string) error {
	err := unix.Linkat(fd, "", dir, name, unix.AT_EMPTY_PATH)
	if err == unix.EPERM || err == unix.ENOENT {
		err = unix.Linkat(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", fd), dir, name, unix.AT_SYMLINK_FOLLOW)
	}
	return err
}

// linkableTmpfile reports whether the dead dentry d is an O_TMPFILE file
// linkat may still name.
func (d *Dentry) linkableTmpfile() bool {
	switch {
	case d.mem != nil:
		return d.mem.tmpfile
	case d.host != nil:
		return d.host.tmp != nil
	}
	return false
}
