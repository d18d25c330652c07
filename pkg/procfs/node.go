package procfs

import (
	"hash/fnv"
	"sort"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// ino derives a stable inode number from a node's path.
func ino(path string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(path))
	return h.Sum64()>>16 | 1
}

// attrs are a node's attributes; born is when the node was made, which
// is what Linux shows as the times of a proc inode, and own (nil: root)
// who owns it.
func attrs(path string, mode uint32, born unix.Timespec, own owner) vfs.Stat {
	t := born
	nlink := uint64(1)
	if mode&unix.S_IFMT == unix.S_IFDIR {
		nlink = 2
	}
	st := vfs.Stat{Ino: ino(path), Mode: mode, Nlink: nlink, Blksize: 1024, Atime: t, Mtime: t, Ctime: t}
	if own != nil {
		st.UID, st.GID = own(mode)
	}
	return st
}

// owner says who owns a node of the given mode now; it is asked again at
// each stat, since the answer follows the process's credentials.
type owner func(mode uint32) (uid, gid uint32)

// processOwner owns the nodes of /proc/PID, as Linux's task_dump_owner
// decides: the process's effective ids, except that while the process
// is not dumpable every node but the world-readable directories belongs
// to root (so procps can still learn a process's euid from a stat of
// /proc/PID).
func processOwner(k Kernel, pid int) owner {
	return func(mode uint32) (uint32, uint32) {
		p := k.Process(pid)
		if p == nil {
			return 0, 0
		}
		uid, gid, dumpable := p.Owner()
		if !dumpable && mode != unix.S_IFDIR|0o555 {
			return 0, 0
		}
		return uid, gid
	}
}

// rootOwner owns what a process's directory shows of others.
func rootOwner(uint32) (uid, gid uint32) { return 0, 0 }

// inherit gives a child node its directory's owner unless it has one.
func inherit(n vfs.Node, own owner) {
	if own == nil {
		return
	}
	var slot *owner
	switch n := n.(type) {
	case *file:
		slot = &n.own
	case *dir:
		slot = &n.own
	case *link:
		slot = &n.own
	case magic:
		slot = &n.own
	case cwdLink:
		slot = &n.own
	default:
		return
	}
	if *slot == nil {
		*slot = own
	}
}

// notDir and notLink give a node the Node methods it does not have.
type notDir struct{}

func (notDir) Lookup(string) (vfs.Node, error) { return nil, unix.ENOTDIR }
func (notDir) Readdir() ([]vfs.Dirent, error)  { return nil, unix.ENOTDIR }

type notLink struct{}

func (notLink) Readlink() (string, error) { return "", unix.EINVAL }

// file is a regular file whose content gen makes when it is read.
type file struct {
	notDir
	notLink
	path string
	mode uint32
	gen  func() ([]byte, error)
	born unix.Timespec
	// write, if set, takes each write(2) to the file (the offset is
	// ignored, as by Linux's proc writers) and makes the file 0644.
	write func(p []byte) (int, error)
	// deny is what a write-open of a file without write returns; nil
	// lets a privileged caller open it (root passes the permission
	// check on Linux too), and then each write fails with badWrite.
	deny     error
	badWrite error
	// priv reports whether the caller may open files it has no
	// permission bits for (CAP_DAC_OVERRIDE); nil means never.
	priv func() bool
	// rootWrite makes a file with write a privileged caller's to open
	// for writing (the file is root's, 0644).
	rootWrite bool
	own       owner
}

func now() unix.Timespec { return unix.NsecToTimespec(time.Now().UnixNano()) }

func newFile(path string, gen func() ([]byte, error)) *file {
	return &file{path: path, mode: 0444, gen: gen, born: now(), deny: unix.EROFS, badWrite: unix.EINVAL}
}

func textFile(path string, gen func() string) *file {
	return newFile(path, func() ([]byte, error) { return []byte(gen()), nil })
}

func (f *file) Stat() vfs.Stat {
	mode := f.mode
	if f.write != nil {
		mode |= 0200
	}
	return attrs(f.path, unix.S_IFREG|mode, f.born, f.own)
}

func (f *file) Open(flags int) (vfs.FileImpl, error) {
	o := &open{gen: f.gen, write: f.write, st: f.Stat()}
	writing := flags&unix.O_ACCMODE != unix.O_RDONLY
	if writing && f.write != nil && f.rootWrite && (f.priv == nil || !f.priv()) {
		return nil, unix.EACCES
	}
	if writing && f.write == nil {
		switch {
		case f.deny != nil:
			return nil, f.deny
		case f.priv == nil || !f.priv():
			return nil, unix.EACCES
		}
		bad := f.badWrite
		o.write = func([]byte) (int, error) { return 0, bad }
	}
	return o, nil
}

// open is an open generated file. Like Linux's seq_file it renders the
// content at the first read and again at each read from offset 0, and
// serves reads further on from that rendering, so that one pass of
// reads sees one consistent text, however long ago the file was opened.
type open struct {
	gen   func() ([]byte, error)
	write func(p []byte) (int, error)
	st    vfs.Stat

	mu       sync.Mutex
	data     []byte
	rendered bool
}

