package loader

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
	"sentry/pkg/vfs"
	"sentry/pkg/vm"
)

// nopAS is an address space that accepts every mirror request: the loader
// tests look at what pkg/vm decides, not at a platform.
type nopAS struct{}

func (nopAS) MapFile(addr, length uint64, fileOffset int64, perms platform.Perms) error { return nil }
func (nopAS) Unmap(addr, length uint64) error                                           { return nil }
func (nopAS) Reserved() []platform.Range                                                { return nil }
func (nopAS) VDSO() uint64                                                              { return 0 }
func (nopAS) Release()                                                                  {}

// loadEnv is a filesystem whose /t is a writable host directory, and the
// memory file loads go into.
type loadEnv struct {
	dir string
	fs  *vfs.FS
	mf  *vm.MemoryFile
}

func newLoadEnv(t *testing.T) *loadEnv {
	t.Helper()
	dir := t.TempDir()
	fs, err := vfs.New(vfs.Options{HostRoot: "/", Volumes: []vfs.Volume{{Host: dir, Guest: "/t"}}})
	if err != nil {
		t.Fatal(err)
	}
	mf, err := vm.NewMemoryFile()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mf.Close() })
	return &loadEnv{dir: dir, fs: fs, mf: mf}
}

// put writes an executable file named name into /t.
func (e *loadEnv) put(t *testing.T, name string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(e.dir, name), b, 0o755); err != nil {
		t.Fatal(err)
	}
	return "/t/" + name
}

// load loads path for a into a fresh address space and drops it again.
func (e *loadEnv) load(a arch.Arch, path string) error {
	mm := vm.NewMM(e.mf, nopAS{})
	defer mm.Release()
	_, err := Load(Args{MM: mm, FS: e.fs, Cwd: e.fs.Root(), Path: path, Argv: []string{path}, Envp: []string{"A=1"}, Arch: a})
	return err
}

const (
	baseVaddr = 0x400000
	ehPhoff   = 32
	ehPhent   = 54
	ehPhnum   = 56
	phOff     = 8
	phVaddr   = 16
	phFilesz  = 32
	phMemsz   = 40
)

// tinyELF is a minimal valid executable for m: an ELF header, two program
// headers (a PT_LOAD covering the whole file plus bss, and a PT_NOTE the
// tests turn into other kinds) and a few bytes of "code".
func tinyELF(m elf.Machine) []byte {
	const size = 0x200
	b := make([]byte, size)
	le := binary.LittleEndian
	copy(b, elf.ELFMAG)
	b[elf.EI_CLASS], b[elf.EI_DATA], b[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), 1
	le.PutUint16(b[16:], uint16(elf.ET_EXEC))
	le.PutUint16(b[18:], uint16(m))
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], baseVaddr+0x100) // e_entry
	le.PutUint64(b[ehPhoff:], 64)
	le.PutUint16(b[52:], 64)
	le.PutUint16(b[ehPhent:], phdrSize)
	le.PutUint16(b[ehPhnum:], 2)
	ph := b[64:]
	le.PutUint32(ph[0:], uint32(elf.PT_LOAD))
	le.PutUint32(ph[4:], uint32(elf.PF_R|elf.PF_X))
	le.PutUint64(ph[phOff:], 0)
	le.PutUint64(ph[phVaddr:], baseVaddr)
	le.PutUint64(ph[24:], baseVaddr)
	le.PutUint64(ph[phFilesz:], size)
	le.PutUint64(ph[phMemsz:], size+0x3000)
	le.PutUint64(ph[48:], 0x1000)
	ph = b[64+phdrSize:]
	le.PutUint32(ph[0:], uint32(elf.PT_NOTE))
	le.PutUint64(ph[phOff:], 0x180)
	le.PutUint64(ph[phFilesz:], 8)
	copy(b[0x180:], "/t/ld\x00\x00\x00")
	return b
}

func put64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }
func put16(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }

