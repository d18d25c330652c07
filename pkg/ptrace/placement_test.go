package ptrace

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// allowedList is a thread's Cpus_allowed_list.
func allowedList(t testing.TB, tid int32) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no Cpus_allowed_list for thread %d", tid)
	return ""
}

func cpuList(set unix.CPUSet) []int {
	var out []int
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			out = append(out, i)
		}
	}
	return out
}

// TestSwitchPinsStubThreadAndTracerTogether: after a Switch the stub
// thread and its tracer may run only on the one CPU the tracer ran on when
// it resumed the stub.
func TestSwitchPinsStubThreadAndTracerTogether(t *testing.T) {
	f := newFixture(t, Options{})
	f.load(t, codeAddr, 0, rx, cat(movEAX(39), insSyscall, insSpin))
	if ev, err := f.c.Switch(regsAt(codeAddr)); err != nil || ev.Kind != platform.EventSyscall {
		t.Fatalf("Switch: %+v, %v", ev, err)
	}
	got := allowedList(t, f.c.tid)
	if strings.ContainsAny(got, ",-") {
		t.Fatalf("stub thread may run on %q, want one CPU", got)
	}
	if bound := f.c.place.bound.Load() - 1; got != strconv.Itoa(int(bound)) {
		t.Fatalf("stub thread may run on %q, recorded as bound to %d", got, bound)
	}
	if tracer := allowedList(t, f.c.tracer); tracer != got {
		t.Fatalf("tracer may run on %q, its stub thread on %q", tracer, got)
	}
}

// TestReleasedTracerIsPinnedAgain: a tracer the balancer let loose stays
// loose for one run, and the resume after pins the pair again.
func TestReleasedTracerIsPinnedAgain(t *testing.T) {
	host, err := hostCPUs()
	if err != nil {
		t.Fatal(err)
	}
	all := allowedListOfSet(host)
	f := newFixture(t, Options{})
	f.load(t, codeAddr, 0, rx, cat(movEAX(39), insSyscall, insSpin))
	regs := regsAt(codeAddr)
	if _, err := f.c.Switch(regs); err != nil {
		t.Fatal(err)
	}
	f.c.release()
	if got := allowedList(t, f.c.tracer); got != all {
		t.Fatalf("released tracer may run on %q, want %q", got, all)
	}
	regs = regsAt(codeAddr)
	if _, err := f.c.Switch(regs); err != nil {
		t.Fatal(err)
	}
	if got := allowedList(t, f.c.tracer); got != all {
		t.Fatalf("tracer after one loose run may run on %q, want %q", got, all)
	}
	regs = regsAt(codeAddr)
	if _, err := f.c.Switch(regs); err != nil {
		t.Fatal(err)
	}
	tracer, stub := allowedList(t, f.c.tracer), allowedList(t, f.c.tid)
	if strings.ContainsAny(tracer, ",-") || tracer != stub {
		t.Fatalf("after the loose run: tracer may run on %q, stub thread on %q; want one and the same CPU", tracer, stub)
	}
}

func TestSetCPUs(t *testing.T) {
	host, err := hostCPUs()
	if err != nil {
		t.Fatal(err)
	}
	cpus := cpuList(host)
	last := cpus[len(cpus)-1]
	tests := []struct {
		name    string
		cpus    []int
		want    string // Cpus_allowed_list of tracer and stub thread after a Switch
		wantErr error
	}{
		{"one CPU", []int{last}, strconv.Itoa(last), nil},
		{"only CPUs the sentry may not use", []int{-1, 1 << 20}, "", unix.EINVAL},
		{"the usable part of the mask", []int{last, 1 << 20}, strconv.Itoa(last), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			go func() {
				defer close(done)
				runtime.LockOSThread() // for life: its affinity changes
				f := newFixture(t, Options{})
				f.load(t, codeAddr, 0, rx, cat(movEAX(39), insSyscall, insSpin))
				err := f.c.SetCPUs(tc.cpus)
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("SetCPUs(%v) = %v, want %v", tc.cpus, err, tc.wantErr)
					return
				}
				if err != nil {
					return
				}
				if ev, err := f.c.Switch(regsAt(codeAddr)); err != nil || ev.Kind != platform.EventSyscall {
					t.Errorf("Switch: %+v, %v", ev, err)
					return
				}
				if got := allowedList(t, f.c.tracer); got != tc.want {
					t.Errorf("tracer may run on %q, want %q", got, tc.want)
				}
				if got := allowedList(t, f.c.tid); got != tc.want {
					t.Errorf("stub thread may run on %q, want %q", got, tc.want)
				}
			}()
			<-done
		})
	}
}

// TestComputingStubThreadIsUnbound: a stub thread that runs without
// stopping is let loose on every CPU (and SetCPUs's mask bounds that).
func TestComputingStubThreadIsUnbound(t *testing.T) {
	host, err := hostCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if host.Count() < 2 {
		t.Skip("needs 2 host CPUs")
	}
	f := newFixture(t, Options{})
	f.load(t, codeAddr, 0, rx, insSpin)
	want := allowedListOfSet(host)
	stop := make(chan struct{})
	seen := make(chan string, 1)
	go func() {
		last := ""
		for {
			select {
			case <-stop:
				seen <- last
				return
			default:
			}
			if f.c.running.Load() {
				last = allowedList(t, f.c.tid)
				if last == want {
					f.c.Interrupt()
				}
			}
			time.Sleep(time.Millisecond)
		}
	}()
	// The watcher above may only Interrupt: the context belongs to this
	// test's locked thread.
	ev, swErr := f.c.Switch(regsAt(codeAddr))
	close(stop)
	last := <-seen
	if swErr != nil || ev.Kind != platform.EventInterrupted {
		t.Fatalf("Switch: %+v, %v", ev, swErr)
	}
	if last != want {
		t.Fatalf("spinning stub thread may run on %q, want %q", last, want)
	}
}

// allowedListOfSet formats set as the kernel's Cpus_allowed_list does.
func allowedListOfSet(set unix.CPUSet) string {
	cpus := cpuList(set)
	var parts []string
	for i := 0; i < len(cpus); {
		j := i
		for j+1 < len(cpus) && cpus[j+1] == cpus[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, strconv.Itoa(cpus[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", cpus[i], cpus[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
