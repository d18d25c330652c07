package kernel

import (
	"golang.org/x/sys/unix"
)

// RLIMIT_AS, as Linux's may_expand_vm: a mapping change that would take
// the address space's size (VmSize) past the limit is refused, mmap and
// mremap with ENOMEM, brk by leaving the break where it was. Pages a
// MAP_FIXED mapping replaces are not counted twice.

// asAllows reports whether tg's address space may grow by grow bytes,
// of which replaced are already mapped.
func (tg *ThreadGroup) asAllows(grow, replaced uint64) bool {
	lim := tg.limit(unix.RLIMIT_AS)
	if lim == rlimInfinity {
		return true
	}
	size := tg.mm.VirtualSize() - replaced
	return size <= lim && grow <= lim-size
}

// asCheckMmap is RLIMIT_AS for an mmap of length bytes at addr.
func (tg *ThreadGroup) asCheckMmap(addr, length uint64, flags int) error {
	n := (length + 4095) &^ 4095
	if n < length {
		return unix.ENOMEM
	}
	var replaced uint64
	if flags&(unix.MAP_FIXED|unix.MAP_FIXED_NOREPLACE) == unix.MAP_FIXED && addr+n >= addr {
		replaced = tg.mm.MappedIn(addr, addr+n)
	}
	if !tg.asAllows(n, replaced) {
		return unix.ENOMEM
	}
	return nil
}
