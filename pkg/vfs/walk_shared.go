package vfs

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Shared walks. The calls that only read the tree (stat, access,
// readlink, lookup, and opening an existing host file or directory for
// reading) first run with FS.mu held for reading, so that processes
// walking paths at once do not queue behind each other, host fstatat and
// openat included. Such a walk answers only from what the dentry cache
// already holds for host and in-memory objects; whatever would change the
// tree (a name not cached yet, a stale entry to drop, a copy-up) or call
// into a synthetic filesystem (whose calls release FS.mu, which only its
// writer may do) ends it with errExclusive, and the call starts again
// from the beginning under the write lock. The second walk sees the same
// tree or a newer one, as any walk racing a rename does on Linux.

// errExclusive ends a shared walk that needs the write lock.
var errExclusive = errors.New("vfs: the walk needs FS.mu held for writing")

// shared runs op once under FS.mu held for reading with a shared walker,
// and again under the write lock with an ordinary one if op asks for it.
func shared[T any](fs *FS, op func(w *walker) (T, error)) (T, error) {
	fs.mu.RLock()
	v, err := op(&walker{fs: fs, shared: true})
	fs.mu.RUnlock()
	if err != errExclusive {
		return v, err
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return op(&walker{fs: fs})
}

// lookupCached is lookupChild for a shared walk: the cached entry if it
// is a host or in-memory object still valid, ENOENT for a whiteout,
// errExclusive otherwise.
func (fs *FS) lookupCached(dir *Dentry, name string) (*Dentry, error) {
	if err := lookupCheck(dir, name); err != nil {
		return nil, err
	}
	if dir.synth != nil {
		return nil, errExclusive
	}
	if c, ok := dir.children[name]; ok {
		if c.synth == nil && (c.mem != nil || c.host == nil || c.mounted != nil || c.host.matches()) {
			return c, nil
		}
		return nil, errExclusive
	}
	if _, ok := dir.whiteouts[name]; ok {
		return nil, unix.ENOENT
	}
	return nil, errExclusive
}

// sharedTarget checks a dentry a shared walk arrived at: synthetic ones
// (procfs, a magic link's target) are for the write lock.
func sharedTarget(d *Dentry) (*Dentry, error) {
	if d.synth != nil || d.anon != nil {
		return nil, errExclusive
	}
	return d, nil
}

// openableShared says whether openDentry may open d for reading (flags
// has no write access, O_TRUNC or O_CREAT) under FS.mu held for reading:
// an O_PATH file, a directory, or a host file; in-memory files (FIFOs,
// devices) and the rest open under the write lock.
func openableShared(d *Dentry, flags int) bool {
	switch typ := d.typ(); {
	case flags&unix.O_PATH != 0, typ == unix.S_IFDIR:
		return true
	case typ == unix.S_IFREG:
		return d.mem == nil && d.host != nil
	}
	return false
}
