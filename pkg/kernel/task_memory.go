package kernel

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/marshal/primitive"

	"sentry/pkg/arch"
)

// Helpers for handlers moving data across the application's memory; all
// return EFAULT for a bad pointer, as Linux's copy_{from,to}_user do.

func (t *Task) copyIn(addr uint64, b []byte) error {
	n, err := t.tg.mm.CopyIn(addr, b)
	if err != nil {
		return err
	}
	if n != len(b) {
		return unix.EFAULT
	}
	return nil
}

func (t *Task) copyOut(addr uint64, b []byte) error {
	n, err := t.tg.mm.CopyOut(addr, b)
	if err != nil {
		return err
	}
	if n != len(b) {
		return unix.EFAULT
	}
	return nil
}

// copyInPath reads a NUL-terminated path: ENAMETOOLONG beyond PATH_MAX,
// ENOENT for an empty path unless allowEmpty.
func (t *Task) copyInPath(addr uint64, allowEmpty bool) (string, error) {
	s, err := t.tg.mm.CopyInString(addr, unix.PathMax)
	if err != nil {
		return "", err
	}
	if s == "" && !allowEmpty {
		return "", unix.ENOENT
	}
	return s, nil
}

func (t *Task) readU64(addr uint64) (uint64, error) {
	var v primitive.Uint64
	err := t.copyInObj(addr, &v)
	return uint64(v), err
}

func (t *Task) writeU64(addr, v uint64) error {
	return t.copyOutObj(addr, (*primitive.Uint64)(&v))
}

func (t *Task) readU32(addr uint64) (uint32, error) {
	var v primitive.Uint32
	err := t.copyInObj(addr, &v)
	return uint32(v), err
}

func (t *Task) writeU32(addr uint64, v uint32) error {
	return t.copyOutObj(addr, (*primitive.Uint32)(&v))
}

// uioMaxIov is UIO_MAXIOV, the most iovecs one call takes.
const uioMaxIov = 1024

// maxRW is Linux's MAX_RW_COUNT: one call moves at most this much.
const maxRW = 0x7ffff000

// readIovecs reads an iovec array: EINVAL for more than UIO_MAXIOV
// entries or a negative length; the lengths are cut so that they total
// at most MAX_RW_COUNT, as Linux's import_iovec does.
func (t *Task) readIovecs(addr uint64, cnt uint64) ([]arch.Iovec, error) {
	if cnt > uioMaxIov {
		return nil, unix.EINVAL
	}
	v := make([]arch.Iovec, cnt)
	if err := t.copyInObj(addr, fixed[[]arch.Iovec]{&v}); err != nil {
		return nil, err
	}
	var total uint64
	for i := range v {
		if int64(v[i].Len) < 0 {
			return nil, unix.EINVAL
		}
		total += v[i].Len
		if total > maxRW {
			v[i].Len -= total - maxRW
			total = maxRW
		}
	}
	return v, nil
}
