package e2e

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// layout is what testdata/c/aslr.c reports: its addresses by name, and
// the parent's and the forked child's /proc/self/maps.
type layout struct {
	addr          map[string]string
	parent, child string
}

func parseLayout(t *testing.T, r result) layout {
	t.Helper()
	if r.status != 0 {
		t.Fatalf("aslr: status %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}
	l := layout{addr: map[string]string{}}
	var sec *string
	for _, line := range strings.SplitAfter(r.stdout, "\n") {
		switch {
		case strings.HasPrefix(line, "--- parent"):
			sec = &l.parent
		case strings.HasPrefix(line, "--- child"):
			sec = &l.child
		case strings.HasPrefix(line, "--- end"):
			sec = nil
		case sec != nil:
			*sec += line
		default:
			if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
				l.addr[k] = v
			}
		}
	}
	for _, k := range []string{"pie", "libc", "stack", "brk", "mmap", "random"} {
		if l.addr[k] == "" {
			t.Fatalf("aslr printed no %s: %q", k, r.stdout)
		}
	}
	if l.parent == "" || l.parent != l.child {
		t.Errorf("a forked child's layout differs from its parent's:\nparent:\n%s\nchild:\n%s", l.parent, l.child)
	}
	return l
}

// checkASLR runs the layout program twice randomised and twice with
// personality(ADDR_NO_RANDOMIZE): the first two differ in every address,
// the last two agree on every address; AT_RANDOM differs every time.
func checkASLR(t *testing.T, run func(mode string) result, extra ...string) (random [2]layout, fixed layout) {
	a, b := parseLayout(t, run("layout")), parseLayout(t, run("layout"))
	for _, k := range append([]string{"pie", "libc", "stack", "brk", "mmap", "random"}, extra...) {
		if a.addr[k] == b.addr[k] {
			t.Errorf("two randomised runs put %s at the same place: %s", k, a.addr[k])
		}
	}
	c, d := parseLayout(t, run("norandom")), parseLayout(t, run("norandom"))
	for _, k := range []string{"pie", "libc", "stack", "brk", "mmap", "vdso"} {
		if c.addr[k] != d.addr[k] {
			t.Errorf("with ADDR_NO_RANDOMIZE, %s moved between runs: %s, %s", k, c.addr[k], d.addr[k])
		}
	}
	if c.parent != d.parent {
		t.Errorf("with ADDR_NO_RANDOMIZE, the maps differ between runs:\n%s\n%s", c.parent, d.parent)
	}
	if c.addr["random"] == d.addr["random"] {
		t.Errorf("AT_RANDOM is the same for two execs: %s", c.addr["random"])
	}
	if c.addr["personality"] != "0x40000" {
		t.Errorf("personality after exec = %s, want ADDR_NO_RANDOMIZE (0x40000) kept", c.addr["personality"])
	}
	return [2]layout{a, b}, c
}

// TestASLRRandomisesEachExec: the program, libc, the stack, the heap, new
// mappings and the vDSO are somewhere else on every run (amd64), a forked child
// keeps its parent's layout, and personality(ADDR_NO_RANDOMIZE) (what
// `setarch -R` sets) gives the same layout every time: at the addresses
// Linux uses for the program and its heap, as the same program shows
// when run natively.
func TestASLRRandomisesEachExec(t *testing.T) {
	prog := buildC(t, "aslr")
	run := func(mode string) result { return sentry(t, "run", prog, mode) }
	// The host vDSO is placed per execve too (riscv64 has none).
	random, fixed := checkASLR(t, run, "vdso")
	// At full randomisation the heap start also moves on its own, within
	// 32 MiB (8192 pages) of the program's end: a third run makes a
	// chance coincidence of all three negligible.
	if d := brkDistance(t, random[0]); d == brkDistance(t, random[1]) && d == brkDistance(t, parseLayout(t, run("layout"))) {
		t.Errorf("the heap start is always %#x after the program: not randomised", d)
	}

	out, err := exec.Command(prog, "norandom").Output()
	if err != nil {
		t.Fatalf("native aslr norandom: %v", err)
	}
	native := parseLayout(t, result{stdout: string(out)})
	for _, k := range []string{"pie", "brk"} {
		if fixed.addr[k] != native.addr[k] {
			t.Errorf("with ADDR_NO_RANDOMIZE, %s is at %s under the sentry, %s natively", k, fixed.addr[k], native.addr[k])
		}
	}
}

// TestASLRProcAndFlag: the sandbox's randomize_va_space is readable and
// not writable inside; --aslr=off fixes the layout for every program,
// --aslr=1 all but the heap.
func TestASLRProcAndFlag(t *testing.T) {
	got := sentry(t, "run", "/bin/busybox", "sh", "-c",
		"cat /proc/sys/kernel/randomize_va_space; echo 0 2>/dev/null >/proc/sys/kernel/randomize_va_space || echo refused")
	if got.status != 0 || got.stdout != "2\nrefused\n" {
		t.Errorf("randomize_va_space: status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
	prog := buildC(t, "aslr")
	runs := func(flag string) (layout, layout) {
		return parseLayout(t, sentry(t, "run", flag, prog, "layout")), parseLayout(t, sentry(t, "run", flag, prog, "layout"))
	}
	a, b := runs("--aslr=off")
	if a.parent != b.parent {
		t.Errorf("--aslr=off: the maps differ between runs:\n%s\n%s", a.parent, b.parent)
	}
	a, b = runs("--aslr=1")
	if a.addr["pie"] == b.addr["pie"] || a.addr["stack"] == b.addr["stack"] {
		t.Errorf("--aslr=1: program or stack did not move: %v %v", a.addr, b.addr)
	}
	// The heap start moves with the program: it stays the same distance
	// from it, where full randomisation moves it on its own.
	if brkDistance(t, a) != brkDistance(t, b) {
		t.Errorf("--aslr=1: the heap moved apart from the program: %v %v", a.addr, b.addr)
	}
	got = sentry(t, "run", "--aslr=1", "/bin/busybox", "cat", "/proc/sys/kernel/randomize_va_space")
	if got.stdout != "1\n" {
		t.Errorf("--aslr=1: randomize_va_space is %q", got.stdout)
	}
}

// brkDistance is how far the heap start is from the program.
func brkDistance(t *testing.T, l layout) uint64 {
	t.Helper()
	pie, err1 := strconv.ParseUint(strings.TrimPrefix(l.addr["pie"], "0x"), 16, 64)
	brk, err2 := strconv.ParseUint(strings.TrimPrefix(l.addr["brk"], "0x"), 16, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("aslr: bad addresses %v", l.addr)
	}
	return brk - pie
}

// TestASLRRISCV: the same on the riscv64 interpreter, with a dynamically
// linked PIE riscv64 program and Debian's glibc.
func TestASLRRISCV(t *testing.T) {
	root := riscvRoot(t)
	gcc := needTool(t, "riscv64-linux-gnu-gcc")
	prog := filepath.Join(t.TempDir(), "aslr")
	if b, err := exec.Command(gcc, "-O1", "-fPIE", "-pie", "-o", prog, filepath.Join("..", "testdata", "c", "aslr.c")).CombinedOutput(); err != nil {
		t.Fatalf("riscv64 gcc aslr: %v\n%s", err, b)
	}
	checkASLR(t, func(mode string) result {
		return sentry(t, "run", "--root", root, "-v", filepath.Dir(prog)+":/t:ro", "/t/aslr", mode)
	})
}
