package kernel

import (
	"sync/atomic"

	"golang.org/x/sys/unix"

	"sentry/pkg/netstack"
	"sentry/pkg/vfs"
)

// Kernel objects charged to the sandbox's memory account. Each open file
// description and each fd table slot lives in the sentry's heap; Linux
// charges their counterparts (struct file and the socket, eventpoll and
// pipe structures behind it; the fdtable's arrays) to the memory cgroup
// as kmem. Without that, the default RLIMIT_NOFILE times the default
// pids limit would let a program grow the sentry's heap without bound
// whatever --memory says.
//
// A description is charged once (descriptionBytes), when it first gets a
// descriptor (vfs.File.ChargeOnce), until its last reference goes; a
// table's slots are charged when it grows or is copied by fork, until
// its last user releases it. The errno when the account refuses is
// ENOMEM: what a kmem-accounted allocation that the memory cgroup
// refuses gives open, socket, pipe, dup2 (expand_files) and fork
// (dup_fd) on Linux. ENFILE would be fs.file-max, a host-wide count the
// sandbox does not emulate.
//
// Kernel objects may hold at most a quarter of the account
// (kobjAccount): a program that fills them gets ENOMEM while its
// processes still have room to touch a page, print and exit, instead of
// leaving the account full so that the next page fault anywhere is the
// OOM kill. Linux sizes fs.file-max the same way, to a fraction of
// memory (a tenth, at 1 KiB a file).

// fileBytes is what one open file description is charged, and
// socketFileBytes one of a socket: measured as the sentry's RSS growth
// per description with 100k-200k open (testdata/c/fdbomb.c), ~330 B for
// /dev/null, a pipe end or an epoll instance and ~1.2 KiB for a unix
// socket (its endpoint and queues' fixed part), rounded up with room for
// the garbage collector's slack. Buffers that grow with use (pipe rings,
// socket queues, file data) are charged where they are allocated.
const (
	fileBytes       = 1024
	socketFileBytes = 2048
)

// descriptionBytes is what f is charged.
func descriptionBytes(f *vfs.File) int64 {
	if _, ok := f.Impl().(*netstack.Socket); ok {
		return socketFileBytes
	}
	return fileBytes
}

// slotBytes is what one fd table slot costs: the entry (a pointer and a
// bool, 16 bytes) and its share of the bitmaps.
const slotBytes = 17

// errNoKernelMemory is what the application gets when the memory
// account refuses a kernel object.
const errNoKernelMemory = unix.ENOMEM

// chargeSlotsLocked charges the table for n slots in place of what it
// holds now, or reports false, charging nothing, when the account
// refuses. Caller holds t.mu (or owns t alone).
func (t *FDTable) chargeSlotsLocked(n int) bool {
	want := int64(n) * slotBytes
	if t.acct == nil || want <= t.slotBytes {
		return true
	}
	if !t.acct.Charge(want - t.slotBytes) {
		return false
	}
	t.slotBytes = want
	return true
}

// uncharge gives back the slots' charge: the table's last user is gone
// and every descriptor is closed.
func (t *FDTable) uncharge() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.acct != nil && t.slotBytes > 0 {
		t.acct.Uncharge(t.slotBytes)
	}
	t.slotBytes = 0
}

// kobjAccount charges kernel objects to the sandbox's account, refusing
// past a quarter of its limit. Safe for concurrent use.
type kobjAccount struct {
	mem  vfs.MemoryCharger
	max  int64
	used atomic.Int64
}

func newKobjAccount(mem vfs.MemoryCharger, limit int64) *kobjAccount {
	return &kobjAccount{mem: mem, max: limit / 4}
}

// Charge implements vfs.MemoryCharger.
func (a *kobjAccount) Charge(n int64) bool {
	if a.used.Add(n) > a.max {
		a.used.Add(-n)
		return false
	}
	if !a.mem.Charge(n) {
		a.used.Add(-n)
		return false
	}
	return true
}

// Uncharge implements vfs.MemoryCharger.
func (a *kobjAccount) Uncharge(n int64) {
	a.mem.Uncharge(n)
	a.used.Add(-n)
}
