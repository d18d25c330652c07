package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// riscv64 programs run by the interpreter platform. Programs are
// cross-compiled by the tests: C with Debian's riscv64-linux-gnu-gcc, Go
// with GOARCH=riscv64. qemu-riscv64 (Debian's qemu-user) is the oracle:
// a program's output under the sentry must match it byte for byte.

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (make deps installs gcc-riscv64-linux-gnu and qemu-user)", name)
	}
	return p
}

// buildRISCV compiles testdata/riscv/NAME.c statically for riscv64.
func buildRISCV(t *testing.T, name string) string {
	t.Helper()
	gcc := needTool(t, "riscv64-linux-gnu-gcc")
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command(gcc, "-O2", "-static", "-pthread", "-o", out, filepath.Join("..", "testdata", "riscv", name+".c"), "-lm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("riscv64 gcc %s: %v\n%s", name, err, b)
	}
	return out
}

// buildRISCVFrom compiles SRC (a path under testdata) statically for riscv64.
func buildRISCVFrom(t *testing.T, src string) string {
	t.Helper()
	gcc := needTool(t, "riscv64-linux-gnu-gcc")
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(src), ".c"))
	cmd := exec.Command(gcc, "-O1", "-static", "-pthread", "-o", out, filepath.Join("..", "testdata", src), "-lm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("riscv64 gcc %s: %v\n%s", src, err, b)
	}
	return out
}

// TestRISCVSharedProgramsMatchQemu runs the amd64 e2e suite's C programs
// (threads, bad pointers, unknown syscalls, SIGSEGV, file locks and their
// deadlock detection, PI futexes, CPU-time timers, SIGBUS past the end of
// a mapped file, TCP urgent data) built for riscv64 and compares them with
// qemu-riscv64. (fsmisc is left out: it reports the
// sandbox's overlay filesystem, which qemu does not have; futex_pi runs
// without its robust mutexes, qemu-user having no robust lists.)
func TestRISCVSharedProgramsMatchQemu(t *testing.T) {
	for _, p := range []struct {
		name string
		args []string
	}{
		{"hello", nil}, {"threads", nil}, {"efault", nil}, {"enosys", nil}, {"segv", nil}, {"fslocks", nil},
		{"fsdeadlock", nil}, {"futex_pi", []string{"norobust"}}, {"cputimers", nil}, {"net_oob", nil},
		{"mmap_sigbus", nil}, {"mmap_sigbus", []string{"uncaught"}},
	} {
		name := p.name
		t.Run(name, func(t *testing.T) {
			prog := buildRISCVFrom(t, filepath.Join("c", name+".c"))
			want := qemu(t, prog, p.args...)
			got := sentry(t, append([]string{"run", prog}, p.args...)...)
			if got.status != want.status || got.stdout != want.stdout {
				t.Errorf("sentry: status %d stdout %q stderr %q\nqemu: status %d stdout %q", got.status, got.stdout, got.stderr, want.status, want.stdout)
			}
		})
	}
}

// buildGoRISCV builds testdata/riscv/NAME (a Go main package) for riscv64.
func buildGoRISCV(t *testing.T, name string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = filepath.Join("..", "testdata", "riscv", name)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=riscv64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOARCH=riscv64 go build %s: %v\n%s", name, err, b)
	}
	return out
}

