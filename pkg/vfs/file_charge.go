package vfs

// An open file description's own structures (the File, its
// implementation's fixed state: a socket's endpoint, an epoll instance, a
// pipe's bookkeeping) live in the sentry's heap on the application's
// behalf, as struct file and its friends live in slabs Linux charges to
// the memory cgroup (filp, sock_inode_cache, eventpoll are
// SLAB_ACCOUNT). Without a charge, a program with a large RLIMIT_NOFILE
// in many processes could grow the sentry's heap without bound under
// any --memory. The kernel charges each description once, when it
// first gets a descriptor (ChargeOnce), so descriptions made but never
// installed cost nothing and a description kept alive after its last
// descriptor closes (in an SCM_RIGHTS message, an epoll set, a mapping)
// stays charged until its last reference goes.

type fileCharge struct {
	acct MemoryCharger
	n    int64
}

// ChargeOnce charges n bytes for f to acct unless f is already charged,
// or reports false, charging nothing, when acct refuses. The charge is
// given back by f's last DecRef.
func (f *File) ChargeOnce(acct MemoryCharger, n int64) bool {
	if acct == nil || f.acct.Load() != nil {
		return true
	}
	c := &fileCharge{acct: acct, n: n}
	if !acct.Charge(n) {
		return false
	}
	if !f.acct.CompareAndSwap(nil, c) {
		// Another descriptor's install charged it meanwhile.
		acct.Uncharge(n)
	}
	return true
}

// uncharge gives back f's charge: its last reference is gone.
func (f *File) uncharge() {
	if c := f.acct.Swap(nil); c != nil {
		c.acct.Uncharge(c.n)
	}
}
