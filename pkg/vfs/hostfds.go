package vfs

import (
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

// hostFDBudget counts host fds held by open application files.
type hostFDBudget struct {
	max  int64
	used atomic.Int64
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

// acquire takes one host fd from the budget; ENFILE when it is spent.
func (b *hostFDBudget) acquire() error {
	if b.used.Add(1) > b.max {
		b.used.Add(-1)
		return unix.ENFILE
	}
	return nil
}

// release gives back one host fd.
func (b *hostFDBudget) release() { b.used.Add(-1) }
