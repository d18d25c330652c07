package kernel

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/vfs"
)

// preadv2 and pwritev2: preadv and pwritev with an offset of -1 meaning
// the file offset, and per-call flags (RWF_*). The sandbox's files are in
// memory or on the host's page cache, so RWF_HIPRI (polled direct I/O)
// changes nothing and RWF_NOWAIT only matters where a read or write would
// wait: an empty pipe or socket reads EAGAIN, a full one writes EAGAIN;
// a NOWAIT write to a regular file is EOPNOTSUPP, as ext4 answers for
// buffered writes.
// RWF_ATOMIC (needs O_DIRECT and a device with atomic writes) and
// RWF_DONTCACHE (no such support on the sandbox's memory filesystem, as on
// Linux's tmpfs) are EOPNOTSUPP, as are unknown bits.

const (
	rwfHipri    = 0x1
	rwfDsync    = 0x2
	rwfSync     = 0x4
	rwfNowait   = 0x8
	rwfAppend   = 0x10
	rwfNoappend = 0x20

	rwfSupported = rwfHipri | rwfDsync | rwfSync | rwfNowait | rwfAppend | rwfNoappend
)

// rwv2Args checks what preadv2 and pwritev2 share: the offset (-1 or
// not negative: EINVAL) and the flags (EOPNOTSUPP).
func rwv2Args(a [6]uint64) (off int64, flags uint64, err error) {
	off, flags = int64(a[3]), a[5]
	if off < -1 {
		return 0, 0, unix.EINVAL
	}
	if flags&^rwfSupported != 0 {
		return 0, 0, unix.EOPNOTSUPP
	}
	if flags&(rwfAppend|rwfNoappend) == rwfAppend|rwfNoappend {
		return 0, 0, unix.EINVAL
	}
	return off, flags, nil
}

func sysPreadv2(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	off, flags, err := rwv2Args(a)
	if err != nil {
		return 0, err
	}
	if off >= 0 {
		return sysPreadv(t, a)
	}
	read := t.reader(f)
	if flags&rwfNowait != 0 {
		read = f.Read // never waits: EAGAIN where data is not ready
	}
	return t.vectorIO(a[1], a[2], func(v arch.Iovec) (uint64, error) {
		return t.readInto(v.Base, v.Len, read)
	})
}

func sysPwritev2(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	off, flags, err := rwv2Args(a)
	if err != nil {
		return 0, err
	}
	if flags&rwfNowait != 0 && f.Impl().Seekable() {
		// Buffered writes that never wait are the filesystem's to
		// offer; ext4's and the sandbox's do not.
		return 0, unix.EOPNOTSUPP
	}
	write := t.rwfWriter(f, off, flags)
	n, err := t.vectorIO(a[1], a[2], func(v arch.Iovec) (uint64, error) {
		return t.writeFrom(v.Base, v.Len, write)
	})
	if n > 0 && flags&(rwfDsync|rwfSync) != 0 && f.Impl().Seekable() {
		if serr := f.Sync(); serr != nil && serr != unix.EINVAL {
			return 0, serr
		}
	}
	return n, err
}

// rwfWriter is the write function for one pwritev2 call (RWF_APPEND
// and RWF_NOAPPEND together are EINVAL before it).
func (t *Task) rwfWriter(f *vfs.File, off int64, flags uint64) func([]byte) (int, error) {
	next := func(n int) {
		if off >= 0 {
			off += int64(n)
		}
	}
	switch {
	case flags&rwfAppend != 0:
		return func(b []byte) (int, error) {
			n, _, err := f.AppendWrite(b, off < 0)
			return n, err
		}
	case flags&rwfNoappend != 0:
		return func(b []byte) (int, error) {
			n, err := f.WriteNoAppend(b, off)
			next(n)
			return n, err
		}
	case off >= 0:
		return func(b []byte) (int, error) {
			n, err := f.WriteAt(b, off)
			next(n)
			return n, err
		}
	case flags&rwfNowait != 0:
		return func(b []byte) (int, error) {
			n, err := f.Write(b)
			if err == unix.EPIPE {
				t.raiseSIGPIPE()
			}
			return n, err
		}
	}
	return t.writer(f)
}
