package vfs

// Node is one object of a synthetic filesystem (procfs, sysfs) mounted with
// FS.Mount. Nodes are asked again at every lookup, so their content can be
// generated from current kernel state; the vfs caches nothing of them.
// Errors are unix.Errno. The vfs refuses namespace changes inside
// synthetic filesystems with EROFS; whether a file opens for writing is
// the node's Open to decide.
type Node interface {
	// Stat returns the attributes; Mode carries the file type.
	Stat() Stat
	// Lookup returns the child called name (never "." or "..") of a
	// directory.
	Lookup(name string) (Node, error)
	// Readdir lists a directory, without "." and "..". Off is ignored.
	Readdir() ([]Dirent, error)
	// Readlink returns a symlink's target, which the vfs resolves in the
	// guest tree like any other symlink.
	Readlink() (string, error)
	// Open opens a non-directory with the given open flags.
	Open(flags int) (FileImpl, error)
}
