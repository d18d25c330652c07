package loader

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/vm"
)

// Auxiliary vector tags (include/uapi/linux/auxvec.h); the same numbers on
// amd64 and riscv64.
const (
	atNull        = 0
	atPhdr        = 3
	atPhent       = 4
	atPhnum       = 5
	atPagesz      = 6
	atBase        = 7
	atFlags       = 8
	atEntry       = 9
	atUID         = 11
	atEUID        = 12
	atGID         = 13
	atEGID        = 14
	atPlatform    = 15
	atHWCap       = 16
	atClkTck      = 17
	atSecure      = 23
	atRandom      = 25
	atHWCap2      = 26
	atExecFn      = 31
	atSysinfoEhdr = 33
	atMinSigStkSz = 51
)

// AuxEntry is one auxv pair.
type AuxEntry struct{ Tag, Val uint64 }

// StackLayout is the initial stack a program sees, built bottom-up into
// one byte image that ends at Top.
type StackLayout struct {
	Top  uint64 // highest address (exclusive) of the image
	SP   uint64 // where argc lives
	Data []byte // bytes for [Top-len(Data), Top)
}

// platformString is AT_PLATFORM.
func platformString(a arch.Arch) string {
	if a == arch.RISCV64 {
		return "riscv64"
	}
	return "x86_64"
}

// BuildStack lays out strings, AT_RANDOM bytes, auxv, envp, argv and argc
// below top in the order Linux's create_elf_tables uses. aux must not
// contain AT_RANDOM, AT_EXECFN or AT_PLATFORM: BuildStack adds them,
// pointing into the image.
func BuildStack(top uint64, a arch.Arch, argv, envp []string, execfn string, random [16]byte, aux []AuxEntry) (StackLayout, error) {
	return buildStackPadded(top, a, argv, envp, execfn, random, aux, 0)
}

// buildStackPadded is BuildStack with pad bytes between the argument
// strings and the rest, as x86's arch_align_stack leaves them.
func buildStackPadded(top uint64, a arch.Arch, argv, envp []string, execfn string, random [16]byte, aux []AuxEntry, pad uint64) (StackLayout, error) {
	total := 0
	for _, s := range argv {
		total += len(s) + 1
	}
	for _, s := range envp {
		total += len(s) + 1
	}
	if total > maxArgBytes {
		return StackLayout{}, unix.E2BIG
	}
	// Strings live at the top: execfn last (highest), as Linux does.
	var strs []byte
	cursor := top - 8 // an 8-byte zero end marker
	put := func(s string) uint64 {
		b := append([]byte(s), 0)
		cursor -= uint64(len(b))
		strs = append(b, strs...)
		return cursor
	}
	execfnAddr := put(execfn)
	envAddrs := make([]uint64, len(envp))
	for i := len(envp) - 1; i >= 0; i-- {
		envAddrs[i] = put(envp[i])
	}
	argAddrs := make([]uint64, len(argv))
	for i := len(argv) - 1; i >= 0; i-- {
		argAddrs[i] = put(argv[i])
	}
	if pad > 0 && pad < 1<<16 {
		cursor -= pad
		strs = append(make([]byte, pad), strs...)
	}
	platAddr := put(platformString(a))
	cursor &^= 15
	cursor -= 16
	randAddr := cursor

	aux = append(aux,
		AuxEntry{atRandom, randAddr},
		AuxEntry{atExecFn, execfnAddr},
		AuxEntry{atPlatform, platAddr},
		AuxEntry{atNull, 0})
	words := 1 + len(argv) + 1 + len(envp) + 1 + 2*len(aux)
	sp := (cursor - uint64(words*8)) &^ 15

	size := top - sp
	data := make([]byte, size)
	off := func(addr uint64) []byte { return data[addr-sp:] }
	copy(off(top-8-uint64(len(strs))), strs)
	copy(off(randAddr), random[:])
	w := sp
	word := func(v uint64) {
		binary.LittleEndian.PutUint64(off(w), v)
		w += 8
	}
	word(uint64(len(argv)))
	for _, p := range argAddrs {
		word(p)
	}
	word(0)
	for _, p := range envAddrs {
		word(p)
	}
	word(0)
	for _, e := range aux {
		word(e.Tag)
		word(e.Val)
	}
	return StackLayout{Top: top, SP: sp, Data: data}, nil
}

