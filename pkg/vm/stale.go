package vm

// Stale faults. The threads of an address space run application code
// while the sentry changes its mappings, so a fault the platform reports
// may have been taken on a mapping that is already gone. The case that
// bites is fork in a threaded process: thread A writes to memory that
// fork made copy-on-write and faults; before A's task gets m.mu in
// HandleFault, thread B's fault in the same piece (or a CopyOut) has given
// the process its own copy and mapped it writable again. A then finds no
// copy-on-write memory at the address, and HandleFault alone calls that a
// real fault: SIGSEGV for memory the application may write. Linux decides
// a fault against the mappings as they are when it handles it; the sentry
// cannot, because the platform does not say whether the access was a
// read, a write or an instruction fetch. It asks instead whether the
// mirror changed while the faulting code ran, and if so lets the access be
// retried against the mappings as they are now.

// MirrorGen counts the changes m has mirrored to its platform address
// space. A task reads it before it resumes application code and hands it
// to HandleFaultSince if that code faults.
func (m *MM) MirrorGen() uint64 { return m.mirrorGen.Load() }

// HandleFaultSince is HandleFault for a fault taken by application code
// resumed when MirrorGen was gen. It also reports true (retry the access)
// when the mirror has changed since gen: the fault may have been taken on
// a mapping that no longer exists. A real fault recurs on the retry and is
// reported once the mirror stays unchanged for one run of the code.
func (m *MM) HandleFaultSince(addr, gen uint64) (bool, error) {
	ok, err := m.HandleFault(addr)
	if ok || err != nil {
		return ok, err
	}
	// HandleFault held m.mu, and a change holds it from before its
	// first platform call until after it counts itself: every change
	// that could have caused the fault is counted by now.
	return m.mirrorGen.Load() != gen, nil
}
