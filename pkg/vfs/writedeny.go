package vfs

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Executed files refuse writers, as Linux's deny_write_access does:
//
//   - execve of a file that a description holds open for writing fails
//     with ETXTBSY (OpenExec), and so does opening a file for writing
//     (or truncate(2) of it) while execve is loading it;
//   - once loaded, the program's file stays so for as long as an
//     address space runs it (Linux's mm->exe_file; vm.ExeFile): writing
//     to a running program's file is ETXTBSY. Its ELF interpreter and a
//     #! script are free again once the image is loaded, as on Linux
//     since 5.15.
//
// The counts are per object, not per name: its device and inode numbers
// as the sandbox's stat shows them (objKey), which a copy-up keeps, so
// an overlay file executed from the host's lower layer still refuses the
// writer that would copy it up. They live in one writeGate per FS, whose
// mutex is a leaf (taken under FS.mu or none).

// objKey names one object of the sandbox's filesystems.
type objKey struct{ dev, ino uint64 }

// keyOf is d's object's key. Caller holds FS.mu.
func keyOf(d *Dentry) (objKey, bool) {
	switch {
	case d.mem != nil:
		return objKey{d.mem.dev, d.mem.ino}, true
	case d.host != nil && d.mnt.kind == kindOverlay:
		return objKey{d.mnt.dev, d.host.ino}, true
	case d.host != nil:
		return objKey{d.host.dev, d.host.ino}, true
	}
	return objKey{}, false
}

// writeGate counts per object the descriptions open for writing (> 0)
// or the holders of an execution's deny (< 0), as Linux's i_writecount.
type writeGate struct {
	mu sync.Mutex
	n  map[objKey]int
}

// add moves k's count by delta if its sign allows: writers (delta > 0)
// where nobody denies, denies where nobody writes.
func (g *writeGate) add(k objKey, delta int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.n[k]
	if delta > 0 && n < 0 || delta < 0 && n > 0 {
		return unix.ETXTBSY
	}
	if g.n == nil {
		g.n = map[objKey]int{}
	}
	if n += delta; n == 0 {
		delete(g.n, k)
	} else {
		g.n[k] = n
	}
	return nil
}

// undo gives back what add took.
func (g *writeGate) undo(k objKey, delta int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n := g.n[k] - delta; n == 0 {
		delete(g.n, k)
	} else {
		g.n[k] = n
	}
}

// gateHold is what a description holds in the gate: a write (+1) or an
// execution's deny (-1) of one object, given back by its last DecRef.
type gateHold struct {
	key   objKey
	delta int
}

// holdGate takes d's object's write (delta 1) or deny (-1) for f, or
// fails with ETXTBSY. Caller holds FS.mu.
func (fs *FS) holdGate(f *File, d *Dentry, delta int) error {
	k, ok := keyOf(d)
	if !ok {
		return nil
	}
	if err := fs.gate.add(k, delta); err != nil {
		return err
	}
	f.gate = &gateHold{key: k, delta: delta}
	return nil
}

// checkWritable fails with ETXTBSY if d's object runs as a program (for
// truncate(2), which writes without a description). Caller holds FS.mu.
func (fs *FS) checkWritable(d *Dentry) error {
	k, ok := keyOf(d)
	if !ok {
		return nil
	}
	if err := fs.gate.add(k, 1); err != nil {
		return err
	}
	fs.gate.undo(k, 1)
	return nil
}

// releaseGate gives back f's hold, at its last DecRef.
func (f *File) releaseGate() {
	if h := f.gate; h != nil {
		f.gate = nil
		f.fs.gate.undo(h.key, h.delta)
	}
}

// ExecDeny is an address space's hold on its program's write deny
// (vm.ExeFile): counted, the last Release gives the deny back.
type ExecDeny struct {
	g    *writeGate
	key  objKey
	mu   sync.Mutex
	refs int
}

// ExecDeny returns a new hold on the deny f took when OpenExec opened
// it, for the address space the program is loaded into; nil if f holds
// none.
func (f *File) ExecDeny() *ExecDeny {
	h := f.gate
	if h == nil || h.delta >= 0 {
		return nil
	}
	// Another deny of the object, which cannot fail: f holds one.
	f.fs.gate.mu.Lock()
	f.fs.gate.n[h.key]--
	f.fs.gate.mu.Unlock()
	return &ExecDeny{g: &f.fs.gate, key: h.key, refs: 1}
}

// Hold takes one more hold (a copy of the address space).
func (e *ExecDeny) Hold() {
	e.mu.Lock()
	e.refs++
	e.mu.Unlock()
}

// Release gives one hold back; the last gives the deny back.
func (e *ExecDeny) Release() {
	e.mu.Lock()
	e.refs--
	last := e.refs == 0
	e.mu.Unlock()
	if last {
		e.g.undo(e.key, -1)
	}
}