// stackGuardGap is Linux's default stack_guard_gap (256 pages).
const stackGuardGap = 256 << 12

func buildStack(a Args, path string, argv []string, main loaded, interpBase uint64) (uint64, error) {
	// Below the stack lies a PROT_NONE gap, like Linux's stack guard
	// gap: without it a runaway recursion would run on into whatever
	// mmap placed next (libc's data), corrupting it instead of taking
	// SIGSEGV.
	// The stack ends at the layout's (possibly randomised) stack top;
	// where that range is taken (by a platform's reserved pages) it
	// goes wherever mmap finds room.
	guard := vm.MmapOpts{
		Addr:   a.MM.Layout().StackTop - StackSize - stackGuardGap,
		Length: stackGuardGap + StackSize,
		Prot:   unix.PROT_NONE,
		Flags:  unix.MAP_PRIVATE | unix.MAP_ANONYMOUS | unix.MAP_NORESERVE | unix.MAP_FIXED_NOREPLACE,
	}
	base, err := a.MM.Mmap(guard)
	if err != nil {
		guard.Addr, guard.Flags = 0, guard.Flags&^unix.MAP_FIXED_NOREPLACE
		base, err = a.MM.Mmap(guard)
	}
	if err != nil {
		return 0, fmt.Errorf("map stack: %w", err)
	}
	stackAddr, err := a.MM.Mmap(vm.MmapOpts{
		Addr:   base + stackGuardGap,
		Length: StackSize,
		Prot:   unix.PROT_READ | unix.PROT_WRITE,
		Flags:  unix.MAP_PRIVATE | unix.MAP_ANONYMOUS | unix.MAP_STACK | unix.MAP_FIXED,
		Name:   "[stack]",
	})
	if err != nil {
		return 0, fmt.Errorf("map stack: %w", err)
	}
	top := stackAddr + StackSize
	var aux []AuxEntry
	var secure uint64
	if a.Secure {
		secure = 1
	}
	if a.VDSO != 0 {
		aux = append(aux, AuxEntry{atSysinfoEhdr, a.VDSO})
	}
	if a.MinSigStkSz != 0 {
		aux = append(aux, AuxEntry{atMinSigStkSz, a.MinSigStkSz})
	}
	aux = append(aux,
		AuxEntry{atHWCap, a.HWCap},
		AuxEntry{atPagesz, pageSize},
		AuxEntry{atClkTck, 100},
		AuxEntry{atPhdr, main.phdr},
		AuxEntry{atPhent, 56},
		AuxEntry{atPhnum, uint64(main.phnum)},
		AuxEntry{atBase, interpBase},
		AuxEntry{atFlags, 0},
		AuxEntry{atEntry, main.entry},
		AuxEntry{atUID, uint64(a.UID)},
		AuxEntry{atEUID, uint64(a.EUID)},
		AuxEntry{atGID, uint64(a.GID)},
		AuxEntry{atEGID, uint64(a.EGID)},
		AuxEntry{atSecure, secure},
		AuxEntry{atHWCap2, a.HWCap2},
	)
	lay, err := buildStackPadded(top, a.Arch, argv, a.Envp, path, a.Random, aux, a.MM.Layout().StackPad)
	if err != nil {
		return 0, fmt.Errorf("build stack: %w", err)
	}
	if _, err := a.MM.CopyOut(top-uint64(len(lay.Data)), lay.Data); err != nil {
		return 0, fmt.Errorf("write stack: %w", err)
	}
	return lay.SP, nil
}
