package ptrace

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseMaps(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    []hostMapping
		wantErr bool
	}{
		{
			name: "stub after exec",
			text: "7ffffe000000-7ffffe001000 r-xp 00000000 00:01 1234                       /memfd:sentry-stub (deleted)\n" +
				"7ffd5c3f2000-7ffd5c413000 rw-p 00000000 00:00 0                          [stack]\n" +
				"7ffd5c5e4000-7ffd5c5e8000 r--p 00000000 00:00 0                          [vvar]\n" +
				"7ffd5c5e8000-7ffd5c5ea000 r-xp 00000000 00:00 0                          [vdso]\n" +
				"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n",
			want: []hostMapping{
				{0x7ffffe000000, 0x7ffffe001000, "/memfd:sentry-stub (deleted)"},
				{0x7ffd5c3f2000, 0x7ffd5c413000, "[stack]"},
				{0x7ffd5c5e4000, 0x7ffd5c5e8000, "[vvar]"},
				{0x7ffd5c5e8000, 0x7ffd5c5ea000, "[vdso]"},
				{0xffffffffff600000, 0xffffffffff601000, "[vsyscall]"},
			},
		},
		{name: "anonymous", text: "1000-2000 rw-p 00000000 00:00 0\n", want: []hostMapping{{0x1000, 0x2000, ""}}},
		{name: "empty", text: "", want: nil},
		{name: "short line", text: "1000-2000 rw-p\n", wantErr: true},
		{name: "no dash", text: "10002000 rw-p 00000000 00:00 0\n", wantErr: true},
		{name: "not hex", text: "10x0-2000 rw-p 00000000 00:00 0\n", wantErr: true},
		{name: "empty range", text: "2000-2000 rw-p 00000000 00:00 0\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMaps(tt.text)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		m    hostMapping
		want mappingRole
	}{
		{hostMapping{stubBase, stubBase + stubSize, "/memfd:sentry-stub (deleted)"}, roleStub},
		{hostMapping{0x7ffd0000, 0x7ffd2000, "[vdso]"}, roleVDSO},
		{hostMapping{0x7ffc0000, 0x7ffc4000, "[vvar]"}, roleVVAR},
		{hostMapping{0x7ffc4000, 0x7ffc8000, "[vvar_vclock]"}, roleVVAR},
		{hostMapping{0xffffffffff600000, 0xffffffffff601000, "[vsyscall]"}, roleIgnored},
		{hostMapping{0x7ffd5c3f2000, 0x7ffd5c413000, "[stack]"}, roleUnmap},
		{hostMapping{0x1000, 0x2000, ""}, roleUnmap},
		{hostMapping{0x1000, 0x2000, "/usr/lib/libc.so.6"}, roleUnmap},
	}
	for _, tt := range tests {
		if got := classify(tt.m); got != tt.want {
			t.Errorf("classify(%+v) = %v, want %v", tt.m, got, tt.want)
		}
	}
}

func TestStubImage(t *testing.T) {
	img := stubImage()
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("the stub image is not an ELF file: %v", err)
	}
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || f.Type != elf.ET_EXEC {
		t.Errorf("class %v machine %v type %v", f.Class, f.Machine, f.Type)
	}
	if f.Entry != stubBase+stubEntryOffset {
		t.Errorf("entry %#x", f.Entry)
	}
	var loads int
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_LOAD:
			loads++
			if p.Vaddr != stubBase || p.Off != 0 || p.Filesz != stubSize || p.Memsz != stubSize || p.Flags != elf.PF_R|elf.PF_X {
				t.Errorf("PT_LOAD %+v", p.ProgHeader)
			}
		case elf.PT_GNU_STACK:
			if p.Flags&elf.PF_X != 0 {
				t.Errorf("executable stack requested")
			}
		default:
			t.Errorf("unexpected program header %v", p.Type)
		}
	}
	if loads != 1 {
		t.Errorf("%d PT_LOAD headers, want 1", loads)
	}
	if got := img[stubCodeOffset : stubCodeOffset+3]; !bytes.Equal(got, []byte{0x0f, 0x05, 0xcc}) {
		t.Errorf("stub code % x, want syscall; int3", got)
	}
}

