package vfs

import (
	"fmt"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// Workdir returns the directory at the absolute guest path p where the
// first process starts, creating it and any missing parent (mode 0755) as
// docker does for `run -w`. In the overlay a created directory exists in
// memory only, so the host is never changed; inside a volume it is
// created on the host, as docker creates it there too. A component that
// is not a directory, or a read-only mount, is an error naming p.
func (fs *FS) Workdir(p string) (*Dentry, error) {
	if !path.IsAbs(p) {
		return nil, fmt.Errorf("working directory %q: not an absolute path", p)
	}
	p = path.Clean(p)
	cur := "/"
	for _, name := range strings.Split(p, "/") {
		if name == "" {
			continue
		}
		cur = path.Join(cur, name)
		_, err := fs.Lookup(fs.root, cur, true)
		if err == unix.ENOENT {
			err = fs.MkdirAt(fs.root, cur, 0o755)
			if err == unix.EEXIST {
				// A dangling symlink: mkdir does not follow it.
				err = unix.ENOENT
			}
		}
		if err != nil {
			return nil, fmt.Errorf("working directory %s: %w", p, err)
		}
	}
	d, err := fs.Lookup(fs.root, p, true)
	if err == nil {
		var st Stat
		if st, err = fs.StatAt(d, ".", true); err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			err = unix.ENOTDIR
		}
	}
	if err != nil {
		return nil, fmt.Errorf("working directory %s: %w", p, err)
	}
	return d, nil
}
