package ptrace

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// The stub page lives at a fixed address so that application layouts do not
// depend on where the host put it. It is 32 MiB below the top of the 47-bit
// user address space: above the region where the host places mmaps and the
// vDSO, and below the default 8 MiB application stack pkg/vm will put at the
// top. The host's randomised initial stack of the stub can, very rarely,
// cover it; then exec fails and startStub retries.
const (
	stubBase = 0x7fff_fe00_0000
	stubSize = 0x1000

	// stubSyscall is the address of the stub's `syscall` instruction, used
	// for every injected syscall; stubTrapNext is where rip points after the
	// `int3` that follows it, which is how an injection's end is recognised.
	stubCodeOffset = 0x100
	stubSyscall    = stubBase + stubCodeOffset
	stubAfterSys   = stubSyscall + 2 // what seccomp sees as the instruction pointer
	stubTrapNext   = stubSyscall + 3

	// The clone site: the new host thread of an application thread is
	// created by an injected clone here. Both threads return at
	// cloneAfterSys; the parent (rax != 0) traps at the int3, and the
	// child (rax == 0) spins, untraced, until the OS thread that will
	// drive it attaches (see thread.go), however long that takes: the
	// wait has no budget, because a budget counted in pause instructions
	// is CPU time, and CPU-model dependent (a pause is ~3 cycles on some
	// CPUs, ~140 on others), so on a loaded machine a late tracer found
	// the thread gone and thread creation failed. A child no one attaches
	// dies with its stub (Release kills it; so do PTRACE_O_EXITKILL and
	// PDEATHSIG when the sentry dies).
	cloneCodeOffset = 0x120
	cloneSyscall    = stubBase + cloneCodeOffset
	cloneAfterSys   = cloneSyscall + 2
	cloneTrapNext   = cloneSyscall + 8

	// The entry point is never executed while traced (the first stop is
	// right after execve); if the stub somehow ran untraced it would exit.
	stubEntryOffset = 0x110
)

// stubImage returns the stub's ELF executable: one page that is both the
// file and its single read+execute PT_LOAD, plus a PT_GNU_STACK asking for a
// non-executable stack.
func stubImage() []byte {
	img := make([]byte, stubSize)
	for i := range img {
		img[i] = 0xcc // int3: a stray jump anywhere in the page traps
	}
	le := binary.LittleEndian

	// ELF header.
	copy(img, []byte{0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* LE */, 1 /* version */, 0 /* SYSV */})
	for i := 8; i < 16; i++ {
		img[i] = 0
	}
	const ehsize, phentsize, phnum = 64, 56, 2
	le.PutUint16(img[16:], 2)  // ET_EXEC
	le.PutUint16(img[18:], 62) // EM_X86_64
	le.PutUint32(img[20:], 1)  // EV_CURRENT
	le.PutUint64(img[24:], stubBase+stubEntryOffset)
	le.PutUint64(img[32:], ehsize) // e_phoff
	le.PutUint64(img[40:], 0)      // e_shoff
	le.PutUint32(img[48:], 0)      // e_flags
	le.PutUint16(img[52:], ehsize)
	le.PutUint16(img[54:], phentsize)
	le.PutUint16(img[56:], phnum)
	le.PutUint16(img[58:], 64) // e_shentsize
	le.PutUint16(img[60:], 0)  // e_shnum
	le.PutUint16(img[62:], 0)  // e_shstrndx

	ph := img[ehsize:]
	le.PutUint32(ph[0:], 1) // PT_LOAD
	le.PutUint32(ph[4:], 5) // PF_R|PF_X
	le.PutUint64(ph[8:], 0) // p_offset
	le.PutUint64(ph[16:], stubBase)
	le.PutUint64(ph[24:], stubBase)
	le.PutUint64(ph[32:], stubSize) // p_filesz
	le.PutUint64(ph[40:], stubSize) // p_memsz
	le.PutUint64(ph[48:], 0x1000)   // p_align

	ph = img[ehsize+phentsize:]
	le.PutUint32(ph[0:], 0x6474e551) // PT_GNU_STACK
	le.PutUint32(ph[4:], 6)          // PF_R|PF_W
	for i := 8; i < phentsize; i++ {
		ph[i] = 0
	}

	copy(img[stubCodeOffset:], []byte{
		0x0f, 0x05, // syscall
		0xcc, // int3
	})
	copy(img[cloneCodeOffset:], []byte{
		0x0f, 0x05, // syscall
		0x48, 0x85, 0xc0, // test %rax, %rax
		0x74, 0x01, // je child
		0xcc,       // int3 (the parent)
		0xf3, 0x90, // child: pause
		0xeb, 0xfc, // jmp child
	})
	copy(img[stubEntryOffset:], []byte{
		0xb8, 0xe7, 0x00, 0x00, 0x00, // mov $231 (exit_group), %eax
		0xbf, 0x7f, 0x00, 0x00, 0x00, // mov $127, %edi
		0x0f, 0x05, // syscall
	})
	return img
}

// newStubImageFile writes the stub image to a sealed, close-on-exec memfd and
// returns it. The stub is executed through /proc/self/fd/N so that no stub
// binary exists on disk and the stub's maps name only /memfd:sentry-stub.
func newStubImageFile() (int, error) {
	fd, err := unix.MemfdCreate("sentry-stub", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|unix.MFD_EXEC)
	if err == unix.EINVAL {
		// Kernels before 6.3 know no MFD_EXEC; their memfds are executable.
		fd, err = unix.MemfdCreate("sentry-stub", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return -1, fmt.Errorf("ptrace: memfd for the stub image: %w", err)
	}
	img := stubImage()
	for off := 0; off < len(img); {
		n, err := unix.Pwrite(fd, img[off:], int64(off))
		if err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("ptrace: writing the stub image: %w", err)
		}
		off += n
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("ptrace: sealing the stub image: %w", err)
	}
	return fd, nil
}
