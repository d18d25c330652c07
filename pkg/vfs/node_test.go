package vfs

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeNode is a tiny synthetic tree standing in for procfs:
// /proc/{version, self -> "1", 1/{status}}.
type fakeNode struct {
	mode     uint32
	content  string
	target   string
	children map[string]*fakeNode
}

func (n *fakeNode) Stat() Stat {
	return Stat{Mode: n.mode, Ino: uint64(len(n.content) + 1000), Nlink: 1, Size: int64(len(n.content))}
}

func (n *fakeNode) Lookup(name string) (Node, error) {
	if c, ok := n.children[name]; ok {
		return c, nil
	}
	return nil, unix.ENOENT
}

func (n *fakeNode) Readdir() ([]Dirent, error) {
	var out []Dirent
	for name, c := range n.children {
		out = append(out, Dirent{Ino: c.Stat().Ino, Type: dtype(c.mode), Name: name})
	}
	slices.SortFunc(out, func(a, b Dirent) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (n *fakeNode) Readlink() (string, error) {
	if n.mode&unix.S_IFMT != unix.S_IFLNK {
		return "", unix.EINVAL
	}
	return n.target, nil
}

func (n *fakeNode) Open(flags int) (FileImpl, error) {
	if flags&unix.O_ACCMODE != unix.O_RDONLY {
		return nil, unix.EACCES
	}
	return &staticFile{data: n.content}, nil
}

type staticFile struct{ data string }

func (f *staticFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(f.data)) {
		return 0, nil
	}
	return copy(p, f.data[off:]), nil
}
func (f *staticFile) WriteAt(p []byte, off int64) (int, error) { return 0, unix.EINVAL }
func (f *staticFile) Stat() (Stat, error) {
	return Stat{Mode: unix.S_IFREG | 0444, Size: int64(len(f.data))}, nil
}
func (f *staticFile) Truncate(int64) error { return unix.EINVAL }
func (f *staticFile) Sync() error          { return nil }
func (f *staticFile) Seekable() bool       { return true }
func (f *staticFile) Release()             {}

func TestSyntheticMount(t *testing.T) {
	e := newEnv(t)
	proc := &fakeNode{mode: unix.S_IFDIR | 0555, children: map[string]*fakeNode{
		"version": {mode: unix.S_IFREG | 0444, content: "Linux version 6.0 (sentry)\n"},
		"self":    {mode: unix.S_IFLNK | 0777, target: "1"},
		"escape":  {mode: unix.S_IFLNK | 0777, target: "../../../etc/passwd"},
		"1": {mode: unix.S_IFDIR | 0555, children: map[string]*fakeNode{
			"status": {mode: unix.S_IFREG | 0444, content: "Pid:\t1\n"},
		}},
	}}
	if err := e.fs.Mount("/proc", proc); err != nil {
		t.Fatal(err)
	}
	if got := e.read(t, "/proc/version"); got != "Linux version 6.0 (sentry)\n" {
		t.Errorf("/proc/version = %q", got)
	}
	if got := e.read(t, "/proc/self/status"); got != "Pid:\t1\n" {
		t.Errorf("/proc/self/status = %q", got)
	}
	if got := e.read(t, "/proc/escape"); got[:4] != "root" {
		t.Errorf("/proc/escape = %q", got)
	}
	d, err := e.fs.Lookup(nil, "/proc/self/..", true)
	if err != nil || d.Path() != "/proc" {
		t.Errorf("/proc/self/.. = %v, %v", d, err)
	}
	if got := listNames(t, e.fs, "/proc"); !slices.Equal(got, []string{".", "..", "1", "escape", "self", "version"}) {
		t.Errorf("/proc lists %v", got)
	}
	// The node, not the vfs, decides whether a synthetic file takes writes.
	wantErr(t, "write open", openErr(e, "/proc/version", unix.O_WRONLY), unix.EACCES)
	wantErr(t, "create", openErr(e, "/proc/new", unix.O_WRONLY|unix.O_CREAT), unix.EROFS)
	wantErr(t, "mkdir", e.fs.MkdirAt(nil, "/proc/1/x", 0755), unix.EROFS)
	wantErr(t, "unlink", e.fs.UnlinkAt(nil, "/proc/version", false), unix.EROFS)
	wantErr(t, "missing", openErr(e, "/proc/2", unix.O_RDONLY), unix.ENOENT)
	if err := e.fs.Mount("/proc/1", proc); err == nil {
		t.Error("mount inside a synthetic filesystem succeeded")
	}
	if err := e.fs.Mount("/etc/passwd", proc); err == nil {
		t.Error("mount on a file succeeded")
	}
	if err := e.fs.Mount("/x", proc.children["version"]); err == nil {
		t.Error("mount of a non-directory root succeeded")
	}
}

func TestHostFDOfAPlainFile(t *testing.T) {
	if _, ok := (&File{}).HostFD(); ok {
		t.Error("HostFD of a plain file")
	}
}
