package procfs

import (
	"strings"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// Restrict is what an OCI config's linux.maskedPaths and
// linux.readonlyPaths ask of /proc and /sys, which runc does with mounts
// over them: a masked file reads as /dev/null (runc binds /dev/null over
// it), a masked directory as an empty one (a read-only tmpfs), and under
// a read-only path every write-open fails with EROFS. Paths are absolute
// guest paths; those naming nothing in the trees change nothing, as
// runc skips masks of paths that do not exist.
type Restrict struct {
	Masked, ReadOnly []string
}

// restrict is Restrict as lookups apply it.
type restrict struct {
	masked   map[string]bool
	readOnly []string
}

func newRestrict(r Restrict) *restrict {
	if len(r.Masked) == 0 && len(r.ReadOnly) == 0 {
		return nil
	}
	x := &restrict{masked: map[string]bool{}}
	for _, p := range r.Masked {
		x.masked[cleanPath(p)] = true
	}
	for _, p := range r.ReadOnly {
		x.readOnly = append(x.readOnly, cleanPath(p))
	}
	return x
}

func cleanPath(p string) string { return "/" + strings.Trim(p, "/") }

// apply returns what a lookup of path, which found n, shows.
func (r *restrict) apply(path string, n vfs.Node) vfs.Node {
	if r.masked[path] {
		if n.Stat().Mode&unix.S_IFMT == unix.S_IFDIR {
			return newDir(path, func() []entry { return nil })
		}
		return &nullFile{path: path, born: now()}
	}
	switch n := n.(type) {
	case *dir:
		if n.restrict == nil {
			n.restrict = r
		}
	case *file:
		if r.readOnlyAt(path) {
			n.write, n.deny = nil, unix.EROFS
		}
	}
	return n
}

// readOnlyAt reports whether path is at or under a read-only path.
func (r *restrict) readOnlyAt(path string) bool {
	for _, ro := range r.readOnly {
		if path == ro || strings.HasPrefix(path, ro+"/") || ro == "/" {
			return true
		}
	}
	return false
}

// nullFile is a masked file: /dev/null as runc's bind mount shows it.
type nullFile struct {
	notDir
	notLink
	path string
	born unix.Timespec
}

func (f *nullFile) Stat() vfs.Stat {
	st := attrs(f.path, unix.S_IFCHR|0o666, f.born, nil)
	st.Rdev = unix.Mkdev(1, 3)
	return st
}

func (f *nullFile) Open(int) (vfs.FileImpl, error) {
	return &open{gen: func() ([]byte, error) { return nil, nil }, write: func(p []byte) (int, error) { return len(p), nil }, st: f.Stat()}, nil
}
