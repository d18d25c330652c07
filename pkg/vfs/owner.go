package vfs

// Owner is the process, process group or thread that fcntl(F_SETOWN,
// F_SETOWN_EX) named to receive a file's signals (Linux's f_owner). The
// kernel resolves the ID when it signals: the owner may be gone by then,
// and then nobody is signalled, as on Linux.
type Owner struct {
	Type int   // F_OWNER_TID, F_OWNER_PID or F_OWNER_PGRP
	ID   int32 // 0: no owner
}

// SetOwner records the owner; the open file description carries it, so
// it is shared by dup and fork.
func (f *File) SetOwner(o Owner) {
	f.mu.Lock()
	f.owner = o
	f.mu.Unlock()
}

// Owner returns what SetOwner recorded.
func (f *File) Owner() Owner {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.owner
}
