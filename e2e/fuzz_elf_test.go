package e2e

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fuzzELF returns a copy of base with a few seeded mutations: half the
// time hostile_exec_test.go's mutateELF (entry, phoff, phentsize, phnum,
// program-header fields) first, then any ELF header field (type,
// machine, flags, the section fields and e_ident too), program header
// fields including sizes and alignment, bytes anywhere in the file, or a
// truncation.
func fuzzELF(base []byte, rng *rand.Rand) []byte {
	b := append([]byte(nil), base...)
	if rng.Intn(2) == 0 {
		b = mutateELF(rng, b)
	}
	special := []uint64{0, 1, 2, 0x38, 0x40, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
		1 << 32, 1 << 47, 0x7ffffffff000, 0xffffffffffffffff, 0xfffffffffffff000, 0x8000000000000000, uint64(len(b)), uint64(len(b)) + 1}
	put := func(off, size int, v uint64) {
		if off < 0 || off+size > len(b) {
			return
		}
		switch size {
		case 1:
			b[off] = byte(v)
		case 2:
			binary.LittleEndian.PutUint16(b[off:], uint16(v))
		case 4:
			binary.LittleEndian.PutUint32(b[off:], uint32(v))
		default:
			binary.LittleEndian.PutUint64(b[off:], v)
		}
	}
	value := func() uint64 {
		if rng.Intn(2) == 0 {
			return special[rng.Intn(len(special))]
		}
		return rng.Uint64() >> uint(rng.Intn(64))
	}
	phoff := int(binary.LittleEndian.Uint64(base[0x20:]))
	phnum := int(binary.LittleEndian.Uint16(base[0x38:]))
	for n := 1 + rng.Intn(4); n > 0; n-- {
		switch k := rng.Intn(10); {
		case k < 3: // an ELF header field (e_type .. e_shstrndx)
			fields := [][2]int{{0x10, 2}, {0x12, 2}, {0x14, 4}, {0x18, 8}, {0x20, 8}, {0x28, 8}, {0x30, 4}, {0x34, 2}, {0x36, 2}, {0x38, 2}, {0x3a, 2}, {0x3c, 2}, {0x3e, 2}, {rng.Intn(16), 1}}
			f := fields[rng.Intn(len(fields))]
			put(f[0], f[1], value())
		case k < 8: // a program header field
			if phnum == 0 {
				continue
			}
			ph := phoff + 56*rng.Intn(phnum)
			fields := [][2]int{{0, 4}, {4, 4}, {8, 8}, {16, 8}, {24, 8}, {32, 8}, {40, 8}, {48, 8}}
			f := fields[rng.Intn(len(fields))]
			v := value()
			if f[0] == 0 && rng.Intn(2) == 0 { // a type the loader acts on
				v = []uint64{1, 2, 3, 4, 6, 7, 0x6474e551, 0x6474e552}[rng.Intn(8)]
			}
			put(ph+f[0], f[1], v)
		case k < 9 && len(b) > 0: // bytes anywhere
			for i := rng.Intn(8); i >= 0; i-- {
				b[rng.Intn(len(b))] = byte(rng.Uint32())
			}
		case k == 9 && len(b) > 0:
			b = b[:rng.Intn(len(b))]
		}
	}
	return b
}

// TestMutatedELFsNeverCrashTheSentryNorTouchTheHost execs seeded mutants
// of a static ELF from inside the sandbox, on amd64 and riscv64.
func TestMutatedELFsNeverCrashTheSentryNorTouchTheHost(t *testing.T) {
	budget, seed := fuzzBudget(t)
	canary := fuzzProgram(t, "amd64")
	for _, arch := range []string{"amd64", "riscv64"} {
		seed := seed
		t.Run(arch, func(t *testing.T) {
			prog := fuzzProgram(t, arch)
			base, err := os.ReadFile(prog)
			if err != nil {
				t.Fatal(err)
			}
			execs, refusals, rounds := 0, 0, 0
			for start := time.Now(); rounds == 0 || time.Since(start) < budget; rounds++ {
				s := newSandbox(t, prog, canary)
				rng := rand.New(rand.NewSource(int64(seed)))
				const mutants = 16
				args := []string{"run", "--root", s.root, "-v", s.vol + ":/vol", "/bin/fuzz", "exec", "1"}
				for i := 0; i < mutants; i++ {
					name := fmt.Sprintf("m%d", i)
					if err := os.WriteFile(filepath.Join(s.vol, name), fuzzELF(base, rng), 0o755); err != nil {
						t.Fatal(err)
					}
					args = append(args, "/vol/"+name)
				}
				r := runWatched(t, 3*time.Minute, args...)
				problems := append(r.problems, s.check(t)...)
				var n, refused int
				if _, err := fmt.Sscanf(lastLine(r.stdout), "exec: %d files, %d refused", &n, &refused); err != nil || n != mutants || r.status != 0 {
					problems = append(problems, fmt.Sprintf("status %d, no summary line: stdout %q", r.status, tail(r.stdout, 2000)))
				}
				if len(problems) > 0 {
					kept, _ := os.MkdirTemp("", fmt.Sprintf("sentry-fuzz-elf-%s-seed%d-", arch, seed))
					for i := 0; i < mutants; i++ {
						if b, err := os.ReadFile(filepath.Join(s.vol, fmt.Sprintf("m%d", i))); err == nil {
							os.WriteFile(filepath.Join(kept, fmt.Sprintf("m%d", i)), b, 0o755)
						}
					}
					t.Fatalf("%s ELF seed %d (reproduce: SENTRY_FUZZ_SEED=%d; the mutants are kept in %s):\n%s\nstderr:\n%s",
						arch, seed, seed, kept, strings.Join(problems, "\n"), tail(r.stderr, 60000))
				}
				execs += mutants
				refusals += refused
				seed++
			}
			t.Logf("%s: %d mutated ELFs execed (%d refused by execve) in %d rounds (seeds up to %d)", arch, execs, refusals, rounds, seed-1)
		})
	}
}