// ph0 and ph1 are the offsets of the two program headers of tinyELF.
const (
	ph0 = 64
	ph1 = 64 + phdrSize
)

func interp(b []byte, off, size uint64) {
	binary.LittleEndian.PutUint32(b[ph1:], uint32(elf.PT_INTERP))
	put64(b, ph1+phOff, off)
	put64(b, ph1+phFilesz, size)
}

// TestLoadRejectsHostileELF loads crafted headers and wants binfmt_elf's
// errno for each, and no panic or out-of-memory on the way.
func TestLoadRejectsHostileELF(t *testing.T) {
	e := newLoadEnv(t)
	for _, a := range []arch.Arch{arch.AMD64, arch.RISCV64} {
		m := machineOf(a)
		other := elf.EM_RISCV
		if m == elf.EM_RISCV {
			other = elf.EM_X86_64
		}
		wrongMachine := tinyELF(other)
		e.put(t, "wrongld", wrongMachine)
		e.put(t, "scriptld", []byte("#!/bin/sh\n"))
		e.put(t, "loop1", []byte("#!/t/loop2\n"))
		e.put(t, "loop2", []byte("#!/t/loop1\n"))
		ld := tinyELF(m)
		put16(ld, 16, uint16(elf.ET_DYN))
		e.put(t, "ld", ld)
		relld := tinyELF(m)
		put16(relld, 16, uint16(elf.ET_REL))
		e.put(t, "relld", relld)
		cases := []struct {
			name   string
			mutate func(b []byte) []byte
			want   error // nil: loads
			late   bool  // fails past the point of no return
		}{
			{"valid static", func(b []byte) []byte { return b }, nil, false},
			{"valid with interpreter", func(b []byte) []byte { interp(b, 0x180, 6); return b }, nil, false},
			{"valid PIE", func(b []byte) []byte { put16(b, 16, uint16(elf.ET_DYN)); return b }, nil, false},
			{"truncated header", func(b []byte) []byte { return b[:40] }, unix.ENOEXEC, false},
			{"bad magic", func(b []byte) []byte { b[1] = 'X'; return b }, unix.ENOEXEC, false},
			{"32-bit class", func(b []byte) []byte { b[elf.EI_CLASS] = byte(elf.ELFCLASS32); return b }, unix.ENOEXEC, false},
			{"big endian", func(b []byte) []byte { b[elf.EI_DATA] = byte(elf.ELFDATA2MSB); return b }, unix.ENOEXEC, false},
			{"wrong machine", func(b []byte) []byte { put16(b, 18, uint16(other)); return b }, unix.ENOEXEC, false},
			{"relocatable", func(b []byte) []byte { put16(b, 16, uint16(elf.ET_REL)); return b }, unix.ENOEXEC, false},
			{"phentsize 32", func(b []byte) []byte { put16(b, ehPhent, 32); return b }, unix.ENOEXEC, false},
			{"phentsize 0xffff", func(b []byte) []byte { put16(b, ehPhent, 0xffff); return b }, unix.ENOEXEC, false},
			{"no program headers", func(b []byte) []byte { put16(b, ehPhnum, 0); return b }, unix.ENOEXEC, false},
			{"74 program headers", func(b []byte) []byte { put16(b, ehPhnum, 74); return b }, unix.ENOEXEC, false},
			{"65535 program headers", func(b []byte) []byte { put16(b, ehPhnum, 0xffff); return b }, unix.ENOEXEC, false},
			{"phoff past EOF", func(b []byte) []byte { put64(b, ehPhoff, 0x10000); return b }, unix.ENOEXEC, false},
			{"phoff 2^63", func(b []byte) []byte { put64(b, ehPhoff, 1<<63); return b }, unix.ENOEXEC, false},
			{"phoff 2^64-1", func(b []byte) []byte { put64(b, ehPhoff, ^uint64(0)); return b }, unix.ENOEXEC, false},
			{"PT_INTERP of 2^40 bytes", func(b []byte) []byte { interp(b, 0x180, 1<<40); return b }, unix.ENOEXEC, false},
			{"PT_INTERP of 2^64-1 bytes", func(b []byte) []byte { interp(b, 0x180, ^uint64(0)); return b }, unix.ENOEXEC, false},
			{"PT_INTERP of PATH_MAX+1 bytes", func(b []byte) []byte { interp(b, 0x180, unix.PathMax+1); return b }, unix.ENOEXEC, false},
			{"PT_INTERP of 1 byte", func(b []byte) []byte { interp(b, 0x180, 1); return b }, unix.ENOEXEC, false},
			{"PT_INTERP unterminated", func(b []byte) []byte { interp(b, 0x180, 5); return b }, unix.ENOEXEC, false},
			{"PT_INTERP past EOF", func(b []byte) []byte { interp(b, 0x1fe, 8); return b }, unix.EIO, false},
			{"PT_INTERP at 2^63", func(b []byte) []byte { interp(b, 1<<63, 8); return b }, unix.EIO, false},
			{"PT_INTERP at 2^64-8", func(b []byte) []byte { interp(b, ^uint64(7), 8); return b }, unix.EIO, false},
			{"PT_INTERP missing", func(b []byte) []byte { copy(b[0x180:], "/t/no\x00"); interp(b, 0x180, 6); return b }, unix.ENOENT, false},
			{"PT_INTERP empty", func(b []byte) []byte { copy(b[0x180:], "\x00\x00"); interp(b, 0x180, 2); return b }, unix.ENOENT, false},
			{"PT_INTERP a script", func(b []byte) []byte {
				copy(b[0x180:], "/t/scriptld\x00")
				interp(b, 0x180, 12)
				return b
			}, unix.ELIBBAD, false},
			{"PT_INTERP wrong machine", func(b []byte) []byte {
				copy(b[0x180:], "/t/wrongld\x00")
				interp(b, 0x180, 11)
				return b
			}, unix.ELIBBAD, false},
			{"PT_INTERP relocatable", func(b []byte) []byte {
				copy(b[0x180:], "/t/relld\x00")
				interp(b, 0x180, 9)
				return b
			}, unix.EINVAL, true},
			{"p_filesz > p_memsz", func(b []byte) []byte { put64(b, ph0+phMemsz, 0x100); return b }, unix.EINVAL, true},
			{"p_filesz > p_memsz = 0", func(b []byte) []byte { put64(b, ph0+phMemsz, 0); return b }, unix.EINVAL, true},
			{"p_memsz 2^64-1", func(b []byte) []byte { put64(b, ph0+phMemsz, ^uint64(0)); return b }, unix.EINVAL, true},
			{"p_memsz 2^47", func(b []byte) []byte { put64(b, ph0+phMemsz, 1<<47); return b }, unix.EINVAL, true},
			{"p_vaddr+p_memsz wraps", func(b []byte) []byte {
				put64(b, ph0+phVaddr, ^uint64(0xfff))
				put64(b, ph0+phMemsz, 0x2000)
				return b
			}, unix.EINVAL, true},
			{"segment in the kernel half", func(b []byte) []byte { put64(b, ph0+phVaddr, 0xffff800000000000); return b }, unix.EINVAL, true},
			{"segment ends past TASK_SIZE", func(b []byte) []byte { put64(b, ph0+phVaddr, vm.TaskSize-0x1000); return b }, unix.EINVAL, true},
			{"p_offset not congruent", func(b []byte) []byte { put64(b, ph0+phOff, 0x10); return b }, unix.EINVAL, true},
			{"p_offset 2^63", func(b []byte) []byte { put64(b, ph0+phOff, 1<<63); return b }, unix.EINVAL, true},
			{"p_filesz 2^62+ in file", func(b []byte) []byte {
				put64(b, ph0+phFilesz, 1<<63)
				put64(b, ph0+phMemsz, 1<<63)
				return b
			}, unix.EINVAL, true},
			{"overlapping segments", func(b []byte) []byte { copy(b[ph1:ph1+phdrSize], b[ph0:ph0+phdrSize]); return b }, unix.EINVAL, true},
			{"descending segments", func(b []byte) []byte {
				copy(b[ph1:ph1+phdrSize], b[ph0:ph0+phdrSize])
				put64(b, ph0+phVaddr, baseVaddr+0x100000)
				return b
			}, unix.EINVAL, true},
			{"no PT_LOAD", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[ph0:], uint32(elf.PT_NOTE)); return b }, unix.ENOEXEC, true},
			{"segment below mmap_min_addr", func(b []byte) []byte { put64(b, ph0+phVaddr, 0x1000); return b }, unix.EPERM, true},
			{"bss of 64 TiB", func(b []byte) []byte { put64(b, ph0+phMemsz, 1<<46); return b }, unix.ENOMEM, true},
			{"entry at the vsyscall page", func(b []byte) []byte { put64(b, 24, 0xffffffffff600000); return b }, unix.EINVAL, true},
			{"entry at 2^63", func(b []byte) []byte { put64(b, 24, 1<<63); return b }, unix.EINVAL, true},
		}
		for _, c := range cases {
			t.Run(fmt.Sprintf("%v/%s", a, c.name), func(t *testing.T) {
				path := e.put(t, "prog", c.mutate(tinyELF(m)))
				err := e.load(a, path)
				if c.want == nil {
					if err != nil {
						t.Fatalf("load: %v", err)
					}
					return
				}
				if !errors.Is(err, c.want) {
					t.Fatalf("load: %v, want %v", err, c.want)
				}
				if late := errors.Is(err, ErrNoReturn); late != c.late {
					t.Fatalf("load: %v: past the point of no return %v, want %v", err, late, c.late)
				}
			})
		}
	}
}

