// Package loader loads an ELF program (static, static-PIE, or dynamic
// through its PT_INTERP loader) or a `#!` script into a fresh address space
// and builds the initial stack (argv, envp, auxv) the way Linux's
// binfmt_elf does.
//
// Invariants: the image and its interpreter are read through pkg/vfs and
// copied into the memory file by pkg/vm; nothing is mapped from the host by
// path. Errors a caller reports to a user are unix.Errno values wrapped
// with context (ENOENT: no such program; EACCES: not executable; ENOEXEC:
// not an ELF for this machine).
//
// Callers: pkg/kernel, on the goroutine of the task that owns the address
// space. The package holds no state between calls.
package loader

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/vfs"
	"sentry/pkg/vm"
)

const (
	pageSize = 4096
	// StackSize is the size of the main thread's stack mapping (the
	// default RLIMIT_STACK).
	StackSize = 8 << 20
	// maxScriptDepth bounds `#!` chains like Linux's BINPRM_MAX_RECURSION.
	maxScriptDepth = 4
	maxArgBytes    = 32 * pageSize * 8 // ARG_MAX-like bound on argv+envp
)

// Args describe one program to load.
type Args struct {
	MM   *vm.MM
	FS   *vfs.FS
	Cwd  *vfs.Dentry
	Path string
	Argv []string
	Envp []string
	// Arch is the machine the platform runs; another ELF machine is
	// ENOEXEC.
	Arch arch.Arch
	// VDSO is the address of the vDSO image for AT_SYSINFO_EHDR, 0 for
	// none.
	VDSO uint64
	// HWCap and HWCap2 are reported as AT_HWCAP and AT_HWCAP2.
	HWCap, HWCap2 uint64
	// MinSigStkSz is AT_MINSIGSTKSZ (0: omitted).
	MinSigStkSz uint64
	// Random are the 16 bytes AT_RANDOM points at.
	Random [16]byte
	// UID and GID are reported in the auxv.
	UID, GID uint32
}

// Image is the loaded program, ready to run.
type Image struct {
	Entry    uint64 // first instruction (the interpreter's, if any)
	SP       uint64 // initial stack pointer (points at argc)
	BrkStart uint64
	// Path is the program finally loaded (the interpreter of a script).
	Path string
	Argv []string
}

// Machine reports the ELF machine of the file at path, for choosing a
// platform before loading.
func Machine(fs *vfs.FS, cwd *vfs.Dentry, path string) (elf.Machine, error) {
	f, err := openExec(fs, cwd, path)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	var hdr [20]byte
	if n, _ := f.ReadAt(hdr[:], 0); n < len(hdr) || !bytes.HasPrefix(hdr[:], []byte(elf.ELFMAG)) {
		if n >= 2 && hdr[0] == '#' && hdr[1] == '!' {
			return elf.EM_NONE, nil
		}
		return 0, fmt.Errorf("%s: not an ELF file: %w", path, unix.ENOEXEC)
	}
	return elf.Machine(uint16(hdr[18]) | uint16(hdr[19])<<8), nil
}

// Load loads the program a describes into a.MM.
func Load(a Args) (Image, error) {
	path, argv := a.Path, a.Argv
	for depth := 0; ; depth++ {
		f, err := openExec(a.FS, a.Cwd, path)
		if err != nil {
			return Image{}, err
		}
		interp, iarg, isScript, err := readShebang(f)
		if err != nil {
			f.DecRef()
			return Image{}, fmt.Errorf("%s: %w", path, err)
		}
		if !isScript {
			img, err := loadELF(a, f, path, argv)
			f.DecRef()
			return img, err
		}
		f.DecRef()
		if depth >= maxScriptDepth {
			return Image{}, fmt.Errorf("%s: too many levels of #! interpreters: %w", path, unix.ELOOP)
		}
		// Linux: argv becomes interp [iarg] path argv[1:].
		next := []string{interp}
		if iarg != "" {
			next = append(next, iarg)
		}
		next = append(next, path)
		if len(argv) > 1 {
			next = append(next, argv[1:]...)
		}
		path, argv = interp, next
	}
}

