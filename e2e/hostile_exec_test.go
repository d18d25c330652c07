package e2e

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// Hostile executables: a shell inside the sandbox execs crafted and
// randomly mutated ELFs and scripts. Each must end in an errno from execve
// or in the program running (and exiting or dying of a signal); the
// sentry must survive all of them, so the shell prints its final marker.

// tinyELF is a minimal executable for m: one PT_LOAD over the whole file
// (plus bss) and a PT_NOTE the cases turn into other kinds.
func tinyELF(m elf.Machine) []byte {
	const size = 0x200
	b := make([]byte, size)
	le := binary.LittleEndian
	copy(b, elf.ELFMAG)
	b[elf.EI_CLASS], b[elf.EI_DATA], b[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), 1
	le.PutUint16(b[16:], uint16(elf.ET_EXEC))
	le.PutUint16(b[18:], uint16(m))
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], 0x400100)
	le.PutUint64(b[32:], 64)
	le.PutUint16(b[52:], 64)
	le.PutUint16(b[54:], 56)
	le.PutUint16(b[56:], 2)
	le.PutUint32(b[64:], uint32(elf.PT_LOAD))
	le.PutUint32(b[68:], uint32(elf.PF_R|elf.PF_X))
	le.PutUint64(b[64+16:], 0x400000)
	le.PutUint64(b[64+24:], 0x400000)
	le.PutUint64(b[64+32:], size)
	le.PutUint64(b[64+40:], size+0x2000)
	le.PutUint32(b[120:], uint32(elf.PT_NOTE))
	le.PutUint64(b[120+8:], 0x180)
	le.PutUint64(b[120+32:], 8)
	return b
}

// hostileCase is one crafted file and what Linux's execve does with it:
// returns errno, or (errno "") fails past its point of no return and
// kills the process with SIGSEGV.
type hostileCase struct {
	name  string
	body  []byte
	errno string
}

// segv marks a case Linux kills with SIGSEGV.
const segv = ""

func craftedExecs(m elf.Machine) []hostileCase {
	le := binary.LittleEndian
	with := func(f func(b []byte)) []byte { b := tinyELF(m); f(b); return b }
	interp := func(b []byte, size uint64) {
		le.PutUint32(b[120:], uint32(elf.PT_INTERP))
		le.PutUint64(b[120+32:], size)
	}
	long := "#!/" + strings.Repeat("a", 300)
	return []hostileCase{
		{"interp-2p40", with(func(b []byte) { interp(b, 1<<40) }), "ENOEXEC"},
		{"interp-huge", with(func(b []byte) { interp(b, ^uint64(0)) }), "ENOEXEC"},
		{"interp-unterminated", with(func(b []byte) { copy(b[0x180:], "/bin/sh!"); interp(b, 8) }), "ENOEXEC"},
		{"phnum-65535", with(func(b []byte) { le.PutUint16(b[56:], 0xffff) }), "ENOEXEC"},
		{"phnum-0", with(func(b []byte) { le.PutUint16(b[56:], 0) }), "ENOEXEC"},
		{"phentsize-1", with(func(b []byte) { le.PutUint16(b[54:], 1) }), "ENOEXEC"},
		{"phoff-max", with(func(b []byte) { le.PutUint64(b[32:], ^uint64(0)) }), "ENOEXEC"},
		{"truncated", tinyELF(m)[:50], "ENOEXEC"},
		{"filesz-gt-memsz", with(func(b []byte) { le.PutUint64(b[64+40:], 0x10) }), segv},
		{"memsz-max", with(func(b []byte) { le.PutUint64(b[64+40:], ^uint64(0)) }), segv},
		{"vaddr-wraps", with(func(b []byte) { le.PutUint64(b[64+16:], ^uint64(0xfff)) }), segv},
		{"kernel-half", with(func(b []byte) { le.PutUint64(b[64+16:], 0xffff800000000000) }), segv},
		{"entry-vsyscall", with(func(b []byte) { le.PutUint64(b[24:], 0xffffffffff600000) }), segv},
		{"script-empty", []byte("#!\n"), "ENOEXEC"},
		{"script-truncated", []byte(long), "ENOEXEC"},
		{"script-missing", []byte("#!/no/such/interp\n"), "ENOENT"},
	}
}

// mutateELF changes 1-3 header fields or bytes of a copy of orig.
func mutateELF(r *rand.Rand, orig []byte) []byte {
	b := append([]byte(nil), orig...)
	le := binary.LittleEndian
	values := []uint64{0, 1, 0x38, 0xfff, 0x1000, 1 << 32, 1 << 40, 1 << 47, 1 << 63, ^uint64(0), 0xffffffffff600000}
	phoff, phnum := int(le.Uint64(b[32:])), int(le.Uint16(b[56:]))
	for n := 1 + r.Intn(3); n > 0; n-- {
		v := values[r.Intn(len(values))]
		if r.Intn(4) == 0 {
			v = r.Uint64()
		}
		switch r.Intn(3) {
		case 0:
			switch r.Intn(4) {
			case 0:
				le.PutUint64(b[24:], v)
			case 1:
				le.PutUint64(b[32:], v)
			case 2:
				le.PutUint16(b[54:], uint16(v))
			case 3:
				le.PutUint16(b[56:], uint16(v))
			}
		case 1:
			ph := phoff + r.Intn(phnum)*56
			if r.Intn(3) == 0 {
				le.PutUint32(b[ph:], uint32([]elf.ProgType{elf.PT_LOAD, elf.PT_INTERP, elf.PT_PHDR}[r.Intn(3)]))
			}
			le.PutUint64(b[ph+8+8*r.Intn(6):], v)
		case 2:
			b[r.Intn(phoff+phnum*56)] = byte(r.Intn(256))
		}
	}
	return b
}

