package vfs

import (
	"sync"

	"golang.org/x/sys/unix"
)

// chunkSize is the granule of in-memory file data. Chunks never written
// are holes: they read as zeros and cost nothing, so ftruncate to a large
// size stays cheap.
const chunkSize = 64 << 10

// maxMemFileSize bounds in-memory files (EFBIG beyond it), far above what
// fits in memory but low enough that offset arithmetic cannot overflow.
const maxMemFileSize = 1 << 50

// memInode is an in-memory inode: the overlay's upper layer, devfs and
// tmpfs-like mounts. Directory entries are not stored here but in the
// Dentry tree, which is the source of truth for in-memory directories.
type memInode struct {
	ino uint64
	dev uint64
	typ uint32 // S_IFMT bits; never changes

	mu      sync.Mutex
	mode    uint32 // permission bits (07777)
	uid     uint32
	gid     uint32
	nlink   uint64
	rdev    uint64
	atime   unix.Timespec
	mtime   unix.Timespec
	ctime   unix.Timespec
	size    int64
	chunks  map[int64][]byte
	target  string  // symlinks
	device  devKind // character devices served by devfs
	written bool    // regular file whose content exists only in memory
	seals   int     // memfd seals (F_SEAL_*)
	tmpfile bool    // made by O_TMPFILE without O_EXCL: linkat may name it
	fifo    FIFO    // a named pipe's, made on first open
	xattrs  map[string][]byte
	acct    MemoryCharger // chunks are charged to it (charge.go); nil: not charged
	opens   int           // open file descriptions (memFile) of it
}

func (fs *FS) newMem(m *mount, mode uint32, rdev uint64) *memInode {
	t := now()
	n := &memInode{
		ino:   fs.nextIno.Add(1),
		dev:   m.dev,
		typ:   mode & unix.S_IFMT,
		mode:  mode & 07777,
		nlink: 1,
		rdev:  rdev,
		acct:  fs.charger,
		atime: t, mtime: t, ctime: t,
	}
	if n.typ == unix.S_IFDIR {
		n.nlink = 2
		// A directory's size is one block, as on the disk filesystems
		// the overlay's upper layer usually is (ls "total" counts it).
		n.size = 4096
	}
	return n
}

func (m *memInode) stat() Stat {
	m.mu.Lock()
	defer m.mu.Unlock()
	size := m.size
	if m.typ == unix.S_IFLNK {
		size = int64(len(m.target))
	}
	alloc := int64(len(m.chunks)) * chunkSize
	if r := (m.size + 4095) &^ 4095; r < alloc || m.typ == unix.S_IFDIR {
		alloc = r
	}
	return Stat{
		Dev: m.dev, Ino: m.ino, Nlink: m.nlink,
		Mode: m.typ | m.mode, UID: m.uid, GID: m.gid,
		Rdev: m.rdev, Size: size, Blksize: 4096, Blocks: alloc / 512,
		Atime: m.atime, Mtime: m.mtime, Ctime: m.ctime,
	}
}

// readAt copies data at off into p and returns how much it copied; a short
// count means end of file. Caller holds m.mu.
func (m *memInode) readAtLocked(p []byte, off int64) int {
	if off >= m.size || off < 0 {
		return 0
	}
	if rem := m.size - off; int64(len(p)) > rem {
		p = p[:rem]
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		idx, in := pos/chunkSize, int(pos%chunkSize)
		want := min(len(p)-n, chunkSize-in)
		if c := m.chunks[idx]; c != nil {
			copy(p[n:n+want], c[in:in+want])
		} else {
			clear(p[n : n+want])
		}
		n += want
	}
	return n
}

// writeAtLocked stores p at off, growing the file. Caller holds m.mu.
func (m *memInode) writeAtLocked(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, unix.EINVAL
	}
	if off+int64(len(p)) > maxMemFileSize {
		return 0, unix.EFBIG
	}
	if m.chunks == nil {
		m.chunks = make(map[int64][]byte)
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		idx, in := pos/chunkSize, int(pos%chunkSize)
		want := min(len(p)-n, chunkSize-in)
		c := m.chunks[idx]
		if c == nil {
			if !m.chargeChunkLocked() {
				if n == 0 {
					return 0, unix.ENOSPC
				}
				break
			}
			c = make([]byte, chunkSize)
			m.chunks[idx] = c
		}
		copy(c[in:in+want], p[n:n+want])
		n += want
	}
	if end := off + int64(n); end > m.size {
		m.size = end
	}
	if n > 0 {
		t := now()
		m.mtime, m.ctime = t, t
		m.written = true
	}
	return n, nil
}

// truncateLocked sets the size, dropping or zeroing data past it. Caller
// holds m.mu.
func (m *memInode) truncateLocked(size int64) error {
	if size < 0 {
		return unix.EINVAL
	}
	if size > maxMemFileSize {
		return unix.EFBIG
	}
	if size < m.size {
		last := size / chunkSize
		for idx := range m.chunks {
			if idx > last || (idx == last && size%chunkSize == 0) {
				m.dropChunkLocked(idx)
			}
		}
		if c := m.chunks[last]; c != nil {
			clear(c[size%chunkSize:])
		}
	}
	m.size = size
	t := now()
	m.mtime, m.ctime = t, t
	m.written = true
	return nil
}

func (m *memInode) setTimes(atime, mtime unix.Timespec) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := now()
	if atime.Nsec != UtimeOmit {
		if atime.Nsec == UtimeNow {
			atime = t
		}
		m.atime = atime
	}
	if mtime.Nsec != UtimeOmit {
		if mtime.Nsec == UtimeNow {
			mtime = t
		}
		m.mtime = mtime
	}
	m.ctime = t
}

func (m *memInode) addLink(delta int64) {
	m.mu.Lock()
	m.nlink = uint64(int64(m.nlink) + delta)
	m.ctime = now()
	m.releaseIfGoneLocked()
	m.mu.Unlock()
}