func openExec(fs *vfs.FS, cwd *vfs.Dentry, path string) (*vfs.File, error) {
	f, err := fs.OpenAt(cwd, path, unix.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.DecRef()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Mode&0o111 == 0 {
		f.DecRef()
		return nil, fmt.Errorf("%s: %w", path, unix.EACCES)
	}
	return f, nil
}

// readShebang parses a `#!interp [arg]` first line the way Linux's
// binfmt_script does: one optional argument, the rest of the line included.
func readShebang(f *vfs.File) (interp, arg string, ok bool, err error) {
	buf := make([]byte, 256)
	n, rerr := f.ReadAt(buf, 0)
	if rerr != nil && !errors.Is(rerr, io.EOF) {
		return "", "", false, rerr
	}
	buf = buf[:n]
	if !bytes.HasPrefix(buf, []byte("#!")) {
		return "", "", false, nil
	}
	line := buf[2:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	s := strings.TrimLeft(string(line), " \t")
	s = strings.TrimRight(s, " \t\r")
	if s == "" {
		return "", "", false, unix.ENOEXEC
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		interp, arg = s[:i], strings.TrimLeft(s[i:], " \t")
	} else {
		interp = s
	}
	return interp, arg, true, nil
}

func machineOf(a arch.Arch) elf.Machine {
	if a == arch.RISCV64 {
		return elf.EM_RISCV
	}
	return elf.EM_X86_64
}

// loaded is one ELF object placed in memory.
type loaded struct {
	base   uint64 // load bias
	entry  uint64
	phdr   uint64 // address of the program headers
	phnum  int
	end    uint64 // highest address of any segment
	interp string
}

func loadELF(a Args, f *vfs.File, path string, argv []string) (Image, error) {
	main, err := loadObject(a, f, path, true)
	if err != nil {
		return Image{}, err
	}
	entry := main.entry
	var interpBase uint64
	if main.interp != "" {
		inf, err := openExec(a.FS, a.Cwd, main.interp)
		if err != nil {
			return Image{}, fmt.Errorf("interpreter of %s: %w", path, err)
		}
		in, err := loadObject(a, inf, main.interp, false)
		inf.DecRef()
		if err != nil {
			return Image{}, err
		}
		if in.interp != "" {
			return Image{}, fmt.Errorf("%s: interpreter has an interpreter: %w", main.interp, unix.ELIBBAD)
		}
		entry, interpBase = in.entry, in.base
	}
	// Linux starts the heap a random distance above the data at full
	// randomisation (arch_randomize_brk); the layout holds that offset.
	brk := pageUp(main.end) + a.MM.Layout().BrkOffset
	a.MM.SetBrkStart(brk)
	sp, err := buildStack(a, path, argv, main, interpBase)
	if err != nil {
		return Image{}, err
	}
	return Image{Entry: entry, SP: sp, BrkStart: brk, Path: path, Argv: argv}, nil
}

func loadObject(a Args, f *vfs.File, path string, isMain bool) (loaded, error) {
	ef, err := elf.NewFile(f)
	if err != nil {
		return loaded{}, fmt.Errorf("%s: not an ELF file: %w", path, unix.ENOEXEC)
	}
	if ef.Class != elf.ELFCLASS64 || ef.Data != elf.ELFDATA2LSB || ef.Machine != machineOf(a.Arch) {
		return loaded{}, fmt.Errorf("%s: ELF for %v %v, not %v: %w", path, ef.Class, ef.Machine, a.Arch, unix.ENOEXEC)
	}
	if ef.Type != elf.ET_EXEC && ef.Type != elf.ET_DYN {
		return loaded{}, fmt.Errorf("%s: ELF type %v is not executable: %w", path, ef.Type, unix.ENOEXEC)
	}
	var loads []*elf.Prog
	var l loaded
	var phdrVaddr uint64
	hasPhdr := false
	for _, p := range ef.Progs {
		switch p.Type {
		case elf.PT_LOAD:
			if p.Memsz == 0 {
				continue
			}
			if p.Filesz > p.Memsz || p.Vaddr%pageSize != p.Off%pageSize {
				return loaded{}, fmt.Errorf("%s: bad PT_LOAD: %w", path, unix.ENOEXEC)
			}
			loads = append(loads, p)
		case elf.PT_INTERP:
			if !isMain {
				continue
			}
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil || p.Filesz == 0 || p.Filesz > unix.PathMax {
				return loaded{}, fmt.Errorf("%s: bad PT_INTERP: %w", path, unix.ENOEXEC)
			}
			l.interp = string(bytes.TrimRight(b, "\x00"))
		case elf.PT_PHDR:
			phdrVaddr, hasPhdr = p.Vaddr, true
		}
	}
	if len(loads) == 0 {
		return loaded{}, fmt.Errorf("%s: no loadable segments: %w", path, unix.ENOEXEC)
	}
	lo := pageDown(loads[0].Vaddr)
	hi := uint64(0)
	align := uint64(pageSize)
	for _, p := range loads {
		if p.Vaddr < lo {
			lo = pageDown(p.Vaddr)
		}
		if e := p.Vaddr + p.Memsz; e > hi {
			hi = e
		}
		// binfmt_elf's maximum_alignment: the largest power-of-two
		// p_align (a hostile huge one is bounded by the address space).
		if p.Align > align && p.Align&(p.Align-1) == 0 && p.Align <= 1<<30 {
			align = p.Align
		}
	}
	span := pageUp(hi) - lo
	// Reserve the whole span first so the segments land together, as
	// Linux's total_mapping_size does, then place each segment over it.
	opts := vm.MmapOpts{Length: span, Prot: unix.PROT_NONE, Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS}
	switch {
	case ef.Type == elf.ET_EXEC:
		opts.Addr, opts.Flags = lo, opts.Flags|unix.MAP_FIXED_NOREPLACE
	case isMain:
		// The layout's (possibly randomised) ELF_ET_DYN_BASE, aligned
		// as the segments ask. Should that range be taken, the program
		// goes wherever mmap finds room, as an interpreter does.
		opts.Addr, opts.Flags = a.MM.Layout().PIEBase&^(align-1), opts.Flags|unix.MAP_FIXED_NOREPLACE
	}
	start, err := a.MM.Mmap(opts)
	if err != nil && isMain && ef.Type == elf.ET_DYN {
		opts.Addr, opts.Flags = 0, opts.Flags&^unix.MAP_FIXED_NOREPLACE
		start, err = a.MM.Mmap(opts)
	}
	if err != nil {
		return loaded{}, fmt.Errorf("%s: reserve %#x bytes at %#x: %w", path, span, opts.Addr, err)
	}
	l.base = start - lo
	for _, p := range loads {
		if err := loadSegment(a.MM, f, path, l.base, p); err != nil {
			return loaded{}, err
		}
	}
	l.entry = l.base + ef.Entry
	l.end = l.base + hi
	l.phnum = len(ef.Progs)
	if hasPhdr {
		l.phdr = l.base + phdrVaddr
	} else {
		phoff := phdrOffset(f)
		for _, p := range loads {
			if phoff >= p.Off && phoff < p.Off+p.Filesz {
				l.phdr = l.base + p.Vaddr + (phoff - p.Off)
			}
		}
	}
	return l, nil
}

// phdrOffset reads e_phoff from the ELF64 header.
func phdrOffset(f *vfs.File) uint64 {
	var b [8]byte
	if _, err := f.ReadAt(b[:], 32); err != nil {
		return 0
	}
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// loadSegment maps one PT_LOAD like binfmt_elf: the file pages privately,
// the partial page after p_filesz zeroed, whole bss pages anonymous.
func loadSegment(mm *vm.MM, f *vfs.File, path string, base uint64, p *elf.Prog) error {
	prot := 0
	if p.Flags&elf.PF_R != 0 {
		prot |= unix.PROT_READ
	}
	if p.Flags&elf.PF_W != 0 {
		prot |= unix.PROT_WRITE
	}
	if p.Flags&elf.PF_X != 0 {
		prot |= unix.PROT_EXEC
	}
	start := pageDown(base + p.Vaddr)
	fileEnd := base + p.Vaddr + p.Filesz
	memEnd := base + p.Vaddr + p.Memsz
	if p.Filesz > 0 {
		length := pageUp(fileEnd) - start
		if _, err := mm.Mmap(vm.MmapOpts{
			Addr: start, Length: length, Prot: prot | unix.PROT_WRITE,
			Flags:  unix.MAP_PRIVATE | unix.MAP_FIXED,
			File:   f,
			Offset: int64(pageDown(p.Off)),
			Name:   path,
		}); err != nil {
			return fmt.Errorf("%s: map segment at %#x: %w", path, start, err)
		}
		if tail := pageUp(fileEnd) - fileEnd; tail > 0 && memEnd > fileEnd {
			if _, err := mm.CopyOut(fileEnd, make([]byte, tail)); err != nil {
				return fmt.Errorf("%s: zero bss at %#x: %w", path, fileEnd, err)
			}
		}
		if err := mm.Mprotect(start, length, prot); err != nil {
			return fmt.Errorf("%s: protect segment at %#x: %w", path, start, err)
		}
	}
	bssStart := pageUp(fileEnd)
	if p.Filesz == 0 {
		bssStart = start
	}
	if bssEnd := pageUp(memEnd); bssEnd > bssStart {
		if _, err := mm.Mmap(vm.MmapOpts{
			Addr: bssStart, Length: bssEnd - bssStart, Prot: prot,
			Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS | unix.MAP_FIXED,
		}); err != nil {
			return fmt.Errorf("%s: map bss at %#x: %w", path, bssStart, err)
		}
	}
	return nil
}

func pageDown(v uint64) uint64 { return v &^ (pageSize - 1) }
func pageUp(v uint64) uint64   { return (v + pageSize - 1) &^ (pageSize - 1) }
