package vfs

import (
	"time"

	"golang.org/x/sys/unix"
)

// Stat is an architecture-neutral struct stat; the kernel marshals it into
// each architecture's layout.
type Stat struct {
	Dev, Ino, Nlink       uint64
	Mode, UID, GID        uint32
	Rdev                  uint64
	Size, Blksize, Blocks int64
	Atime, Mtime, Ctime   unix.Timespec
}

// IsDir reports whether the stat describes a directory.
func (s Stat) IsDir() bool { return s.Mode&unix.S_IFMT == unix.S_IFDIR }

// IsRegular reports whether the stat describes a regular file.
func (s Stat) IsRegular() bool { return s.Mode&unix.S_IFMT == unix.S_IFREG }

// StatFromHost converts a host stat (of a host file the sentry holds).
func StatFromHost(st *unix.Stat_t) Stat { return statFromHost(st) }

func statFromHost(st *unix.Stat_t) Stat {
	return Stat{
		Dev:     uint64(st.Dev),
		Ino:     uint64(st.Ino),
		Nlink:   uint64(st.Nlink),
		Mode:    st.Mode,
		UID:     st.Uid,
		GID:     st.Gid,
		Rdev:    uint64(st.Rdev),
		Size:    st.Size,
		Blksize: int64(st.Blksize),
		Blocks:  st.Blocks,
		Atime:   st.Atim,
		Mtime:   st.Mtim,
		Ctime:   st.Ctim,
	}
}

func now() unix.Timespec { return unix.NsecToTimespec(time.Now().UnixNano()) }

// Values of Timespec.Nsec understood by UtimesAt, as in utimensat(2).
const (
	UtimeNow  = (1 << 30) - 1
	UtimeOmit = (1 << 30) - 2
)

// Dirent is one directory entry as getdents64 reports it. Off is the offset
// of the next entry (d_off), usable with Seek.
type Dirent struct {
	Ino  uint64
	Off  int64
	Type uint8
	Name string
}

// RecLen is the size of the entry as a struct linux_dirent64.
func (d Dirent) RecLen() int {
	const nameOff = 19 // d_ino(8) + d_off(8) + d_reclen(2) + d_type(1)
	return (nameOff + len(d.Name) + 1 + 7) &^ 7
}

// dtype converts S_IFMT bits to a DT_* value.
func dtype(mode uint32) uint8 {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return unix.DT_DIR
	case unix.S_IFREG:
		return unix.DT_REG
	case unix.S_IFLNK:
		return unix.DT_LNK
	case unix.S_IFCHR:
		return unix.DT_CHR
	case unix.S_IFBLK:
		return unix.DT_BLK
	case unix.S_IFIFO:
		return unix.DT_FIFO
	case unix.S_IFSOCK:
		return unix.DT_SOCK
	}
	return unix.DT_UNKNOWN
}
