package vm

// Pages of a file mapping past the end of the file.
//
// Linux raises SIGBUS (BUS_ADRERR) on an access to a page of a file
// mapping that lies wholly past the file's end; the page holding EOF is
// accessible, zero past EOF. For a private mapping the end here is the
// one the file had when the pages were filled: at mmap, or at mremap for
// the pages it adds. A file that grows later does not make such pages
// accessible (Linux would read the new bytes), and one that shrinks does
// not make pages past its new end fault (the bytes were copied eagerly).
// A shared mapping follows the file: growEOF and FileShrunk (shared.go)
// move the mark as the file's size changes. Such pages are pieces
// marked pastEOF: the platform leaves them unmapped, so an application
// access faults and the kernel asks PastEOF whether to make it SIGBUS
// rather than SIGSEGV; copy-in and copy-out stop there with EFAULT.

// markPastEOF marks the pages of the file piece just inserted at
// [start, end) that lie wholly past the first inFile bytes, the part the
// file had. The caller holds m.mu and merges afterwards.
func (m *MM) markPastEOF(start, end, inFile uint64) {
	if inFile >= end-start {
		return
	}
	from, _ := pageRoundUp(start + inFile) // below end: cannot overflow
	if from >= end {
		return
	}
	i, j := m.vmas.isolate(from, end)
	for k := i; k < j; k++ {
		m.vmas[k].pastEOF = true
	}
}

// PastEOF reports whether an application fault at addr is an access to a
// page of a file mapping past the file's end (SIGBUS for Linux) rather
// than to no mapping (SIGSEGV). A PROT_NONE page is SIGSEGV either way.
func (m *MM) PastEOF(addr uint64) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, ok := m.vmas.at(addr)
	return ok && m.vmas[i].pastEOF && m.vmas[i].prot != 0
}
