// Package loader loads an ELF program (static, static-PIE, or dynamic
// through its PT_INTERP loader) or a `#!` script into a fresh address space
// and builds the initial stack (argv, envp, auxv) the way Linux's
// binfmt_elf does.
//
// Invariants: the image and its interpreter are read through pkg/vfs and
// copied into the memory file by pkg/vm; nothing is mapped from the host by
// path. Errors a caller reports to a user are unix.Errno values wrapped
// with context (ENOENT: no such program; EACCES: not executable; ENOEXEC:
// not an ELF for this machine; ELIBBAD: an interpreter that is not one;
// EINVAL: segments that cannot be loaded; EIO: a short read), following
// binfmt_elf. Nothing in the file is trusted: every size and offset in the
// ELF header and program headers is checked, with arithmetic that cannot
// overflow, before anything is allocated from it (elfhdr.go), so no file
// makes the sentry panic or allocate more than a page of headers.
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
	// UID, GID (real) and EUID, EGID (effective) are reported in the
	// auxv; Secure is AT_SECURE (a set-uid or set-gid exec changed them).
	UID, GID, EUID, EGID uint32
	Secure               bool
}

// Image is the loaded program, ready to run.
type Image struct {
	Entry    uint64 // first instruction (the interpreter's, if any)
	SP       uint64 // initial stack pointer (points at argc)
	BrkStart uint64
	// Path is the absolute guest path of the program finally loaded (the
	// interpreter of a script).
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
			if d := f.Dentry(); d != nil && err == nil {
				// /proc/PID/exe is absolute even after a relative
				// exec (static glibc asserts so); AT_EXECFN keeps
				// the name as given.
				img.Path = d.Path()
			}
			if e := f.ExecDeny(); e != nil && err == nil {
				// The program's file refuses writers while
				// the address space runs it (Linux's
				// mm->exe_file).
				a.MM.SetExe(e)
			}
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
	f, err := fs.OpenExec(cwd, path)
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
// binfmt_script does: one optional argument, the rest of the line
// included; the line is read from the first 256 bytes (BINPRM_BUF_SIZE),
// a NUL ends it, and a line that runs past them with no space, tab or NUL
// after the interpreter's name is ENOEXEC (the name may be truncated).
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
	} else if n == cap(buf) {
		name := bytes.TrimLeft(line, " \t")
		if len(name) == 0 || bytes.IndexAny(name, " \t\x00") < 0 {
			return "", "", false, fmt.Errorf("#! line longer than %d bytes: %w", len(buf), unix.ENOEXEC)
		}
	}
	if i := bytes.IndexByte(line, 0); i >= 0 {
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
	base  uint64 // load bias
	entry uint64
	phdr  uint64 // address of the program headers
	phnum int
	end   uint64 // highest address of any segment
}

// ErrNoReturn marks a load that failed where Linux's execve is past its
// point of no return (placing the segments, binfmt_elf after
// begin_new_exec): the caller's old image is gone there, so Linux kills
// the process with SIGSEGV instead of returning the errno, and the
// kernel does the same. Failures before it (unreadable or unusable
// headers, PT_INTERP, the interpreter's headers) are plain errnos.
var ErrNoReturn = errors.New("exec failed past the point of no return")

type noReturnError struct{ err error }

func (e noReturnError) Error() string   { return e.err.Error() }
func (e noReturnError) Unwrap() []error { return []error{e.err, ErrNoReturn} }

// object is one parsed ELF, checked as far as Linux does before the point
// of no return.
type object struct {
	f      *vfs.File
	path   string
	hdr    elfHeader
	progs  []progHeader
	interp string // PT_INTERP of a main program
}

func loadELF(a Args, f *vfs.File, path string, argv []string) (Image, error) {
	main, err := parseObject(a, f, path, true)
	if err != nil {
		return Image{}, err
	}
	var in object
	if main.interp != "" {
		inf, err := openExec(a.FS, a.Cwd, main.interp)
		if err != nil {
			return Image{}, fmt.Errorf("interpreter of %s: %w", path, err)
		}
		defer inf.DecRef()
		if in, err = parseObject(a, inf, main.interp, false); err != nil {
			return Image{}, err
		}
	}
	// The point of no return.
	ml, err := placeObject(a, main, true)
	if err != nil {
		return Image{}, noReturnError{err}
	}
	entry := ml.entry
	var interpBase uint64
	if in.f != nil {
		il, err := placeObject(a, in, false)
		if err != nil {
			return Image{}, noReturnError{err}
		}
		entry, interpBase = il.entry, il.base
	}
	// Linux starts the heap a random distance above the data at full
	// randomisation (arch_randomize_brk); the layout holds that offset.
	brk := pageUp(ml.end) + a.MM.Layout().BrkOffset
	a.MM.SetBrkStart(brk)
	sp, err := buildStack(a, path, argv, ml, interpBase)
	if err != nil {
		return Image{}, err
	}
	return Image{Entry: entry, SP: sp, BrkStart: brk, Path: path, Argv: argv}, nil
}