func qemu(t *testing.T, prog string, args ...string) result {
	t.Helper()
	q := needTool(t, "qemu-riscv64")
	cmd := exec.Command(q, append([]string{prog}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	_ = cmd.Run()
	return result{out.String(), errb.String(), shellStatus(cmd.ProcessState)}
}

// shellStatus is a finished process's status as a shell reports it
// (128+N for death by signal N).
func shellStatus(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// TestRISCVMatchesQemu: integer/M/C code, F/D in every rounding mode with
// flags, A with threads, and signal frames (siginfo, ucontext pc and
// registers, FP state kept across a handler, sigaltstack, masks), and an
// FP-bound program (fpbench: n-body, Mandelbrot, conversions, FMAs, in
// each rounding mode, printing results in hex and fflags) produce qemu's
// output exactly, with the translator (--jit on, the default) and
// with the interpreter alone.
func TestRISCVMatchesQemu(t *testing.T) {
	for _, c := range []struct{ name, jit string }{
		{"isa_int", "on"}, {"isa_fp", "on"}, {"atomics", "on"}, {"signals", "on"}, {"fpbench", "on"},
		{"isa_int", "off"}, {"isa_fp", "off"}, {"atomics", "off"}, {"signals", "off"}, {"fpbench", "off"},
	} {
		name := c.name
		t.Run(name+"/jit-"+c.jit, func(t *testing.T) {
			prog := buildRISCV(t, name)
			want := qemu(t, prog)
			got := sentry(t, "run", "--jit", c.jit, prog)
			if got.status != want.status {
				t.Errorf("status %d, qemu %d; stderr: %s", got.status, want.status, got.stderr)
			}
			if got.stdout != want.stdout {
				gl, wl := strings.Split(got.stdout, "\n"), strings.Split(want.stdout, "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Fatalf("output differs from qemu's at line %d:\nsentry: %s\nqemu:   %s", i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("output differs from qemu's in length: %d lines vs %d", len(gl), len(wl))
			}
		})
	}
}

// TestRISCVGoProgram: a GOARCH=riscv64 Go program (threads, futexes,
// preemption signals through the sentry's rt_sigreturn trampoline).
func TestRISCVGoProgram(t *testing.T) {
	prog := buildGoRISCV(t, "goprog")
	got := sentry(t, "run", prog)
	if got.status != 0 || !strings.Contains(got.stdout, "channel 499500 true") {
		t.Fatalf("status %d\nstdout: %s\nstderr: %s", got.status, got.stdout, got.stderr)
	}
	if _, err := exec.LookPath("qemu-riscv64"); err == nil {
		if want := qemu(t, prog); got.stdout != want.stdout {
			t.Errorf("output differs from qemu's:\nsentry: %s\nqemu:   %s", got.stdout, want.stdout)
		}
	}
}

// TestRISCVIllegalInstruction: SIGILL kills the program as a shell shows it.
func TestRISCVIllegalInstruction(t *testing.T) {
	prog := buildRISCV(t, "sigill")
	got := sentry(t, "run", "--strace", prog)
	if got.status != 132 || !strings.Contains(got.stderr, "Illegal instruction") {
		t.Fatalf("status %d, stderr: %s", got.status, got.stderr)
	}
	if !strings.Contains(got.stderr, "SIGILL {si_signo=SIGILL, si_code=ILL_ILLOPC, si_addr=0x") {
		t.Errorf("no SIGILL with its address in the trace: %s", got.stderr)
	}
}

// TestRISCVPlatformChoice: the ELF machine picks the platform; a machine
// the sentry cannot run is a one-line error with status 126, and so is
// forcing the wrong platform.
func TestRISCVPlatformChoice(t *testing.T) {
	dir := t.TempDir()
	arm := filepath.Join(dir, "arm64prog")
	hdr := make([]byte, 64)
	copy(hdr, "\x7fELF\x02\x01\x01")
	hdr[16], hdr[18] = 2, 183 // ET_EXEC, EM_AARCH64
	if err := os.WriteFile(arm, hdr, 0o755); err != nil {
		t.Fatal(err)
	}
	got := sentry(t, "run", arm)
	if got.status != 126 || strings.Count(strings.TrimSpace(got.stderr), "\n") != 0 || !strings.Contains(got.stderr, "EM_AARCH64") {
		t.Errorf("aarch64 binary: status %d, stderr %q", got.status, got.stderr)
	}
	if _, err := exec.LookPath("riscv64-linux-gnu-gcc"); err != nil {
		return
	}
	prog := buildRISCV(t, "sigill")
	got = sentry(t, "run", "--platform", "ptrace", prog)
	if got.status != 126 || strings.Count(strings.TrimSpace(got.stderr), "\n") != 0 {
		t.Errorf("riscv64 binary forced onto ptrace: status %d, stderr %q", got.status, got.stderr)
	}
}

// riscvRoot is the Debian riscv64 root `make rootfs-riscv64` builds.
func riscvRoot(t *testing.T) string {
	t.Helper()
	root, _ := filepath.Abs(filepath.Join("..", "testdata", "rootfs", "riscv64"))
	if _, err := os.Stat(filepath.Join(root, "usr", "bin", "busybox")); err != nil {
		t.Fatal("no riscv64 root: run `make rootfs-riscv64` (make test does)")
	}
	return root
}

// TestRISCVBusyboxAndGlibc: Debian's static riscv64 busybox, and a
// dynamically linked riscv64 program using Debian's glibc (ld.so, libc,
// libm, ifuncs chosen through riscv_hwprobe).
func TestRISCVBusyboxAndGlibc(t *testing.T) {
	root := riscvRoot(t)
	got := sentry(t, "run", "--root", root, "/bin/busybox", "sh", "-c", "echo $((6*7)); test -x /usr/bin/redis-server && echo redis; printf '%s\\n' /usr/lib/riscv64-linux-gnu/libc.so*")
	if got.status != 0 || got.stdout != "42\nredis\n/usr/lib/riscv64-linux-gnu/libc.so.6\n" {
		t.Errorf("busybox sh: status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
	got = sentry(t, "run", "--root", root, "/bin/busybox", "sha256sum", "/etc/hosts")
	if want, err := exec.Command("sha256sum", filepath.Join(root, "etc", "hosts")).Output(); err == nil &&
		(got.status != 0 || strings.Fields(got.stdout)[0] != strings.Fields(string(want))[0]) {
		t.Errorf("busybox sha256sum: status %d stdout %q, host says %q", got.status, got.stdout, want)
	}
	got = sentry(t, "run", "--root", root, "/usr/bin/redis-server", "--version")
	if strings.Contains(got.stderr, "unsupported syscall pipe2") {
		t.Log("redis-server needs pipe2, which this kernel does not have yet")
	} else if got.status != 0 || !strings.Contains(got.stdout, "Redis server v=") {
		t.Errorf("redis-server --version: status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
	if _, err := exec.LookPath("riscv64-linux-gnu-gcc"); err == nil {
		dyn := filepath.Join(t.TempDir(), "isa_fp_dyn")
		cmd := exec.Command("riscv64-linux-gnu-gcc", "-O2", "-o", dyn, filepath.Join("..", "testdata", "riscv", "isa_fp.c"), "-lm")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, b)
		}
		got = sentry(t, "run", "--root", root, "-v", filepath.Dir(dyn)+":/t:ro", "/t/isa_fp_dyn")
		want := qemu(t, dyn)
		if want.status != 0 { // qemu needs the root as its sysroot
			want = qemuIn(t, root, dyn)
		}
		if got.status != 0 || got.stdout != want.stdout {
			t.Errorf("dynamic isa_fp: status %d, stderr %s; same output as qemu: %v", got.status, got.stderr, got.stdout == want.stdout)
		}
	}
}

func qemuIn(t *testing.T, root, prog string) result {
	t.Helper()
	q := needTool(t, "qemu-riscv64")
	cmd := exec.Command(q, "-L", root, prog)
	var out bytes.Buffer
	cmd.Stdout = &out
	_ = cmd.Run()
	return result{out.String(), "", cmd.ProcessState.ExitCode()}
}