// runFilter interprets the subset of classic BPF the stub filter uses, over
// a struct seccomp_data.
func runFilter(t *testing.T, prog []unix.SockFilter, data []byte) uint32 {
	t.Helper()
	var acc uint32
	for pc := 0; pc < len(prog); pc++ {
		ins := prog[pc]
		switch ins.Code {
		case bpfLdAbsW:
			acc = binary.LittleEndian.Uint32(data[ins.K:])
		case bpfJeqK:
			if acc == ins.K {
				pc += int(ins.Jt)
			} else {
				pc += int(ins.Jf)
			}
		case bpfRetK:
			return ins.K
		default:
			t.Fatalf("unexpected opcode %#x at %d", ins.Code, pc)
		}
	}
	t.Fatalf("filter fell off its end")
	return 0
}

func TestStubFilter(t *testing.T) {
	type call struct {
		arch uint32
		ip   uint64
		nr   uint32
		fd   uint64
	}
	ok := func(nr uint32, fd uint64) call { return call{unix.AUDIT_ARCH_X86_64, stubAfterSys, nr, fd} }
	tests := []struct {
		name string
		c    call
		want uint32
	}{
		{"mmap of the memory file", ok(unix.SYS_MMAP, stubMemFD), unix.SECCOMP_RET_ALLOW},
		{"mmap of the memory file, high fd bits ignored", ok(unix.SYS_MMAP, 0xffffffff00000000|stubMemFD), unix.SECCOMP_RET_ALLOW},
		{"mmap of another fd", ok(unix.SYS_MMAP, 1), unix.SECCOMP_RET_KILL_PROCESS},
		{"anonymous mmap", ok(unix.SYS_MMAP, 0xffffffffffffffff), unix.SECCOMP_RET_KILL_PROCESS},
		{"munmap", ok(unix.SYS_MUNMAP, 0), unix.SECCOMP_RET_ALLOW},
		{"mprotect (never injected)", ok(unix.SYS_MPROTECT, 0), unix.SECCOMP_RET_KILL_PROCESS},
		{"clone", ok(unix.SYS_CLONE, 0), unix.SECCOMP_RET_ALLOW},
		{"exit", ok(unix.SYS_EXIT, 0), unix.SECCOMP_RET_ALLOW},
		{"exit_group", ok(unix.SYS_EXIT_GROUP, 0), unix.SECCOMP_RET_ALLOW},
		{"getpid", ok(unix.SYS_GETPID, 0), unix.SECCOMP_RET_KILL_PROCESS},
		{"open", ok(unix.SYS_OPEN, 0), unix.SECCOMP_RET_KILL_PROCESS},
		{"execve", ok(unix.SYS_EXECVE, 0), unix.SECCOMP_RET_KILL_PROCESS},
		{"x32 munmap", ok(unix.SYS_MUNMAP|0x40000000, 0), unix.SECCOMP_RET_KILL_PROCESS},
		{"i386 arch", call{unix.AUDIT_ARCH_I386, stubAfterSys, unix.SYS_MUNMAP, 0}, unix.SECCOMP_RET_KILL_PROCESS},
		{"clone from the clone site", call{unix.AUDIT_ARCH_X86_64, cloneAfterSys, unix.SYS_CLONE, 0}, unix.SECCOMP_RET_ALLOW},
		{"from another ip", call{unix.AUDIT_ARCH_X86_64, 0x400002, unix.SYS_MUNMAP, 0}, unix.SECCOMP_RET_KILL_PROCESS},
		{"ip differing in the high half", call{unix.AUDIT_ARCH_X86_64, stubAfterSys & 0xffffffff, unix.SYS_MUNMAP, 0}, unix.SECCOMP_RET_KILL_PROCESS},
	}
	prog := stubFilter()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := make([]byte, 64)
			le := binary.LittleEndian
			le.PutUint32(data[seccompDataNR:], tt.c.nr)
			le.PutUint32(data[seccompDataArch:], tt.c.arch)
			le.PutUint64(data[seccompDataIPLow:], tt.c.ip)
			le.PutUint64(data[seccompDataArg4Lo:], tt.c.fd)
			if got := runFilter(t, prog, data); got != tt.want {
				t.Errorf("filter returned %#x, want %#x", got, tt.want)
			}
		})
	}
}

func TestEncodeFilter(t *testing.T) {
	prog := []unix.SockFilter{{Code: bpfRetK, Jt: 1, Jf: 2, K: 0x11223344}}
	got := encodeFilter(prog, 0x1000)
	want := []byte{
		1, 0, 0, 0, 0, 0, 0, 0, // len, padding
		0x10, 0x10, 0, 0, 0, 0, 0, 0, // filter pointer = at+16
		0x06, 0x00, 1, 2, 0x44, 0x33, 0x22, 0x11,
	}
	if !bytes.Equal(got, want) {
		t.Errorf("got % x\nwant % x", got, want)
	}
}
