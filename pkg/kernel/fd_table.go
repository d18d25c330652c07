package kernel

import (
	"math/bits"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// fdEntry is one slot of an fd table: a reference to an open file
// description and the per-descriptor close-on-exec flag.
type fdEntry struct {
	file    *vfs.File
	cloexec bool
}

// FDTable maps descriptor numbers to open file descriptions. Each entry
// holds one reference on its file.
type FDTable struct {
	mu    sync.Mutex
	slots []fdEntry // nil file: free
	// used has a bit per slot that holds a file, full a bit per word of
	// used that is all ones (Linux's open_fds and full_fds_bits): the
	// lowest free fd is found by skipping full words 64 at a time, so
	// open costs the same with 10 or 200k fds open. Both cover slots
	// and change only with it (setLocked).
	used, full []uint64
	// sharers counts the processes beyond the first using this table
	// (clone with CLONE_FILES and without CLONE_THREAD); see release.
	sharers atomic.Int32
	// acct is the sandbox's memory account the table's slots and the
	// descriptions installed in it are charged to (fd_charge.go); nil:
	// not charged. slotBytes is what the slots hold of it.
	acct      vfs.MemoryCharger
	slotBytes int64
}

func newFDTable(acct vfs.MemoryCharger) *FDTable { return &FDTable{acct: acct} }

// get returns the file at fd with a new reference, or EBADF.
func (t *FDTable) get(fd int32) (*vfs.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || int(fd) >= len(t.slots) || t.slots[fd].file == nil {
		return nil, unix.EBADF
	}
	f := t.slots[fd].file
	f.IncRef()
	return f, nil
}

// install puts f (whose reference the table takes) at the lowest free fd
// >= min, below limit.
func (t *FDTable) install(f *vfs.File, min int, cloexec bool, limit uint64) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fd := t.lowestFreeLocked(min)
	if uint64(fd) >= limit {
		return -1, unix.EMFILE
	}
	if !f.ChargeOnce(t.acct, descriptionBytes(f)) {
		return -1, errNoKernelMemory
	}
	if fd >= len(t.slots) {
		if !t.grow(fd) {
			return -1, errNoKernelMemory
		}
	}
	t.setLocked(fd, fdEntry{file: f, cloexec: cloexec})
	return fd, nil
}

// lowestFreeLocked is the lowest fd >= min whose slot is free (possibly
// past the end of slots).
func (t *FDTable) lowestFreeLocked(min int) int {
	w := min / 64
	if w >= len(t.used) {
		return min
	}
	if free := ^t.used[w] & (^uint64(0) << (min % 64)); free != 0 {
		return w*64 + bits.TrailingZeros64(free)
	}
	for w++; w < len(t.used); {
		fw := w / 64
		notFull := ^t.full[fw] & (^uint64(0) << (w % 64))
		if notFull == 0 {
			w = (fw + 1) * 64
			continue
		}
		w = fw*64 + bits.TrailingZeros64(notFull)
		if w >= len(t.used) {
			break
		}
		return w*64 + bits.TrailingZeros64(^t.used[w])
	}
	return len(t.used) * 64
}

// setLocked puts e in slot fd (< len(slots)) and keeps the bitmaps true.
func (t *FDTable) setLocked(fd int, e fdEntry) {
	t.slots[fd] = e
	w, bit := fd/64, uint64(1)<<(fd%64)
	if e.file != nil {
		t.used[w] |= bit
		if t.used[w] == ^uint64(0) {
			t.full[w/64] |= 1 << (w % 64)
		}
		return
	}
	t.used[w] &^= bit
	t.full[w/64] &^= 1 << (w % 64)
}

// grow makes room for slot fd, or reports false, changing nothing, when
// the memory account refuses the bigger table.
func (t *FDTable) grow(fd int) bool {
	n := 2 * len(t.slots)
	if n <= fd {
		n = fd + 8
	}
	n = (n + 63) &^ 63 // whole words of used
	if !t.chargeSlotsLocked(n) {
		return false
	}
	s := make([]fdEntry, n)
	copy(s, t.slots)
	t.slots = s
	used := make([]uint64, n/64)
	copy(used, t.used)
	t.used = used
	full := make([]uint64, (len(used)+63)/64)
	copy(full, t.full)
	t.full = full
	return true
}

// installAt puts f (whose reference the table takes) at exactly fd,
// closing what was there (dup2 semantics). On ENOMEM (the memory account
// refuses f or a table reaching fd) nothing changes and the caller keeps
// its reference.
func (t *FDTable) installAt(fd int, f *vfs.File, cloexec bool) error {
	t.mu.Lock()
	if !f.ChargeOnce(t.acct, descriptionBytes(f)) {
		t.mu.Unlock()
		return errNoKernelMemory
	}
	if fd >= len(t.slots) {
		if !t.grow(fd) {
			t.mu.Unlock()
			return errNoKernelMemory
		}
	}
	old := t.slots[fd].file
	t.setLocked(fd, fdEntry{file: f, cloexec: cloexec})
	t.mu.Unlock()
	if old != nil {
		old.DecRef()
	}
	return nil
}

// remove closes fd.
func (t *FDTable) remove(fd int32) error {
	t.mu.Lock()
	if fd < 0 || int(fd) >= len(t.slots) || t.slots[fd].file == nil {
		t.mu.Unlock()
		return unix.EBADF
	}
	f := t.slots[fd].file
	t.setLocked(int(fd), fdEntry{})
	t.mu.Unlock()
	f.DecRef()
	return nil
}

func (t *FDTable) cloexec(fd int32) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || int(fd) >= len(t.slots) || t.slots[fd].file == nil {
		return false, unix.EBADF
	}
	return t.slots[fd].cloexec, nil
}

func (t *FDTable) setCloexec(fd int32, v bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || int(fd) >= len(t.slots) || t.slots[fd].file == nil {
		return unix.EBADF
	}
	t.slots[fd].cloexec = v
	return nil
}

// closeRange closes every fd in [first, last] (close_range without flags).
func (t *FDTable) closeRange(first, last uint64) {
	t.mu.Lock()
	var files []*vfs.File
	for fd := first; fd <= last && fd < uint64(len(t.slots)); fd++ {
		if f := t.slots[fd].file; f != nil {
			files = append(files, f)
			t.setLocked(int(fd), fdEntry{})
		}
	}
	t.mu.Unlock()
	for _, f := range files {
		f.DecRef()
	}
}

func (t *FDTable) closeAll() { t.closeRange(0, ^uint64(0)) }
