package loader

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/sys/unix"

	"sentry/pkg/vm"
)

// The ELF header and program headers are parsed here, by hand, instead of
// with debug/elf: debug/elf trusts sizes in the file (section tables,
// segment sizes) and allocates from them, while everything below is
// checked before any byte is allocated, in the order and with the errnos
// of Linux's binfmt_elf (load_elf_phdrs, load_elf_binary).

const (
	ehdrSize = 64 // sizeof(Elf64_Ehdr)
	phdrSize = 56 // sizeof(Elf64_Phdr)
	// maxPhdrBytes bounds e_phnum*e_phentsize like load_elf_phdrs
	// (ELF_MIN_ALIGN): 73 program headers at most.
	maxPhdrBytes = pageSize
)

// elfHeader is the part of Elf64_Ehdr the loader uses.
type elfHeader struct {
	typ     elf.Type
	machine elf.Machine
	entry   uint64
	phoff   uint64
	phnum   int
}

// progHeader is one Elf64_Phdr.
type progHeader struct {
	typ    elf.ProgType
	flags  elf.ProgFlag
	off    uint64
	vaddr  uint64
	filesz uint64
	memsz  uint64
	align  uint64
}

// readELF reads and checks the ELF header and program headers of f for
// machine m (e_type is the caller's to check: Linux checks a main
// program's before and an interpreter's after the point of no return). Every failure is ENOEXEC, as binfmt_elf answers for a file
// it does not recognise (the caller turns it into ELIBBAD for an
// interpreter).
func readELF(f io.ReaderAt, m elf.Machine) (elfHeader, []progHeader, error) {
	var b [ehdrSize]byte
	if n, _ := f.ReadAt(b[:], 0); n < len(b) {
		return elfHeader{}, nil, fmt.Errorf("short ELF header: %w", unix.ENOEXEC)
	}
	if string(b[:4]) != elf.ELFMAG {
		return elfHeader{}, nil, fmt.Errorf("not an ELF file: %w", unix.ENOEXEC)
	}
	le := binary.LittleEndian
	h := elfHeader{
		typ:     elf.Type(le.Uint16(b[16:])),
		machine: elf.Machine(le.Uint16(b[18:])),
		entry:   le.Uint64(b[24:]),
		phoff:   le.Uint64(b[32:]),
		phnum:   int(le.Uint16(b[56:])),
	}
	if elf.Class(b[elf.EI_CLASS]) != elf.ELFCLASS64 || elf.Data(b[elf.EI_DATA]) != elf.ELFDATA2LSB || h.machine != m {
		return elfHeader{}, nil, fmt.Errorf("ELF for %v %v, not %v: %w", elf.Class(b[elf.EI_CLASS]), h.machine, m, unix.ENOEXEC)
	}
	if phentsize := le.Uint16(b[54:]); phentsize != phdrSize {
		return elfHeader{}, nil, fmt.Errorf("e_phentsize %d, want %d: %w", phentsize, phdrSize, unix.ENOEXEC)
	}
	size := h.phnum * phdrSize
	if size == 0 || size > maxPhdrBytes {
		return elfHeader{}, nil, fmt.Errorf("%d program headers: %w", h.phnum, unix.ENOEXEC)
	}
	if h.phoff > 1<<62 {
		return elfHeader{}, nil, fmt.Errorf("e_phoff %#x: %w", h.phoff, unix.ENOEXEC)
	}
	raw := make([]byte, size)
	if n, _ := f.ReadAt(raw, int64(h.phoff)); n < size {
		return elfHeader{}, nil, fmt.Errorf("program headers past the end of the file: %w", unix.ENOEXEC)
	}
	ph := make([]progHeader, h.phnum)
	for i := range ph {
		r := raw[i*phdrSize:]
		ph[i] = progHeader{
			typ:    elf.ProgType(le.Uint32(r[0:])),
			flags:  elf.ProgFlag(le.Uint32(r[4:])),
			off:    le.Uint64(r[8:]),
			vaddr:  le.Uint64(r[16:]),
			filesz: le.Uint64(r[32:]),
			memsz:  le.Uint64(r[40:]),
			align:  le.Uint64(r[48:]),
		}
	}
	return h, ph, nil
}

// readInterp reads the PT_INTERP path p names, checked like
// load_elf_binary: 2..PATH_MAX bytes, NUL-terminated.
func readInterp(f io.ReaderAt, p progHeader) (string, error) {
	if p.filesz > unix.PathMax || p.filesz < 2 {
		return "", fmt.Errorf("PT_INTERP of %d bytes: %w", p.filesz, unix.ENOEXEC)
	}
	if p.off > 1<<62 {
		return "", fmt.Errorf("PT_INTERP at offset %#x: %w", p.off, unix.EIO)
	}
	b := make([]byte, p.filesz)
	if n, err := f.ReadAt(b, int64(p.off)); n < len(b) {
		if err == nil || errors.Is(err, io.EOF) {
			err = unix.EIO
		}
		return "", fmt.Errorf("read PT_INTERP: %w", err)
	}
	if b[len(b)-1] != 0 {
		return "", fmt.Errorf("PT_INTERP not NUL-terminated: %w", unix.ENOEXEC)
	}
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	return string(b), nil
}

// checkLoads checks the PT_LOAD segments before anything is mapped and
// returns the page-aligned range [lo, hi) they span (as link-time
// addresses). Linux answers EINVAL for a segment whose sizes cannot be
// right (p_filesz > p_memsz, p_memsz or its end beyond TASK_SIZE) and for
// a file offset that is not congruent to the address (mmap's EINVAL);
// the sentry checks the same before mapping anything, with arithmetic
// that cannot overflow. Segments must also be in ascending order and not
// overlap, as the ELF specification requires: Linux does not check that
// (a later segment is mapped over an earlier one), but no linker emits
// it and a reservation computed from the first and last segment (Linux's
// total_mapping_size) is only right for ordered segments.
func checkLoads(loads []progHeader) (lo, hi uint64, err error) {
	if len(loads) == 0 {
		return 0, 0, fmt.Errorf("no loadable segments: %w", unix.ENOEXEC)
	}
	var prevEnd uint64
	for i, p := range loads {
		switch {
		case p.filesz > p.memsz:
			return 0, 0, fmt.Errorf("PT_LOAD p_filesz %#x > p_memsz %#x: %w", p.filesz, p.memsz, unix.EINVAL)
		case p.memsz > vm.TaskSize || p.vaddr > vm.TaskSize-p.memsz:
			return 0, 0, fmt.Errorf("PT_LOAD [%#x, +%#x) beyond the address space: %w", p.vaddr, p.memsz, unix.EINVAL)
		case p.vaddr%pageSize != p.off%pageSize:
			return 0, 0, fmt.Errorf("PT_LOAD at %#x has offset %#x: %w", p.vaddr, p.off, unix.EINVAL)
		case p.off > 1<<62 || p.filesz > 1<<62:
			return 0, 0, fmt.Errorf("PT_LOAD file range [%#x, +%#x): %w", p.off, p.filesz, unix.EINVAL)
		case i > 0 && p.vaddr < prevEnd:
			return 0, 0, fmt.Errorf("PT_LOAD at %#x overlaps or precedes the previous one: %w", p.vaddr, unix.EINVAL)
		}
		prevEnd = p.vaddr + p.memsz
	}
	// Both bounds are at most TaskSize, so rounding cannot overflow.
	return pageDown(loads[0].vaddr), pageUp(prevEnd), nil
}
