package vm

import (
	"reflect"
	"sort"

	"sentry/pkg/platform"
)

// Mappable is a file that can be mapped. Private mappings copy its bytes.
// The MM keeps it for the life of the mapping: MADV_DONTNEED and growing
// with mremap read it again. If it also has IncRef and DecRef methods
// (like vfs.File), every piece holding it owns one reference, so the
// caller may drop its own reference once Mmap returns.
type Mappable interface {
	ReadAt(p []byte, off int64) (int, error)
}

// refCounted is the optional lifetime interface of a Mappable.
type refCounted interface {
	IncRef()
	DecRef()
}

func incRef(f Mappable) {
	if r, ok := f.(refCounted); ok {
		r.IncRef()
	}
}

func decRef(f Mappable) {
	if r, ok := f.(refCounted); ok {
		r.DecRef()
	}
}

// vma is one piece of an address space: [start, end) backed by the
// memory-file range [memOff, memOff+end-start), which no other piece uses.
type vma struct {
	start, end uint64
	prot       int
	shared     bool
	file       Mappable // nil for anonymous memory
	fileOff    int64    // offset in file of start; 0 for anonymous memory
	memOff     int64    // memory-file offset of start; -1: not backed yet
	name       string
	// cow: the memory-file range may be shared with a forked address
	// space and must be copied before it is written. The platform maps
	// it without write permission; the first write faults (HandleFault)
	// or, from the sentry, breaks the sharing first (CopyOut).
	cow bool
	// dontFork (MADV_DONTFORK): a forked child does not get the piece;
	// wipeOnFork (MADV_WIPEONFORK): it gets zeroes instead of the bytes.
	dontFork, wipeOnFork bool
	// noMayWrite: a shared mapping of a file not open for writing,
	// which mprotect may never make writable (Linux's !VM_MAYWRITE).
	noMayWrite bool
	// pastEOF: the piece's pages lie wholly past the end of file as it
	// was when they were filled (eof.go). They stay backed, so splits,
	// moves and forks treat them like any page, but the platform never
	// maps them and copy-in/copy-out refuses them.
	pastEOF bool
}

func (v *vma) length() uint64 { return v.end - v.start }

func (v *vma) backed() bool { return v.memOff >= 0 }

// perms are the permissions the platform maps v with: its protection,
// less write while it is copy-on-write.
func (v *vma) perms() platform.Perms {
	p := protPerms(v.prot)
	if v.cow {
		p.Write = false
	}
	return p
}

// sameKind reports whether a and b would be one VMA for Linux if they
// were adjacent: same protection, sharing, name and file, and for a file,
// a's file range continuing into b's.
func sameKind(a, b *vma) bool {
	if a.prot != b.prot || a.shared != b.shared || a.name != b.name || !sameFile(a.file, b.file) ||
		a.dontFork != b.dontFork || a.wipeOnFork != b.wipeOnFork || a.noMayWrite != b.noMayWrite {
		return false
	}
	return a.file == nil || a.fileOff+int64(a.length()) == b.fileOff
}

// canMerge reports whether adjacent pieces a and b may become one piece:
// they must also have contiguous memory-file ranges (or both none).
func canMerge(a, b *vma) bool {
	if a.end != b.start || !sameKind(a, b) || a.backed() != b.backed() || a.cow != b.cow || a.pastEOF != b.pastEOF {
		return false
	}
	return !a.backed() || a.memOff+int64(a.length()) == b.memOff
}

// sameFile compares two Mappables without panicking on dynamic types that
// are not comparable (those never compare equal).
func sameFile(a, b Mappable) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb || !ta.Comparable() {
		return false
	}
	return a == b
}

// vmaSet is the sorted, disjoint list of pieces of one address space.
type vmaSet []vma

// after is the index of the first piece ending after addr.
func (s vmaSet) after(addr uint64) int {
	return sort.Search(len(s), func(i int) bool { return s[i].end > addr })
}

// at returns the piece containing addr.
func (s vmaSet) at(addr uint64) (int, bool) {
	i := s.after(addr)
	return i, i < len(s) && s[i].start <= addr
}

// overlaps reports whether any piece intersects [start, end).
func (s vmaSet) overlaps(start, end uint64) bool {
	i := s.after(start)
	return i < len(s) && s[i].start < end
}

// covered reports whether pieces cover [start, end) without a gap.
func (s vmaSet) covered(start, end uint64) bool {
	for i := s.after(start); start < end; i++ {
		if i >= len(s) || s[i].start > start {
			return false
		}
		start = s[i].end
	}
	return true
}

// split makes addr a piece boundary if a piece contains it.
func (s *vmaSet) split(addr uint64) {
	i, ok := s.at(addr)
	if !ok || (*s)[i].start == addr {
		return
	}
	b := (*s)[i]
	d := addr - b.start
	b.start = addr
	if b.file != nil {
		b.fileOff += int64(d)
	}
	if b.backed() {
		b.memOff += int64(d)
	}
	(*s)[i].end = addr
	incRef(b.file)
	s.insertAt(i+1, b)
}

// isolate splits pieces at start and end and returns the index range
// [i, j) of the pieces inside [start, end).
func (s *vmaSet) isolate(start, end uint64) (int, int) {
	s.split(start)
	s.split(end)
	return s.after(start), s.after(end)
}

func (s *vmaSet) insertAt(i int, v vma) {
	*s = append(*s, vma{})
	copy((*s)[i+1:], (*s)[i:])
	(*s)[i] = v
}

// insert adds v, which must not overlap any piece.
func (s *vmaSet) insert(v vma) {
	s.insertAt(s.after(v.start), v)
}

// removeAt deletes pieces [i, j).
func (s *vmaSet) removeAt(i, j int) {
	*s = append((*s)[:i], (*s)[j:]...)
}

// mergeAround merges mergeable neighbours among the pieces touching
// [start, end], including those just outside it.
func (s *vmaSet) mergeAround(start, end uint64) {
	k := sort.Search(len(*s), func(i int) bool { return (*s)[i].end >= start })
	if k > 0 {
		k--
	}
	for k+1 < len(*s) && (*s)[k+1].start <= end {
		a, b := &(*s)[k], &(*s)[k+1]
		if canMerge(a, b) {
			decRef(b.file)
			a.end = b.end
			s.removeAt(k+1, k+2)
			continue
		}
		k++
	}
}
