package vfs

import (
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Parking of host directory fds. Every host directory the sandbox has
// looked up is a cached dentry holding an O_PATH fd of the sentry's, and
// the dentry cache is not bounded: a program walking the root (find /)
// would otherwise hold one fd per directory of the host and leave the
// sentry none. Directories of the overlay's lower layer (read-only, never
// renamed or removed by the sandbox) join their FS's dirPool, which keeps
// at most max of their fds open: past it a clock sweep closes the fd of
// one not used lately and not in use, and that directory reopens itself
// by name from its parent (which may reopen in turn) on its next use,
// checking dev and inode (ENOENT if the host replaced it meanwhile).
// Mount roots and volume directories never park; volume directories'
// fds are bounded by a budget instead (dirState.budget: ENFILE past it).
// The pool holds an eighth of the sentry's fd limit (a quarter of the
// files' budget, which is half of it).
//
// Lock order: a directory's dirState.mu, then its parent's (reopening
// walks towards the root), then dirPool.mu; the sweep, holding
// dirPool.mu, only tries dirState.mu. No lock is held while the caller
// uses the fd (pins count the uses instead), so uses may nest.

// dirState is a hostDir's fd and parking state.
type dirState struct {
	mu     sync.Mutex
	fd     int
	closed bool // released by the cleanup
	pins   int  // uses in progress
	// pool is non-nil for a directory that may park, and for the
	// overlay's lower root, whose subdirectories may (they inherit it).
	pool   *dirPool
	parent *hostDir // nil: a mount root, never parked
	name   string
	dev    uint64
	ino    uint64
	parked bool
	recent atomic.Bool
	idx    int // in pool.dirs, -1 if not there
	// budget is what the fds of a volume's directories below this one
	// count against (FS.volDirs, shared by every volume: an eighth of
	// the sentry's fd limit, as the lower layer's pool), inherited from
	// the volume's root; counted: this directory's own fd does. Volume
	// directories never park (the sandbox may rename them), so without
	// the budget a program opening many of them would take every fd the
	// sentry has and it could not start the next stub; past it, lookups
	// are ENFILE (the host's file table, as far as the sandbox may use
	// it, is full), while files and execs keep their own budgets.
	budget  *hostFDBudget
	counted bool
}

// use returns h's fd, reopening it if parked; done must follow.
func (h *hostDir) use() (int, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parked {
		pfd, err := s.parent.use()
		if err != nil {
			return -1, err
		}
		fd, err := unix.Openat(pfd, s.name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		s.parent.done()
		if err != nil {
			return -1, unix.ENOENT
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil || uint64(st.Dev) != s.dev || uint64(st.Ino) != s.ino {
			unix.Close(fd)
			return -1, unix.ENOENT
		}
		s.fd, s.parked = fd, false
		s.pool.opened()
	}
	s.pins++
	s.recent.Store(true)
	return s.fd, nil
}

// done ends a use.
func (h *hostDir) done() {
	h.s.mu.Lock()
	h.s.pins--
	h.s.mu.Unlock()
}

// fixedFD is the fd of a directory that never parks: a mount root or a
// volume's directory (only the overlay's lower layer parks), for code
// serving volumes only.
func (h *hostDir) fixedFD() int { return h.s.fd }

// close is the cleanup of a hostDir no longer referenced.
func (s *dirState) close() {
	s.mu.Lock()
	if !s.parked {
		unix.Close(s.fd)
		if s.parent != nil && s.pool != nil {
			s.pool.closed()
		}
	}
	s.closed, s.parked = true, true
	s.mu.Unlock()
	if s.counted {
		s.budget.release()
	}
	if s.pool != nil && s.parent != nil {
		s.pool.remove(s)
	}
}

// dirPool bounds the open fds of parked-able directories.
type dirPool struct {
	max  int64
	open atomic.Int64

	mu   sync.Mutex
	dirs []*dirState
	hand int
}

// newParkableDir makes a subdirectory of parent (whose pool it joins)
// from its open fd.
func newParkableDir(fd int, parent *hostDir, name string, dev, ino uint64) *hostDir {
	h := newHostDir(fd)
	pool := parent.s.pool
	if pool == nil {
		return h
	}
	s := h.s
	s.pool, s.parent, s.name, s.dev, s.ino = pool, parent, name, dev, ino
	pool.mu.Lock()
	s.idx = len(pool.dirs)
	pool.dirs = append(pool.dirs, s)
	pool.mu.Unlock()
	pool.opened()
	return h
}

// opened counts one more open fd, parking others while over max.
func (p *dirPool) opened() {
	if p.open.Add(1) <= p.max {
		return
	}
	for p.open.Load() > p.max && p.parkOne() {
	}
}

func (p *dirPool) closed() { p.open.Add(-1) }

func (p *dirPool) remove(s *dirState) {
	p.mu.Lock()
	if i := s.idx; i >= 0 && i < len(p.dirs) && p.dirs[i] == s {
		last := len(p.dirs) - 1
		p.dirs[i] = p.dirs[last]
		p.dirs[i].idx = i
		p.dirs[last] = nil
		p.dirs = p.dirs[:last]
		s.idx = -1
	}
	p.mu.Unlock()
}

// parkOne closes the fd of one directory not used lately and not in use;
// false if there is none.
func (p *dirPool) parkOne() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n := 2 * len(p.dirs); n > 0; n-- {
		if p.hand >= len(p.dirs) {
			p.hand = 0
		}
		s := p.dirs[p.hand]
		p.hand++
		if s.recent.Swap(false) || !s.mu.TryLock() {
			continue
		}
		if s.parked || s.pins > 0 {
			s.mu.Unlock()
			continue
		}
		unix.Close(s.fd)
		s.fd, s.parked = -1, true
		s.mu.Unlock()
		p.open.Add(-1)
		return true
	}
	return false
}
