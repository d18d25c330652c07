package epoll

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// anonIno is the inode every anonymous-inode file shares, as on Linux,
// where all of them are one inode of anon_inodefs.
const anonIno = 1

// anonStat is what fstat shows for an anonymous-inode file (epoll,
// eventfd, timerfd): no file type bits, like Linux's anon_inodefs.
func anonStat(perm uint32) vfs.Stat {
	return vfs.Stat{Dev: 0xd, Ino: anonIno, Nlink: 1, Mode: perm, UID: uint32(unix.Getuid()), GID: uint32(unix.Getgid()), Blksize: 4096}
}
