package kernel

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
	"sentry/pkg/vm"
)

// Memory syscalls: thin argument checks in front of pkg/vm.

func sysMmap(t *Task, a [6]uint64) (uint64, error) {
	addr, length, prot, flags, fd, off := a[0], a[1], int(a[2]), int(a[3]), int32(a[4]), int64(a[5])
	o := vm.MmapOpts{Addr: addr, Length: length, Prot: prot, Flags: flags, Offset: off}
	if flags&unix.MAP_ANONYMOUS == 0 {
		f, err := t.file(uint64(uint32(fd)))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		acc := f.Flags() & unix.O_ACCMODE
		if acc == unix.O_WRONLY || f.Flags()&unix.O_PATH != 0 {
			return 0, unix.EACCES
		}
		if flags&unix.MAP_TYPE == unix.MAP_SHARED && prot&unix.PROT_WRITE != 0 && acc != unix.O_RDWR {
			return 0, unix.EACCES
		}
		st, err := f.Stat()
		if err != nil {
			return 0, err
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			return 0, unix.ENODEV
		}
		o.File = f
		o.Name = f.Name()
		o.ReadOnlyFile = acc != unix.O_RDWR
		if seals, err := f.Seals(); err == nil && seals&(vfs.SealWrite|vfs.SealFutureWrite) != 0 {
			// A write-sealed memfd: no writable shared mapping, now
			// or by mprotect later.
			if flags&unix.MAP_TYPE != unix.MAP_PRIVATE && prot&unix.PROT_WRITE != 0 {
				return 0, unix.EPERM
			}
			o.ReadOnlyFile = true
		}
		if flags&unix.MAP_TYPE != unix.MAP_PRIVATE && st.Mode&unix.S_IFMT == unix.S_IFREG {
			// One memory for every shared mapping of the file: its
			// page cache (vfs/pagecache.go), which each mapping piece
			// holds a reference to.
			c, err := f.MapShared(t.k.mf)
			if err != nil {
				return 0, err
			}
			defer c.DecRef()
			o.File = c
		}
	}
	if err := t.tg.asCheckMmap(addr, length, flags); err != nil {
		return 0, err
	}
	return t.tg.mm.Mmap(o)
}

func sysMsync(t *Task, a [6]uint64) (uint64, error) {
	return 0, t.tg.mm.Msync(a[0], a[1], int(a[2]))
}

func sysMunmap(t *Task, a [6]uint64) (uint64, error) {
	return 0, t.tg.mm.Munmap(a[0], a[1])
}

func sysMprotect(t *Task, a [6]uint64) (uint64, error) {
	return 0, t.tg.mm.Mprotect(a[0], a[1], int(a[2]))
}

func sysBrk(t *Task, a [6]uint64) (uint64, error) {
	if start, cur := t.tg.mm.BrkRange(); a[0] > cur && a[0] >= start && !t.tg.asAllows(((a[0]+4095)&^4095)-((cur+4095)&^4095), 0) {
		return cur, nil
	}
	return t.tg.mm.Brk(a[0]), nil
}

func sysMremap(t *Task, a [6]uint64) (uint64, error) {
	if a[2] > a[1] && !t.tg.asAllows(a[2]-a[1], 0) {
		return 0, unix.ENOMEM
	}
	return t.tg.mm.Mremap(a[0], a[1], a[2], int(a[3]), a[4])
}

func sysMadvise(t *Task, a [6]uint64) (uint64, error) {
	return 0, t.tg.mm.Madvise(a[0], a[1], int(a[2]))
}
