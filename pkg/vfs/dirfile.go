package vfs

import (
	"sort"

	"golang.org/x/sys/unix"
)

// dirFile is an open directory; its entries are read through
// File.Getdents.
type dirFile struct {
	d *Dentry
}

func (f *dirFile) ReadAt(p []byte, off int64) (int, error)  { return 0, unix.EISDIR }
func (f *dirFile) WriteAt(p []byte, off int64) (int, error) { return 0, unix.EISDIR }
func (f *dirFile) Stat() (Stat, error)                      { return f.d.Stat() }
func (f *dirFile) Truncate(int64) error                     { return unix.EISDIR }
func (f *dirFile) Sync() error                              { return nil }
func (f *dirFile) Seekable() bool                           { return true }
func (f *dirFile) Release()                                 {}

// listDir returns the entries of the directory d, "." and ".." first, then
// the overlay's lower entries in host order (replaced by upper ones of the
// same name, whiteouts hidden), then the remaining upper entries by name.
func (fs *FS) listDir(d *Dentry) ([]Dirent, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if d.dead {
		// Linux lists nothing, not even "." and "..", in a removed directory.
		return []Dirent{}, nil
	}
	out := []Dirent{
		{Ino: d.ino(), Type: unix.DT_DIR, Name: "."},
		{Ino: fs.dotdot(d).ino(), Type: unix.DT_DIR, Name: ".."},
	}
	if d.synth != nil {
		var ents []Dirent
		var err error
		fs.synthCall(func() { ents, err = d.synth.Readdir() })
		if err != nil {
			return nil, err
		}
		return append(out, ents...), nil
	}
	seen := make(map[string]bool)
	if d.host != nil && d.host.self != nil {
		ents, err := readHostDir(d.host)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if c, ok := d.children[e.name]; ok && c.mem != nil {
				out = append(out, Dirent{Ino: c.mem.ino, Type: dtype(c.mem.typ), Name: e.name})
				seen[e.name] = true
				continue
			}
			if _, ok := d.whiteouts[e.name]; ok {
				continue
			}
			out = append(out, Dirent{Ino: e.ino, Type: e.typ, Name: e.name})
			seen[e.name] = true
		}
	}
	var rest []Dirent
	for name, c := range d.children {
		if c.mem == nil || seen[name] {
			continue
		}
		rest = append(rest, Dirent{Ino: c.mem.ino, Type: dtype(c.mem.typ), Name: name})
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].Name < rest[j].Name })
	return append(out, rest...), nil
}

// isEmptyDir reports whether the directory d has no entries (in any layer).
func (fs *FS) isEmptyDir(d *Dentry) (bool, error) {
	for _, c := range d.children {
		if c.mem != nil {
			return false, nil
		}
	}
	if d.host == nil || d.host.self == nil {
		return true, nil
	}
	ents, err := readHostDir(d.host)
	if err != nil {
		return false, err
	}
	for _, e := range ents {
		if _, ok := d.whiteouts[e.name]; !ok {
			return false, nil
		}
	}
	return true, nil
}
