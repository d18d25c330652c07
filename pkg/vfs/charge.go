package vfs

import "golang.org/x/sys/unix"

// File data of in-memory files (the overlay's upper layer, tmpfs-like
// mounts, memfds) lives in the sentry's heap on the application's
// behalf, so it is charged to the sandbox's memory account, as a memory
// cgroup charges tmpfs and shmem pages. A write that would take the
// account past its limit stores nothing more: ENOSPC (a partial count if
// some bytes fitted). Judgement call: Linux's memcg first tries the OOM
// killer, but killing a process frees no file data, so a full account
// for files is what a size-limited tmpfs reports. Data is uncharged when
// truncated away, and when the file is gone: no name (nlink 0) and no
// open file description.

// MemoryCharger is the account in-memory file data is charged to
// (vm.Account).
type MemoryCharger interface {
	// Charge adds n bytes, or reports false, charging nothing, past
	// the limit.
	Charge(n int64) bool
	// Uncharge gives back n bytes of an earlier Charge.
	Uncharge(n int64)
}

// SetMemoryCharger charges the data of in-memory files created from now
// on to c. Call it before the sandbox runs.
func (fs *FS) SetMemoryCharger(c MemoryCharger) { fs.charger = c }

// newMemFile opens m: the open keeps its data alive after its last name
// is gone.
func newMemFile(m *memInode, memfd bool) *memFile {
	m.mu.Lock()
	m.opens++
	m.mu.Unlock()
	return &memFile{m: m, memfd: memfd}
}

// chargeChunkLocked charges one new chunk of data. Caller holds m.mu.
func (m *memInode) chargeChunkLocked() bool {
	return m.acct == nil || m.acct.Charge(chunkSize)
}

// dropChunkLocked deletes chunk idx and gives back its charge. Caller
// holds m.mu.
func (m *memInode) dropChunkLocked(idx int64) {
	if _, ok := m.chunks[idx]; !ok {
		return
	}
	delete(m.chunks, idx)
	if m.acct != nil {
		m.acct.Uncharge(chunkSize)
	}
}

// releaseIfGoneLocked frees the data of a regular file that has neither
// a name nor an open file description: nothing can reach it again.
// Caller holds m.mu.
func (m *memInode) releaseIfGoneLocked() {
	if m.typ != unix.S_IFREG || m.nlink != 0 || m.opens != 0 {
		return
	}
	for idx := range m.chunks {
		m.dropChunkLocked(idx)
	}
	m.chunks = nil
}
