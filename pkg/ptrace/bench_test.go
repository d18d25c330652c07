package ptrace

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"testing"
	"time"

	"sentry/pkg/platform"
)

// rawSysemuNs builds testdata/bench/raw_sysemu.c and returns its cost per
// syscall for n syscalls: the floor a ptrace platform can reach here.
func rawSysemuNs(b *testing.B, n int, pin bool) float64 {
	b.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		b.Skip("gcc not found: no raw floor to compare with")
	}
	bin := filepath.Join(b.TempDir(), "raw_sysemu")
	if out, err := exec.Command(gcc, "-O2", "-o", bin, "../../testdata/bench/raw_sysemu.c").CombinedOutput(); err != nil {
		b.Fatalf("building raw_sysemu: %v\n%s", err, out)
	}
	pinArg := "0"
	if pin {
		pinArg = "1"
	}
	out, err := exec.Command(bin, strconv.Itoa(n), pinArg).CombinedOutput()
	if err != nil {
		b.Fatalf("raw_sysemu: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`ns_per_syscall=([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		b.Fatalf("raw_sysemu printed %q", out)
	}
	ns, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		b.Fatal(err)
	}
	return ns
}

// BenchmarkSwitch measures one application syscall round trip through
// Switch (getppid in a loop, result written each time, as the kernel does)
// and, in the same run, the raw C PTRACE_SYSEMU floor; x-raw is their ratio
// (target: at most 1.3).
func BenchmarkSwitch(b *testing.B) {
	for _, pin := range []bool{true, false} {
		b.Run(fmt.Sprintf("pin=%v", pin), func(b *testing.B) {
			done := make(chan struct{})
			go func() {
				// A fresh goroutine, locked for life, so that pinning
				// does not stick to the benchmark runner's thread.
				defer close(done)
				runtime.LockOSThread()
				benchSwitch(b, pin)
			}()
			<-done
		})
	}
}

func benchSwitch(b *testing.B, pin bool) {
	f := newFixture(b, Options{NoPin: !pin})
	f.load(b, codeAddr, 0, rx, cat(movEAX(110), insSyscall, []byte{0xeb, 0xf7})) // loop: getppid
	regs := regsAt(codeAddr)
	if _, err := f.c.Switch(regs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		regs.SetReturn(uint64(i))
		ev, err := f.c.Switch(regs)
		if err != nil || ev.Kind != platform.EventSyscall {
			b.Fatalf("event %+v err %v", ev, err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if b.N < 1000 {
		return // too short a run to be worth comparing
	}
	ours := float64(elapsed.Nanoseconds()) / float64(b.N)
	raw := rawSysemuNs(b, b.N, pin)
	b.ReportMetric(raw, "raw-ns/syscall")
	b.ReportMetric(ours/raw, "x-raw")
	b.Logf("pin=%v: Switch %.0f ns/syscall, raw PTRACE_SYSEMU %.0f ns/syscall, ratio %.2f", pin, ours, raw, ours/raw)
}

// BenchmarkSwitchThreads: N stub threads of one address space, each
// driven by its own locked goroutine, make getppid round trips at once.
// ns/op is the wall time per round trip of one thread: flat in N while
// there are CPUs for the pairs, as when every thread has its own CPU.
func BenchmarkSwitchThreads(b *testing.B) {
	for _, n := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("threads=%d", n), func(b *testing.B) {
			done := make(chan struct{})
			go func() {
				defer close(done)
				runtime.LockOSThread()
				benchSwitchThreads(b, n)
			}()
			<-done
		})
	}
}

func benchSwitchThreads(b *testing.B, n int) {
	f := newFixture(b, Options{})
	f.load(b, codeAddr, 0, rx, cat(movEAX(110), insSyscall, []byte{0xeb, 0xf7})) // loop: getppid
	loop := func(c platform.Context) error {
		regs := regsAt(codeAddr)
		for i := 0; i < b.N; i++ {
			regs.SetReturn(uint64(i))
			ev, err := c.Switch(regs)
			if err != nil {
				return err
			}
			if ev.Kind != platform.EventSyscall {
				return fmt.Errorf("event %+v", ev)
			}
		}
		return nil
	}
	var starters []platform.ThreadStarter
	for i := 1; i < n; i++ {
		st, err := f.as.NewThread()
		if err != nil {
			b.Fatal(err)
		}
		starters = append(starters, st)
	}
	start := make(chan struct{})
	errs := make(chan error, n)
	release := make(chan struct{})
	for _, st := range starters {
		go func() {
			runtime.LockOSThread() // for life: this thread traces the stub thread
			c, err := st.Start()
			if err != nil {
				errs <- err
				return
			}
			<-start
			errs <- loop(c)
			<-release
			c.Release()
		}()
	}
	b.ResetTimer()
	close(start)
	err := loop(f.c)
	for range starters {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	b.StopTimer()
	close(release)
	if err != nil {
		b.Fatal(err)
	}
}