var execLine = regexp.MustCompile(`(?m)^(\S+) status (\d+)$`)

// runHostileExecs writes the cases and mutations into a volume and runs
// them from a busybox shell in the sandbox; it returns each file's
// tryexec output and shell status.
func runHostileExecs(t *testing.T, root, busybox, tryexec string, m elf.Machine, real []byte) {
	dir := t.TempDir()
	cases := craftedExecs(m)
	r := rand.New(rand.NewSource(14))
	for i := 0; i < 60; i++ {
		cases = append(cases, hostileCase{fmt.Sprintf("mut%03d", i), mutateELF(r, real), "any"})
	}
	for _, c := range cases {
		if err := os.WriteFile(filepath.Join(dir, c.name), c.body, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(tryexec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tryexec"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	// timeout: a mutation that loads may run into a loop; killing it is
	// an outcome like any other.
	script := `cd /v; for f in interp* ph* trunc* filesz* memsz* vaddr* kernel* entry* script* mut*; do ` +
		busybox + ` timeout -s KILL 30 /v/tryexec /v/$f </dev/null >/v/out.$f 2>&1; echo "$f status $?"; done; echo HOSTILE-DONE`
	args := []string{"run"}
	if root != "" {
		args = append(args, "--root", root)
	}
	args = append(args, "-v", dir+":/v", busybox, "sh", "-c", script)
	got := sentry(t, args...)
	if got.status != 0 || !strings.HasSuffix(got.stdout, "HOSTILE-DONE\n") {
		t.Fatalf("shell did not survive: status %d\nstdout %s\nstderr %s", got.status, tail(got.stdout, 3000), tail(got.stderr, 3000))
	}
	seen := map[string]string{}
	for _, mm := range execLine.FindAllStringSubmatch(got.stdout, -1) {
		seen[mm[1]] = mm[2]
	}
	for _, c := range cases {
		st, ok := seen[c.name]
		if !ok {
			t.Errorf("%s: no status line", c.name)
			continue
		}
		out, _ := os.ReadFile(filepath.Join(dir, "out."+c.name))
		switch c.errno {
		case "any":
		case segv:
			// (the shell's "Segmentation fault" lands in the
			// redirected output)
			if st != "139" || strings.Contains(string(out), "errno") {
				t.Errorf("%s: status %s output %q, want death by SIGSEGV", c.name, st, out)
			}
		default:
			want := fmt.Sprintf("/v/%s errno %s\n", c.name, c.errno)
			if st != "100" || string(out) != want {
				t.Errorf("%s: status %s output %q, want %q", c.name, st, out, want)
			}
		}
	}
	if strings.Contains(got.stderr, "goroutine ") || strings.Contains(got.stderr, "panic") {
		t.Errorf("sentry stderr: %s", tail(got.stderr, 3000))
	}
}

// TestHostileExecsFailCleanlyAMD64: crafted and mutated amd64 ELFs exec'd
// from busybox sh in the sandbox; the crafted ones' errnos are checked
// against the host kernel's first.
func TestHostileExecsFailCleanlyAMD64(t *testing.T) {
	tryexec := buildC(t, "tryexec", "-static")
	hello := buildC(t, "hello", "-static")
	real, err := os.ReadFile(hello)
	if err != nil {
		t.Fatal(err)
	}
	// The expected errnos are Linux's: check them natively.
	dir := t.TempDir()
	for _, c := range craftedExecs(elf.EM_X86_64) {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.body, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(tryexec, p)
		out, _ := cmd.Output()
		if c.errno == segv {
			if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGSEGV {
				t.Errorf("natively %s: %v, output %q; want death by SIGSEGV", c.name, cmd.ProcessState, out)
			}
		} else if want := p + " errno " + c.errno + "\n"; string(out) != want {
			t.Errorf("natively %s: %q, want %q", c.name, out, want)
		}
	}
	runHostileExecs(t, "", "/usr/bin/busybox", tryexec, elf.EM_X86_64, real)
}

// TestHostileExecsFailCleanlyRISCV64: the same from riscv64 busybox.
func TestHostileExecsFailCleanlyRISCV64(t *testing.T) {
	root := riscvRoot(t)
	tryexec := buildRISCVFrom(t, filepath.Join("c", "tryexec.c"))
	hello := buildRISCVFrom(t, filepath.Join("c", "hello.c"))
	real, err := os.ReadFile(hello)
	if err != nil {
		t.Fatal(err)
	}
	runHostileExecs(t, root, "/bin/busybox", tryexec, elf.EM_RISCV, real)
}
