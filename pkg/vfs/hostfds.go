package vfs

import (
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Every regular file the application opens from the read-only root or a
// volume is a host fd of the sentry, held as long as the application
// keeps the file open. Those fds come out of the sentry's own
// RLIMIT_NOFILE, which the sentry also needs for itself (the stub of every
// new process, its pidfds and sockets): unbounded, a program opening files
// until EMFILE (after raising its limit to a --nofile above the host's)
// would leave the sentry unable to fork the next stub. So the host fds
// application files hold are budgeted: half of the sentry's fd limit at
// start, the other half left to the sentry. Past the budget open is
// ENFILE, Linux's answer when the system-wide file table is full, which
// is what the host's table, as far as this sandbox may use it, is.
//
// execve loads its program and interpreter through host fds too, the
// kernel's own for the time the image loads (FS.OpenExec): they come
// from the budget while it lasts and then from a reserve of execReserve
// fds, so a program holding the whole budget can still exec a child (as
// on Linux, where the exec takes none of the caller's fds), and
// concurrent execs cannot take more than the reserve from the sentry.

// execReserve is the host fds execs may hold once the budget is spent.
const execReserve = 64

// hostFDBudget counts host fds held by open application files.
type hostFDBudget struct {
	max  int64
	used atomic.Int64

	mu       sync.Mutex
	parkable []*hostFile // files whose fds may be parked (below)
	hand     int         // the sweep's position in parkable
}

// newHostFDBudget budgets half of the sentry's current RLIMIT_NOFILE.
func newHostFDBudget() hostFDBudget {
	var rl unix.Rlimit
	max := int64(512)
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err == nil && rl.Cur < 1<<40 {
		max = int64(rl.Cur) / 2
	}
	return hostFDBudget{max: max}
}

// acquire takes one host fd from the budget, parking another file's
// when it is spent; ENFILE when none can be parked.
func (b *hostFDBudget) acquire() error {
	for {
		if b.used.Add(1) <= b.max {
			return nil
		}
		b.used.Add(-1)
		if !b.parkOne() {
			return unix.ENFILE
		}
	}
}

// release gives back one host fd.
func (b *hostFDBudget) release() { b.used.Add(-1) }

// Parking. Files of the overlay's lower layer are read-only and the
// sandbox never changes them, so their fds need not stay open: when the
// budget is spent, acquire closes the fd of a parked-able file not used
// lately (a clock sweep: each use marks the file recent, the sweep clears
// the mark and takes the first file found unmarked and idle) and that
// file reopens its object by name from its directory on next use,
// checking it is still the same object (dev and inode). So only files of
// volumes and files in use at the moment hold fds for good, and a program
// opening files of the root until it fails runs out of its own
// RLIMIT_NOFILE (EMFILE) as natively, whatever the sentry's limit. A
// parked object that the host replaced or removed meanwhile reads as EIO.
// Reopening never fails for want of budget (use: it may go over by the
// files in use at that moment).

// parking is the parking state of one hostFile. Lock order: parking.mu,
// then hostFDBudget.mu; the sweep, holding hostFDBudget.mu, only tries
// parking.mu.
type parking struct {
	mu     sync.RWMutex // shared by each use of the fd; exclusive to park or reopen
	node   *hostNode
	flags  int
	parked bool        // fd is closed
	recent atomic.Bool // used since the sweep last passed
	idx    int         // in budget.parkable, -1 once released
}

// newParkable opens a parked-able host file of node (fd already open and
// charged to b) and registers it with b.
func (b *hostFDBudget) newParkable(fd int, node *hostNode, flags int) *hostFile {
	f := &hostFile{fd: fd, budget: b, park: &parking{node: node, flags: flags}}
	b.mu.Lock()
	f.park.idx = len(b.parkable)
	b.parkable = append(b.parkable, f)
	b.mu.Unlock()
	return f
}

// use returns f's fd with p.mu held shared, reopening it if parked.
func (p *parking) use(f *hostFile) (int, error) {
	for {
		p.mu.RLock()
		if !p.parked {
			p.recent.Store(true)
			return f.fd, nil
		}
		p.mu.RUnlock()
		p.mu.Lock()
		if p.parked {
			if f.budget.acquire() != nil {
				// Every fd of the budget is held by a file that
				// cannot park: go over it rather than fail a read
				// Linux would serve, by at most the files in use at
				// once; the next acquire parks them again.
				f.budget.used.Add(1)
			}
			fd, err := p.node.open(p.flags)
			runtime.KeepAlive(p.node)
			if err != nil {
				f.budget.release()
				p.mu.Unlock()
				return -1, unix.EIO
			}
			f.fd, p.parked = fd, false
		}
		p.mu.Unlock()
	}
}

// release closes f for good.
func (p *parking) release(f *hostFile) {
	p.mu.Lock()
	if !p.parked {
		unix.Close(f.fd)
		f.budget.release()
		p.parked = true
	}
	b := f.budget
	b.mu.Lock()
	if i := p.idx; i >= 0 {
		last := len(b.parkable) - 1
		b.parkable[i] = b.parkable[last]
		b.parkable[i].park.idx = i
		b.parkable[last] = nil
		b.parkable = b.parkable[:last]
		p.idx = -1
	}
	b.mu.Unlock()
	p.mu.Unlock()
}

// parkOne closes the fd of one parked-able file not used lately and not
// in use now, giving it back to the budget; false if there is none.
func (b *hostFDBudget) parkOne() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Two rounds: the first may only clear recent marks.
	for n := 2 * len(b.parkable); n > 0; n-- {
		if b.hand >= len(b.parkable) {
			b.hand = 0
		}
		f := b.parkable[b.hand]
		b.hand++
		p := f.park
		if p.recent.Swap(false) || !p.mu.TryLock() {
			continue
		}
		if p.parked {
			p.mu.Unlock()
			continue
		}
		unix.Close(f.fd)
		f.fd, p.parked = -1, true
		p.mu.Unlock()
		b.used.Add(-1)
		return true
	}
	return false
}
