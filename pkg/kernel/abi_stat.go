package kernel

import (
	"encoding/binary"

	"sentry/pkg/arch"
	"sentry/pkg/vfs"
)

// marshalStat lays out struct stat for a: amd64's own layout (144 bytes)
// or the generic one riscv64 uses (128 bytes).
func marshalStat(a arch.Arch, s vfs.Stat) []byte {
	le := binary.LittleEndian
	if a == arch.RISCV64 {
		b := make([]byte, 128)
		le.PutUint64(b[0:], s.Dev)
		le.PutUint64(b[8:], s.Ino)
		le.PutUint32(b[16:], s.Mode)
		le.PutUint32(b[20:], uint32(s.Nlink))
		le.PutUint32(b[24:], s.UID)
		le.PutUint32(b[28:], s.GID)
		le.PutUint64(b[32:], s.Rdev)
		le.PutUint64(b[48:], uint64(s.Size))
		le.PutUint32(b[56:], uint32(s.Blksize))
		le.PutUint64(b[64:], uint64(s.Blocks))
		putTimes(b[72:], s)
		return b
	}
	b := make([]byte, 144)
	le.PutUint64(b[0:], s.Dev)
	le.PutUint64(b[8:], s.Ino)
	le.PutUint64(b[16:], s.Nlink)
	le.PutUint32(b[24:], s.Mode)
	le.PutUint32(b[28:], s.UID)
	le.PutUint32(b[32:], s.GID)
	le.PutUint64(b[40:], s.Rdev)
	le.PutUint64(b[48:], uint64(s.Size))
	le.PutUint64(b[56:], uint64(s.Blksize))
	le.PutUint64(b[64:], uint64(s.Blocks))
	putTimes(b[72:], s)
	return b
}

// putTimes writes atime, mtime, ctime as {sec, nsec} pairs of 8 bytes.
func putTimes(b []byte, s vfs.Stat) {
	le := binary.LittleEndian
	for i, ts := range [3]struct{ sec, nsec int64 }{
		{s.Atime.Sec, s.Atime.Nsec}, {s.Mtime.Sec, s.Mtime.Nsec}, {s.Ctime.Sec, s.Ctime.Nsec},
	} {
		le.PutUint64(b[16*i:], uint64(ts.sec))
		le.PutUint64(b[16*i+8:], uint64(ts.nsec))
	}
}

// statx mask bits (include/uapi/linux/stat.h).
const statxBasicStats = 0x7ff

// marshalStatx lays out struct statx (256 bytes, the same on every arch).
func marshalStatx(s vfs.Stat) []byte {
	le := binary.LittleEndian
	b := make([]byte, 256)
	le.PutUint32(b[0x00:], statxBasicStats)
	le.PutUint32(b[0x04:], uint32(s.Blksize))
	le.PutUint32(b[0x10:], uint32(s.Nlink))
	le.PutUint32(b[0x14:], s.UID)
	le.PutUint32(b[0x18:], s.GID)
	le.PutUint16(b[0x1c:], uint16(s.Mode))
	le.PutUint64(b[0x20:], s.Ino)
	le.PutUint64(b[0x28:], uint64(s.Size))
	le.PutUint64(b[0x30:], uint64(s.Blocks))
	put := func(off int, sec, nsec int64) {
		le.PutUint64(b[off:], uint64(sec))
		le.PutUint32(b[off+8:], uint32(nsec))
	}
	put(0x40, s.Atime.Sec, s.Atime.Nsec)
	put(0x60, s.Ctime.Sec, s.Ctime.Nsec)
	put(0x70, s.Mtime.Sec, s.Mtime.Nsec)
	le.PutUint32(b[0x80:], major(s.Rdev))
	le.PutUint32(b[0x84:], minor(s.Rdev))
	le.PutUint32(b[0x88:], major(s.Dev))
	le.PutUint32(b[0x8c:], minor(s.Dev))
	return b
}

func major(dev uint64) uint32 { return uint32((dev>>8)&0xfff | (dev>>32)&^0xfff) }
func minor(dev uint64) uint32 { return uint32(dev&0xff | (dev>>12)&^0xff) }
