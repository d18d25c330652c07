package ptrace

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Placement: on which host CPUs a stub thread and its tracer run.
//
// A ptrace round trip is two wakeups (tracer wakes stub, stub's stop wakes
// tracer); on one CPU they are direct switches, across CPUs each is an IPI
// (raw PTRACE_SYSEMU measured ~50 µs per syscall across CPUs against ~9 µs
// on one, testdata/bench/raw_sysemu.c). Left alone, the host does not keep
// them together: the stub is still on its CPU when its stop wakes the
// tracer, so an idle CPU looks better for the tracer. So each pair is
// pinned to one CPU: before each resume the tracer reads its own CPU
// (getcpu) and, when the pair is not pinned there, pins itself and its stub
// thread to it. Which CPU that is, is the host's choice: a new tracer OS
// thread may run anywhere the sentry may (or the application asked, by
// sched_setaffinity), so the pairs of a process's threads spread over the
// CPUs as the host spreads threads.
//
// A pinned pair never moves by itself, so a balancer goroutine looks at the
// stub threads every balancePeriod:
//   - one still inside the same run as at the last look computes without
//     syscalls and gains nothing from its tracer's CPU: both are unpinned
//     (given every CPU the thread may use) and the host moves the stub off
//     a busy CPU like any other thread. Its next resume pins the pair again,
//     to wherever its tracer then runs.
//   - one that makes syscalls has its tracer let loose every releaseLooks
//     looks: the pair is pinned again after the tracer's next wakeup, on
//     the CPU the host woke it on, which is an idle one if there is one. A
//     busy pair thus moves to an idle CPU within ~100 ms, at the cost of a
//     few syscalls per 100 ms.
// The balancer runs only while some stub thread runs: it stops at a look
// that finds none running, and the next resume of a stub thread starts it
// again (one atomic load on the resume path), so an idle sandbox causes no
// periodic wakeups.

// placer is the placement state of one stub thread and its tracer.
type placer struct {
	// bound is 1 + the CPU the pair is pinned to, or 0 for none (a pin
	// is due at the next resume). Written by the tracer thread, and
	// cleared by SetCPUs and the balancer.
	bound atomic.Int32
	// loose is set by the balancer when it lets the tracer loose; the
	// next resume leaves the tracer unpinned, the one after pins it.
	loose atomic.Bool
	// looseRun: the current run was resumed with the tracer loose.
	// Owned by the tracer thread.
	looseRun bool

	// runs counts resumes of the stub thread, for the balancer.
	runs atomic.Uint32
	// cpus is the mask set by SetCPUs, nil for every allowed CPU.
	cpus atomic.Pointer[unix.CPUSet]
}

// balancePeriod is how long a stub thread runs without stopping before the
// balancer unpins it. Long against a syscall round trip (µs), short
// against a host scheduler tick of a busy CPU.
const balancePeriod = 10 * time.Millisecond

// releaseLooks is how many looks pass between two releases of the tracer
// of a stub thread that makes syscalls.
const releaseLooks = 10

// bind pins the stub thread and the calling tracer thread to the CPU the
// tracer is running on, unless they are pinned there already or the
// balancer let the tracer loose. Called by the tracer before it resumes
// the stub thread. A failure leaves the threads where they were: placement
// is a matter of speed, never of correctness.
func (c *context) bind() {
	if !c.as.bind {
		return
	}
	c.place.runs.Add(1)
	c.as.balance.kick()
	cpu, err := getcpu()
	if err != nil {
		return
	}
	var set unix.CPUSet
	set.Set(int(cpu))
	if c.place.loose.Swap(false) {
		// The tracer stays unpinned for this run: the host wakes it
		// where it likes at the stop, and the next resume pins the
		// pair there.
		c.place.looseRun = true
		return
	}
	if c.place.looseRun {
		c.place.looseRun = false
	} else if cpu+1 == c.place.bound.Load() {
		return
	}
	if unix.SchedSetaffinity(0, &set) != nil {
		return
	}
	if unix.SchedSetaffinity(int(c.tid), &set) == nil {
		c.place.bound.Store(cpu + 1)
	}
}

// mask is the set of CPUs the thread may use.
func (c *context) mask() *unix.CPUSet {
	if m := c.place.cpus.Load(); m != nil {
		return m
	}
	return &c.as.allowed
}

// unbind lets the stub thread and its tracer run on every CPU they may
// use. Safe from any goroutine; a race with bind only costs one run on
// the wrong CPU.
func (c *context) unbind() {
	m := c.mask()
	_ = unix.SchedSetaffinity(int(c.tracer), m)
	if unix.SchedSetaffinity(int(c.tid), m) == nil {
		c.place.bound.Store(0)
	}
}