// TestLoadRejectsHostileScripts checks `#!` lines binfmt_script refuses.
func TestLoadRejectsHostileScripts(t *testing.T) {
	e := newLoadEnv(t)
	e.put(t, "loop1", []byte("#!/t/loop2\n"))
	e.put(t, "loop2", []byte("#!/t/loop1\n"))
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'a'
	}
	spaces := make([]byte, 300)
	for i := range spaces {
		spaces[i] = ' '
	}
	cases := []struct {
		name string
		body string
		want error
	}{
		{"empty #!", "#!\n", unix.ENOEXEC},
		{"only #!", "#!", unix.ENOEXEC},
		{"spaces only", "#!" + string(spaces), unix.ENOEXEC},
		{"truncated interpreter name", "#!/" + string(long), unix.ENOEXEC},
		{"NUL before the name", "#!\x00/bin/sh\n", unix.ENOEXEC},
		{"missing interpreter", "#!/t/none\n", unix.ENOENT},
		{"interpreter loop", "#!/t/loop1\n", unix.ELOOP},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := e.put(t, "script", []byte(c.body))
			if err := e.load(arch.AMD64, path); !errors.Is(err, c.want) {
				t.Fatalf("load: %v, want %v", err, c.want)
			}
		})
	}
}

// realELFs are real programs of both arches: the host's dynamic
// /bin/true and hello.c built static for amd64 and riscv64.
func realELFs(t *testing.T) map[string]struct {
	a arch.Arch
	b []byte
} {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Fatal("the mutation test builds amd64 programs with the host's gcc")
	}
	out := map[string]struct {
		a arch.Arch
		b []byte
	}{}
	add := func(name string, a arch.Arch, path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = struct {
			a arch.Arch
			b []byte
		}{a, b}
	}
	add("true", arch.AMD64, "/bin/true")
	src := filepath.Join("..", "..", "testdata", "c", "hello.c")
	for _, cc := range []struct {
		name, gcc string
		a         arch.Arch
	}{{"hello-amd64", "gcc", arch.AMD64}, {"hello-riscv64", "riscv64-linux-gnu-gcc", arch.RISCV64}} {
		bin := filepath.Join(t.TempDir(), cc.name)
		if b, err := exec.Command(cc.gcc, "-static", "-O1", "-o", bin, src).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cc.gcc, err, b)
		}
		add(cc.name, cc.a, bin)
	}
	return out
}