// content returns the rendering a read at off sees.
func (o *open) content(off int64) ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.rendered || off == 0 {
		b, err := o.gen()
		if err != nil {
			return nil, err
		}
		o.data, o.rendered = b, true
	}
	return o.data, nil
}

func (o *open) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, unix.EINVAL
	}
	data, err := o.content(off)
	if err != nil {
		return 0, err
	}
	if off >= int64(len(data)) {
		return 0, nil
	}
	return copy(p, data[off:]), nil
}

func (o *open) WriteAt(p []byte, _ int64) (int, error) {
	if o.write == nil {
		return 0, unix.EBADF
	}
	return o.write(p)
}

func (o *open) Stat() (vfs.Stat, error) { return o.st, nil }
func (o *open) Truncate(int64) error    { return unix.EINVAL }
func (o *open) Sync() error             { return nil }
func (o *open) Seekable() bool          { return true }
func (o *open) Release()                {}

// Readable reports how many bytes a read at off would return (FIONREAD).
func (o *open) Readable(off int64) int64 {
	data, err := o.content(off)
	if err != nil {
		return 0
	}
	return max(int64(len(data))-off, 0)
}

// link is a symlink whose target gen computes at each readlink.
type link struct {
	notDir
	path string
	gen  func() (string, error)
	// target, if set, makes the link a magic link to an open file.
	target func() (*vfs.File, error)
	mode   uint32
	born   unix.Timespec
	own    owner
}

func newLink(path string, gen func() (string, error)) *link {
	return &link{path: path, gen: gen, born: now()}
}

func (l *link) Stat() vfs.Stat {
	mode := l.mode
	if mode == 0 {
		mode = 0777
	}
	return attrs(l.path, unix.S_IFLNK|mode, l.born, l.own)
}
func (l *link) Readlink() (string, error)      { return l.gen() }
func (l *link) Open(int) (vfs.FileImpl, error) { return nil, unix.ELOOP }

// magic is a link that is also a vfs.MagicLink.
type magic struct{ *link }

func (m magic) Target() (*vfs.File, error) { return m.link.target() }

// dir is a directory whose entries list computes at each lookup or listing.
type dir struct {
	notLink
	path string
	mode uint32
	list func() []entry
	born unix.Timespec
	// own, if set, owns the directory and every node looked up under
	// it that has no owner of its own.
	own owner
	// restrict, if set, applies to every lookup under the directory.
	restrict *restrict
}

// entry is one child of a dir, made on demand.
type entry struct {
	name string
	typ  uint8
	node func() vfs.Node
}

func newDir(path string, list func() []entry) *dir {
	return &dir{path: path, mode: 0555, list: list, born: now()}
}

func (d *dir) Stat() vfs.Stat                 { return attrs(d.path, unix.S_IFDIR|d.mode, d.born, d.own) }
func (d *dir) Open(int) (vfs.FileImpl, error) { return nil, unix.EISDIR }

func (d *dir) Lookup(name string) (vfs.Node, error) {
	for _, e := range d.list() {
		if e.name == name {
			n := e.node()
			inherit(n, d.own)
			if d.restrict != nil {
				n = d.restrict.apply(d.path+"/"+name, n)
			}
			return n, nil
		}
	}
	return nil, unix.ENOENT
}

func (d *dir) Readdir() ([]vfs.Dirent, error) {
	ents := d.list()
	out := make([]vfs.Dirent, 0, len(ents))
	for _, e := range ents {
		out = append(out, vfs.Dirent{Ino: ino(d.path + "/" + e.name), Type: e.typ, Name: e.name})
	}
	return out, nil
}

// static lists fixed children, made once.
func static(parent string, kids map[string]func(path string) vfs.Node) func() []entry {
	var once sync.Once
	var ents []entry
	return func() []entry {
		once.Do(func() {
			names := make([]string, 0, len(kids))
			for n := range kids {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				node := kids[n](parent + "/" + n)
				typ := dtype(node.Stat().Mode)
				ents = append(ents, entry{name: n, typ: typ, node: func() vfs.Node { return node }})
			}
		})
		return ents
	}
}

func dtype(mode uint32) uint8 {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return unix.DT_DIR
	case unix.S_IFLNK:
		return unix.DT_LNK
	}
	return unix.DT_REG
}

// Helpers to declare static trees tersely.
func txt(s string) func(string) vfs.Node {
	return func(p string) vfs.Node { return textFile(p, func() string { return s }) }
}
func gen(g func() string) func(string) vfs.Node {
	return func(p string) vfs.Node { return textFile(p, g) }
}
func sub(kids map[string]func(string) vfs.Node) func(string) vfs.Node {
	return func(p string) vfs.Node { return newDir(p, static(p, kids)) }
}
func symlink(target string) func(string) vfs.Node {
	return func(p string) vfs.Node {
		return newLink(p, func() (string, error) { return target, nil })
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