// release lets the tracer loose until its stub thread's next stop.
func (c *context) release() {
	if unix.SchedSetaffinity(int(c.tracer), c.mask()) == nil {
		c.place.loose.Store(true)
	}
}

// SetCPUs restricts this thread (its tracer OS thread and its stub thread)
// to cpus, as sched_setaffinity does for a Linux thread, keeping only the
// CPUs the sentry itself may use. It fails with EINVAL when none of cpus
// is one of those. Safe from any goroutine of the sentry.
func (c *context) SetCPUs(cpus []int) error {
	var set unix.CPUSet
	for _, cpu := range cpus {
		if cpu >= 0 && cpu < len(set)*64 && c.as.allowed.IsSet(cpu) {
			set.Set(cpu)
		}
	}
	if set.Count() == 0 {
		return fmt.Errorf("ptrace: CPUs %v: none is one the sentry may use: %w", cpus, unix.EINVAL)
	}
	c.place.cpus.Store(&set)
	if err := unix.SchedSetaffinity(int(c.tracer), &set); err != nil {
		return fmt.Errorf("ptrace: setting the CPUs of tracer thread %d: %w", c.tracer, err)
	}
	// The stub thread may be running now, pinned to a CPU no longer
	// allowed: give it the whole set at once; the next resume pins it
	// to its tracer's CPU again.
	if err := unix.SchedSetaffinity(int(c.tid), &set); err != nil && !c.dead.Load() {
		return fmt.Errorf("ptrace: setting the CPUs of stub thread %d: %w", c.tid, err)
	}
	c.place.bound.Store(0)
	return nil
}

// CPUs returns the CPUs SetCPUs restricted the thread to, nil if it may
// use every CPU the sentry may. Safe from any goroutine.
func (c *context) CPUs() []int {
	m := c.place.cpus.Load()
	if m == nil {
		return nil
	}
	var out []int
	for i := 0; i < len(m)*64; i++ {
		if m.IsSet(i) {
			out = append(out, i)
		}
	}
	return out
}

// balancer unpins stub threads that run long without stopping, and now
// and then lets loose the tracers of those that make syscalls.
type balancer struct {
	mu   sync.Mutex
	ctxs map[*context]*watch // live stub threads
	// running: the balancer goroutine is running. Set under mu, read
	// without it by kick.
	running atomic.Bool
}

// watch is what the balancer remembers of one stub thread.
type watch struct {
	runs  uint32 // runs at the last look
	looks int    // looks since the tracer was last let loose
}

// add makes the balancer watch c.
func (b *balancer) add(c *context) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ctxs == nil {
		b.ctxs = make(map[*context]*watch)
	}
	b.ctxs[c] = &watch{runs: c.place.runs.Load()}
}

// kick starts the balancer goroutine if it is not running. Called before
// each resume of a stub thread.
func (b *balancer) kick() {
	if b.running.Load() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.running.Load() {
		b.running.Store(true)
		go b.loop()
	}
}

func (b *balancer) loop() {
	t := time.NewTicker(balancePeriod)
	defer t.Stop()
	for range t.C {
		if !b.look() {
			return
		}
	}
}

// look unpins the stub threads that have been in one run since the last
// look, lets loose the tracers of busy ones now and then, forgets dead
// ones, and reports whether any runs (and is worth another look).
func (b *balancer) look() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	anyRunning := false // any stub thread ran since the last look
	for c, w := range b.ctxs {
		if c.dead.Load() {
			delete(b.ctxs, c)
			continue
		}
		runs := c.place.runs.Load()
		seen := w.runs
		w.runs = runs
		if !c.running.Load() && runs == seen {
			continue // blocked in the kernel, or gone idle
		}
		anyRunning = true
		switch {
		case runs == seen:
			if c.place.bound.Load() != 0 {
				c.unbind()
			}
		case w.looks+1 >= releaseLooks:
			w.looks = 0
			c.release()
		default:
			w.looks++
		}
	}
	if anyRunning {
		return true
	}
	b.running.Store(false)
	// A Switch marks its context running before it kicks. One that
	// kicked before the Store above saw the loop running and left;
	// it is seen running here. One not seen here kicks after the Store
	// and starts a new loop.
	for c := range b.ctxs {
		if c.running.Load() {
			b.running.Store(true)
			return true
		}
	}
	return false
}

// hostCPUs returns the CPUs the calling thread may run on.
func hostCPUs() (unix.CPUSet, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return set, fmt.Errorf("ptrace: reading the sentry's CPU affinity: %w", err)
	}
	return set, nil
}