// parseObject reads and checks f's headers and, for a main program, its
// PT_INTERP, as load_elf_binary does before begin_new_exec.
func parseObject(a Args, f *vfs.File, path string, isMain bool) (object, error) {
	hdr, progs, err := readELF(f, machineOf(a.Arch))
	if err != nil {
		if !isMain && errors.Is(err, unix.ENOEXEC) {
			// binfmt_elf: an interpreter it cannot use is ELIBBAD.
			return object{}, fmt.Errorf("interpreter %s: %v: %w", path, err, unix.ELIBBAD)
		}
		return object{}, fmt.Errorf("%s: %w", path, err)
	}
	if isMain && hdr.typ != elf.ET_EXEC && hdr.typ != elf.ET_DYN {
		return object{}, fmt.Errorf("%s: ELF type %v is not executable: %w", path, hdr.typ, unix.ENOEXEC)
	}
	o := object{f: f, path: path, hdr: hdr, progs: progs}
	if !isMain {
		return o, nil
	}
	for _, p := range progs {
		// Linux uses the first PT_INTERP of the main program and
		// ignores one in an interpreter.
		if p.typ != elf.PT_INTERP {
			continue
		}
		if o.interp, err = readInterp(f, p); err != nil {
			return object{}, fmt.Errorf("%s: %w", path, err)
		}
		if o.interp == "" {
			return object{}, fmt.Errorf("%s: empty PT_INTERP: %w", path, unix.ENOENT)
		}
		break
	}
	return o, nil
}

// placeObject maps o's segments into a.MM.
func placeObject(a Args, o object, isMain bool) (loaded, error) {
	path := o.path
	if o.hdr.typ != elf.ET_EXEC && o.hdr.typ != elf.ET_DYN {
		// load_elf_interp's check, after the point of no return.
		return loaded{}, fmt.Errorf("interpreter %s: ELF type %v: %w", path, o.hdr.typ, unix.EINVAL)
	}
	var loads []progHeader
	var l loaded
	var phdrVaddr uint64
	hasPhdr := false
	for _, p := range o.progs {
		switch p.typ {
		case elf.PT_LOAD:
			if p.memsz == 0 && p.filesz == 0 {
				continue
			}
			loads = append(loads, p)
		case elf.PT_PHDR:
			phdrVaddr, hasPhdr = p.vaddr, true
		}
	}
	lo, hi, err := checkLoads(loads)
	if err != nil {
		return loaded{}, fmt.Errorf("%s: %w", path, err)
	}
	span := hi - lo
	// binfmt_elf's maximum_alignment: the largest power-of-two p_align
	// (a hostile huge one is bounded by the address space).
	align := uint64(pageSize)
	for _, p := range loads {
		if p.align > align && p.align&(p.align-1) == 0 && p.align <= 1<<30 {
			align = p.align
		}
	}
	// Reserve the whole span first so the segments land together, as
	// Linux's total_mapping_size does, then place each segment over it.
	opts := vm.MmapOpts{Length: span, Prot: unix.PROT_NONE, Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS}
	switch {
	case o.hdr.typ == elf.ET_EXEC:
		opts.Addr, opts.Flags = lo, opts.Flags|unix.MAP_FIXED_NOREPLACE
	case isMain:
		// The layout's (possibly randomised) ELF_ET_DYN_BASE, aligned
		// as the segments ask. Should that range be taken, the program
		// goes wherever mmap finds room, as an interpreter does.
		opts.Addr, opts.Flags = a.MM.Layout().PIEBase&^(align-1), opts.Flags|unix.MAP_FIXED_NOREPLACE
	}
	start, err := a.MM.Mmap(opts)
	if err != nil && isMain && o.hdr.typ == elf.ET_DYN {
		opts.Addr, opts.Flags = 0, opts.Flags&^unix.MAP_FIXED_NOREPLACE
		start, err = a.MM.Mmap(opts)
	}
	if err != nil {
		return loaded{}, fmt.Errorf("%s: reserve %#x bytes at %#x: %w", path, span, opts.Addr, err)
	}
	l.base = start - lo
	for _, p := range loads {
		if err := loadSegment(a.MM, o.f, path, l.base, p); err != nil {
			return loaded{}, err
		}
	}
	l.entry = l.base + o.hdr.entry
	if l.entry >= vm.TaskSize {
		// load_elf_binary's BAD_ADDR(elf_entry).
		return loaded{}, fmt.Errorf("%s: entry point %#x outside the address space: %w", path, l.entry, unix.EINVAL)
	}
	l.end = l.base + hi
	l.phnum = len(o.progs)
	if hasPhdr {
		l.phdr = l.base + phdrVaddr
	} else {
		for _, p := range loads {
			if o.hdr.phoff >= p.off && o.hdr.phoff-p.off < p.filesz {
				l.phdr = l.base + p.vaddr + (o.hdr.phoff - p.off)
			}
		}
	}
	return l, nil
}

// loadSegment maps one PT_LOAD like binfmt_elf: the file pages privately,
// the partial page after p_filesz zeroed, whole bss pages anonymous.
func loadSegment(mm *vm.MM, f *vfs.File, path string, base uint64, p progHeader) error {
	prot := 0
	if p.flags&elf.PF_R != 0 {
		prot |= unix.PROT_READ
	}
	if p.flags&elf.PF_W != 0 {
		prot |= unix.PROT_WRITE
	}
	if p.flags&elf.PF_X != 0 {
		prot |= unix.PROT_EXEC
	}
	start := pageDown(base + p.vaddr)
	fileEnd := base + p.vaddr + p.filesz
	memEnd := base + p.vaddr + p.memsz
	if p.filesz > 0 {
		length := pageUp(fileEnd) - start
		if _, err := mm.Mmap(vm.MmapOpts{
			Addr: start, Length: length, Prot: prot | unix.PROT_WRITE,
			Flags:  unix.MAP_PRIVATE | unix.MAP_FIXED,
			File:   f,
			Offset: int64(pageDown(p.off)),
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
	if p.filesz == 0 {
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
