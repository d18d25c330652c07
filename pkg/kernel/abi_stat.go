package kernel

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/arch"
	"sentry/pkg/vfs"
)

func linuxTimespec(ts unix.Timespec) linux.Timespec {
	return linux.Timespec{Sec: ts.Sec, Nsec: ts.Nsec}
}

// marshalStat lays out struct stat for a: amd64's own layout (gVisor's
// linux.Stat, 144 bytes) or the generic one riscv64 uses
// (arch.StatGeneric, 128 bytes).
func marshalStat(a arch.Arch, s vfs.Stat) []byte {
	if a == arch.RISCV64 {
		st := arch.StatGeneric{
			Dev: s.Dev, Ino: s.Ino, Mode: s.Mode, Nlink: uint32(s.Nlink),
			UID: s.UID, GID: s.GID, Rdev: s.Rdev, Size: s.Size,
			Blksize: int32(s.Blksize), Blocks: s.Blocks,
			ATime: linuxTimespec(s.Atime), MTime: linuxTimespec(s.Mtime), CTime: linuxTimespec(s.Ctime),
		}
		return marshal(fixed[arch.StatGeneric]{&st})
	}
	st := linux.Stat{
		Dev: s.Dev, Ino: s.Ino, Nlink: s.Nlink, Mode: s.Mode, UID: s.UID, GID: s.GID,
		Rdev: s.Rdev, Size: s.Size, Blksize: s.Blksize, Blocks: s.Blocks,
		ATime: linuxTimespec(s.Atime), MTime: linuxTimespec(s.Mtime), CTime: linuxTimespec(s.Ctime),
	}
	return marshal(&st)
}

// marshalStatx lays out struct statx (256 bytes, the same on every arch).
func marshalStatx(s vfs.Stat) []byte {
	ts := func(t unix.Timespec) linux.StatxTimestamp {
		return linux.StatxTimestamp{Sec: t.Sec, Nsec: uint32(t.Nsec)}
	}
	st := linux.Statx{
		Mask:      linux.STATX_BASIC_STATS,
		Blksize:   uint32(s.Blksize),
		Nlink:     uint32(s.Nlink),
		UID:       s.UID,
		GID:       s.GID,
		Mode:      uint16(s.Mode),
		Ino:       s.Ino,
		Size:      uint64(s.Size),
		Blocks:    uint64(s.Blocks),
		Atime:     ts(s.Atime),
		Ctime:     ts(s.Ctime),
		Mtime:     ts(s.Mtime),
		RdevMajor: major(s.Rdev), RdevMinor: minor(s.Rdev),
		DevMajor: major(s.Dev), DevMinor: minor(s.Dev),
	}
	b := make([]byte, 256) // the kernel's struct statx, with its spare tail
	st.MarshalBytes(b)
	return b
}

// marshalStatfs lays out struct statfs: the same 120 bytes on amd64 and
// riscv64.
func marshalStatfs(s vfs.Statfs) []byte {
	st := linux.Statfs{
		Type: s.Type, BlockSize: s.Bsize, Blocks: s.Blocks, BlocksFree: s.Bfree,
		BlocksAvailable: s.Bavail, Files: s.Files, FilesFree: s.Ffree, FSID: s.Fsid,
		NameLength: uint64(s.Namelen), FragmentSize: s.Frsize, Flags: uint64(s.Flags),
	}
	return marshal(&st)
}

func major(dev uint64) uint32 { return uint32((dev>>8)&0xfff | (dev>>32)&^0xfff) }
func minor(dev uint64) uint32 { return uint32(dev&0xff | (dev>>12)&^0xff) }
