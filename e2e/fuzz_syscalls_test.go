package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFuzzedSyscallsNeverCrashTheSentryNorTouchTheHost: processes and
// threads making random syscalls, with signals delivered meanwhile, on
// amd64 (ptrace) and riscv64 (interpreter).
func TestFuzzedSyscallsNeverCrashTheSentryNorTouchTheHost(t *testing.T) {
	budget, seed := fuzzBudget(t)
	canary := fuzzProgram(t, "amd64")
	for _, arch := range []string{"amd64", "riscv64"} {
		seed := seed
		t.Run(arch, func(t *testing.T) {
			prog := fuzzProgram(t, arch)
			var calls uint64
			rounds := 0
			for left := budget; left > 0; left -= fuzzRound {
				secs := min(left, fuzzRound)
				s := newSandbox(t, prog, canary)
				args := []string{"run", "--root", s.root, "-v", s.vol + ":/vol", "/bin/fuzz", "run",
					strconv.FormatUint(seed, 10), fmt.Sprintf("%.1f", secs.Seconds()), "3", "4", s.hostPids(), "/vol/.summary"}
				r := runWatched(t, secs+90*time.Second, append(args, s.paths()...)...)
				problems := append(r.problems, s.check(t)...)
				var n, seedOut uint64
				var workers int
				summary, _ := os.ReadFile(filepath.Join(s.vol, ".summary"))
				if _, err := fmt.Sscanf(string(summary), "fuzz: seed %d calls %d workers %d", &seedOut, &n, &workers); err != nil || r.status != 0 {
					problems = append(problems, fmt.Sprintf("status %d, summary %q", r.status, summary))
				}
				if len(problems) > 0 {
					t.Fatalf("%s seed %d (reproduce: SENTRY_FUZZ_SEED=%d SENTRY_FUZZ_TIME=%v):\n%s\nstderr:\n%s",
						arch, seed, seed, secs, strings.Join(problems, "\n"), tail(r.stderr, 60000))
				}
				calls += n
				rounds++
				seed++
			}
			if calls == 0 {
				t.Fatalf("no call fuzzed")
			}
			t.Logf("%s: %d calls fuzzed in %d rounds (seeds up to %d)", arch, calls, rounds, seed-1)
		})
	}
}
