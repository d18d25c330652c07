package arch

import "gvisor.dev/gvisor/pkg/abi/linux"

// StatGeneric is struct stat of include/uapi/asm-generic/stat.h, the
// layout riscv64 uses (128 bytes). amd64 has its own, gVisor's
// linux.Stat; gVisor defines the generic one only when built for arm64,
// so it is declared here, and a test checks every offset against
// riscv64-linux-gnu-gcc's struct stat.
type StatGeneric struct {
	Dev     uint64
	Ino     uint64
	Mode    uint32
	Nlink   uint32
	UID     uint32
	GID     uint32
	Rdev    uint64
	_       uint64 // __pad1
	Size    int64
	Blksize int32
	_       int32 // __pad2
	Blocks  int64
	ATime   linux.Timespec
	MTime   linux.Timespec
	CTime   linux.Timespec
	_       [2]uint32 // __unused4, __unused5
}
