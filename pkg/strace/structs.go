package strace

import (
	"encoding/binary"
	"strings"

	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/arch"
)

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

func (c *call) timespec(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	b, ok := c.read(addr, 16)
	if !ok {
		return pointer(addr)
	}
	return "{tv_sec=" + dec64(le64(b)) + ", tv_nsec=" + dec64(le64(b[8:])) + "}"
}

// makedev renders a Linux dev_t the way strace does.
func makedev(d uint64) string {
	major := d>>8&0xfff | d>>32&^0xfff
	minor := d&0xff | d>>12&^0xff
	return "makedev(" + hex(major) + ", " + hex(minor&0xffffffff) + ")"
}

// stat renders struct stat; the layout differs: amd64 has its own, riscv64
// uses asm-generic's.
func (c *call) stat(addr uint64) string {
	var size, modeOff, rdevOff, sizeOff int
	if c.arch == arch.RISCV64 {
		size, modeOff, rdevOff, sizeOff = 128, 16, 32, 48
	} else {
		size, modeOff, rdevOff, sizeOff = 144, 24, 40, 48
	}
	b, ok := c.read(addr, size)
	if !ok {
		return pointer(addr)
	}
	m := uint64(le32(b[modeOff:]))
	s := "{st_mode=" + fileMode(m)
	if t := m & 0o170000; t == 0o20000 || t == 0o60000 {
		s += ", st_rdev=" + makedev(le64(b[rdevOff:]))
	} else {
		s += ", st_size=" + dec64(le64(b[sizeOff:]))
	}
	return s + ", ...}"
}

func (c *call) statx(addr uint64) string {
	b, ok := c.read(addr, 144)
	if !ok {
		return pointer(addr)
	}
	m := uint64(binary.LittleEndian.Uint16(b[28:]))
	s := "{stx_mask=" + flags(statxMaskTab, uint64(le32(b))) +
		", stx_attributes=" + hex(le64(b[8:])) +
		", stx_mode=" + fileMode(m)
	if t := m & 0o170000; t == 0o20000 || t == 0o60000 {
		s += ", stx_rdev_major=" + udec(uint64(le32(b[128:]))) + ", stx_rdev_minor=" + udec(uint64(le32(b[132:])))
	} else {
		s += ", stx_size=" + udec(le64(b[40:]))
	}
	return s + ", ...}"
}

func (c *call) utsname(addr uint64) string {
	b, ok := c.read(addr, 65*2)
	if !ok {
		return pointer(addr)
	}
	field := func(f []byte) string {
		for i, ch := range f {
			if ch == 0 {
				return quote(f[:i], false, false)
			}
		}
		return quote(f, false, true)
	}
	return "{sysname=" + field(b[:65]) + ", nodename=" + field(b[65:130]) + ", ...}"
}

func (c *call) sigsetAt(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	m, ok := c.u64(addr)
	if !ok {
		return pointer(addr)
	}
	return sigset(m)
}

// sigaction renders the kernel's struct sigaction: amd64 has sa_restorer
// before sa_mask; riscv64 has no sa_restorer.
func (c *call) sigaction(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	n, maskOff := 32, 24
	if c.arch == arch.RISCV64 {
		n, maskOff = 24, 16
	}
	b, ok := c.read(addr, n)
	if !ok {
		return pointer(addr)
	}
	var s strings.Builder
	s.WriteString("{sa_handler=")
	switch h := le64(b); h {
	case 0:
		s.WriteString("SIG_DFL")
	case 1:
		s.WriteString("SIG_IGN")
	default:
		s.WriteString(pointer(h))
	}
	fl := le64(b[8:])
	s.WriteString(", sa_mask=" + sigset(le64(b[maskOff:])) + ", sa_flags=" + flags(saFlagTab, fl))
	if c.arch != arch.RISCV64 && fl&linux.SA_RESTORER != 0 {
		s.WriteString(", sa_restorer=" + pointer(le64(b[16:])))
	}
	s.WriteByte('}')
	return s.String()
}

func rlim(v uint64, is64 bool) string {
	switch {
	case v == ^uint64(0) && is64:
		return "RLIM64_INFINITY"
	case v == ^uint64(0):
		return "RLIM_INFINITY"
	case v > 1024 && v%1024 == 0:
		return udec(v/1024) + "*1024"
	}
	return udec(v)
}

func (c *call) rlimit(addr uint64, is64 bool) string {
	if addr == 0 {
		return "NULL"
	}
	b, ok := c.read(addr, 16)
	if !ok {
		return pointer(addr)
	}
	return "{rlim_cur=" + rlim(le64(b), is64) + ", rlim_max=" + rlim(le64(b[8:]), is64) + "}"
}

func (c *call) flock(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	b, ok := c.read(addr, 32)
	if !ok {
		return pointer(addr)
	}
	return "{l_type=" + xval(lockTypeTab, uint64(binary.LittleEndian.Uint16(b)), "F_???") +
		", l_whence=" + xval(whenceTab, uint64(binary.LittleEndian.Uint16(b[2:])), "SEEK_???") +
		", l_start=" + dec64(le64(b[8:])) + ", l_len=" + dec64(le64(b[16:])) + "}"
}
