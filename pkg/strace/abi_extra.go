package strace

import "gvisor.dev/gvisor/pkg/abi/linux"

// Values the flag tables need that neither gVisor's abi/linux nor
// x/sys/unix names; each from the Linux uapi header given.
const (
	// include/uapi/asm-generic/fcntl.h: the O_SYNC and O_TMPFILE that
	// programs pass carry O_DSYNC and O_DIRECTORY beside their own bit,
	// which is all gVisor's constants of those names hold (__O_SYNC,
	// __O_TMPFILE).
	oSync    = linux.O_SYNC | linux.O_DSYNC
	oTmpfile = linux.O_TMPFILE | linux.O_DIRECTORY

	// include/uapi/asm-generic/mman-common.h
	mapUninitialized = 0x4000000

	// include/uapi/linux/futex.h
	futexLockPI2 = 13

	// arch/x86/include/uapi/asm/prctl.h
	archGetCpuid          = 0x1011
	archGetXcompSupp      = 0x1021
	archGetXcompPerm      = 0x1022
	archReqXcompPerm      = 0x1023
	archGetXcompGuestPerm = 0x1024
	archReqXcompGuestPerm = 0x1025
	archMapVdsoX32        = 0x2001
	archMapVdso32         = 0x2002
	archMapVdso64         = 0x2003
)