// interesting are values that break careless size arithmetic.
var interesting = []uint64{0, 1, 2, 0x38, 0xfff, 0x1000, 0x1001, 1 << 31, 1 << 32, 1 << 40, 1 << 46, 1 << 47,
	vm.TaskSize, vm.TaskSize - 0x1000, 1 << 62, 1 << 63, ^uint64(0), ^uint64(0xfff), 0xffffffffff600000}

// mutate changes 1-3 header fields or bytes of b (a copy).
func mutate(r *rand.Rand, orig []byte) []byte {
	b := append([]byte(nil), orig...)
	le := binary.LittleEndian
	phoff := int(le.Uint64(b[ehPhoff:]))
	phnum := int(le.Uint16(b[ehPhnum:]))
	for n := 1 + r.Intn(3); n > 0; n-- {
		v := interesting[r.Intn(len(interesting))]
		if r.Intn(4) == 0 {
			v = r.Uint64()
		}
		switch r.Intn(4) {
		case 0: // an ELF header field
			switch r.Intn(4) {
			case 0:
				le.PutUint64(b[24:], v)
			case 1:
				le.PutUint64(b[ehPhoff:], v)
			case 2:
				le.PutUint16(b[ehPhent:], uint16(v))
			case 3:
				le.PutUint16(b[ehPhnum:], uint16(v))
			}
		case 1, 2: // a program header field
			if phnum == 0 || phoff+phnum*phdrSize > len(b) {
				continue
			}
			ph := phoff + r.Intn(phnum)*phdrSize
			if r.Intn(3) == 0 {
				le.PutUint32(b[ph:], uint32([]elf.ProgType{elf.PT_LOAD, elf.PT_INTERP, elf.PT_PHDR, elf.PT_NULL}[r.Intn(4)]))
			}
			le.PutUint64(b[ph+8+8*r.Intn(6):], v)
		case 3: // random bytes anywhere in the headers
			end := phoff + phnum*phdrSize
			if end > len(b) || end <= 0 {
				end = 64
			}
			b[r.Intn(end)] = byte(r.Intn(256))
		}
	}
	if r.Intn(10) == 0 {
		b = b[:r.Intn(len(b))]
	}
	return b
}

// TestLoadSurvivesMutatedELFs loads thousands of randomly mutated real
// ELFs (fixed seed, so a failure reproduces): each load must end in an
// error or an image, and none may allocate absurdly from the Go heap.
func TestLoadSurvivesMutatedELFs(t *testing.T) {
	e := newLoadEnv(t)
	perELF := 1500
	if raceEnabled {
		perELF = 100
	}
	const maxHeap = 64 << 20
	for name, p := range realELFs(t) {
		if err := e.load(p.a, e.put(t, name, p.b)); err != nil {
			t.Fatalf("%s does not load unmutated: %v", name, err)
		}
		r := rand.New(rand.NewSource(14))
		var ok, failed int
		for i := 0; i < perELF; i++ {
			b := mutate(r, p.b)
			path := e.put(t, "m", b)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := e.load(p.a, path)
			runtime.ReadMemStats(&after)
			if d := after.TotalAlloc - before.TotalAlloc; d > maxHeap {
				t.Fatalf("%s mutation %d allocated %d bytes (err %v)", name, i, d, err)
			}
			if err != nil {
				failed++
			} else {
				ok++
			}
		}
		t.Logf("%s: %d mutations loaded, %d refused", name, ok, failed)
	}
}
