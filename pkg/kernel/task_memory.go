package kernel

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
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
	var b [8]byte
	if err := t.copyIn(addr, b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

func (t *Task) writeU64(addr, v uint64) error {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	return t.copyOut(addr, b[:])
}

func (t *Task) readU32(addr uint64) (uint32, error) {
	var b [4]byte
	if err := t.copyIn(addr, b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b[:]), nil
}

func (t *Task) writeU32(addr uint64, v uint32) error {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	return t.copyOut(addr, b[:])
}

// iovec is one struct iovec (same layout on amd64 and riscv64).
type iovec struct{ base, len uint64 }

// uioMaxIov is UIO_MAXIOV, the most iovecs one call takes.
const uioMaxIov = 1024

// maxRW is Linux's MAX_RW_COUNT: one call moves at most this much.
const maxRW = 0x7ffff000

func (t *Task) readIovecs(addr uint64, cnt uint64) ([]iovec, error) {
	if cnt > uioMaxIov {
		return nil, unix.EINVAL
	}
	b := make([]byte, 16*cnt)
	if err := t.copyIn(addr, b); err != nil {
		return nil, err
	}
	v := make([]iovec, cnt)
	var total uint64
	for i := range v {
		v[i] = iovec{binary.LittleEndian.Uint64(b[16*i:]), binary.LittleEndian.Uint64(b[16*i+8:])}
		if int64(v[i].len) < 0 {
			return nil, unix.EINVAL
		}
		total += v[i].len
		if total > maxRW {
			v[i].len -= total - maxRW
			total = maxRW
		}
	}
	return v, nil
}
