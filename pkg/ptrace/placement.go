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
// on one, testdata/bench/raw_sysemu.c). So each stub thread is kept on the
// CPU its tracer runs on. The tracer OS thread itself is left to the host
// scheduler, on every CPU the sentry may use (or those the application
// asked for with sched_setaffinity): before each resume of the stub thread
// the tracer reads its own CPU and, when it differs from where the stub
// thread is bound, rebinds the stub thread there. The pairs of a process's
// threads are thus spread over the CPUs as the host spreads the tracers,
// and move when the host moves a tracer off a busy CPU; the stop
// notification is a synchronous wakeup, so the host wakes the tracer on
// the stub's CPU and a pair stays put while it has the CPU to itself.
// (gVisor's ptrace platform does the same.) A stub started by a tracer
// inherits the tracer's mask until its first resume binds it.
//
// A stub thread that computes without a syscall never comes back to its
// tracer to be rebound, and the stub threads of a process cloned from one
// another start on one CPU. So a balancer goroutine looks at the running
// stub threads every balancePeriod: one still inside the same run as at the
// last look has not needed its tracer for that long, and the pairing buys
// it nothing; it is unbound (given every CPU its thread may use), and the
// host moves it off a busy CPU like any other thread. Its next resume binds
// it again, to wherever its tracer then runs. The balancer runs only while
// some stub thread runs: it stops at a look that finds none running, and
// the next resume of a stub thread starts it again (one atomic load on
// the resume path), so an idle sandbox causes no periodic wakeups.

// placer is the placement state of one stub thread.
type placer struct {
	// bound is 1 + the CPU the stub thread is bound to, or 0 for none
	// (a rebind is due). Written by the tracer thread, and by SetCPUs
	// (any goroutine) to force a rebind.
	bound atomic.Int32

	// runs counts resumes of the stub thread, for the balancer.
	runs atomic.Uint32
	// cpus is the mask set by SetCPUs, nil for every allowed CPU.
	cpus atomic.Pointer[unix.CPUSet]
}

// balancePeriod is how long a stub thread runs without stopping before the
// balancer unbinds it. Long against a syscall round trip (µs), short
// against a host scheduler tick of a busy CPU.
const balancePeriod = 10 * time.Millisecond

// balancer unbinds stub threads that run long without stopping.
type balancer struct {
	mu   sync.Mutex
	ctxs map[*context]uint32 // live stub threads, with runs at the last look
	// running: the balancer goroutine is running. Set under mu, read
	// without it by kick.
	running atomic.Bool
}

// add makes the balancer watch c.
func (b *balancer) add(c *context) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ctxs == nil {
		b.ctxs = make(map[*context]uint32)
	}
	b.ctxs[c] = c.place.runs.Load()
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

// look unbinds the stub threads that have been in one run since the last
// look, forgets dead ones, and reports whether any runs (and is worth
// another look).
func (b *balancer) look() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	anyRunning := false
	for c, seen := range b.ctxs {
		if c.dead.Load() {
			delete(b.ctxs, c)
			continue
		}
		runs := c.place.runs.Load()
		b.ctxs[c] = runs
		if !c.running.Load() {
			continue
		}
		anyRunning = true
		if runs == seen && c.place.bound.Load() != 0 {
			c.unbind()
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

// unbind lets the stub thread run on every CPU it may use. Safe from any
// goroutine; a race with bind only costs one run on the wrong CPU.
func (c *context) unbind() {
	set := &c.as.allowed
	if m := c.place.cpus.Load(); m != nil {
		set = m
	}
	if unix.SchedSetaffinity(int(c.tid), set) == nil {
		c.place.bound.Store(0)
	}
}

// bind binds the stub thread to the CPU the calling tracer thread is
// running on, if it is not bound there already. Called by the tracer
// before it resumes the stub thread. A failure leaves the stub where it
// was: placement is a matter of speed, never of correctness.
func (c *context) bind() {
	if !c.as.bind {
		return
	}
	c.place.runs.Add(1)
	c.as.balance.kick()
	cpu, err := getcpu()
	if err != nil || cpu+1 == c.place.bound.Load() {
		return
	}
	var set unix.CPUSet
	set.Set(int(cpu))
	if unix.SchedSetaffinity(int(c.tid), &set) == nil {
		c.place.bound.Store(cpu + 1)
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
	if err := unix.SchedSetaffinity(int(c.tracer), &set); err != nil {
		return fmt.Errorf("ptrace: setting the CPUs of tracer thread %d: %w", c.tracer, err)
	}
	// The stub thread may be running now, bound to a CPU no longer
	// allowed: give it the whole set at once; the next resume narrows
	// it to its tracer's CPU again.
	if err := unix.SchedSetaffinity(int(c.tid), &set); err != nil && !c.dead.Load() {
		return fmt.Errorf("ptrace: setting the CPUs of stub thread %d: %w", c.tid, err)
	}
	c.place.cpus.Store(&set)
	c.place.bound.Store(0)
	return nil
}

// CPUs returns the CPUs SetCPUs (or the tracer's mask at the start)
// restricted the thread to, nil if it may use every CPU the sentry may.
// Safe from any goroutine.
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

// inheritCPUs records the calling tracer thread's mask as the thread's,
// when it is narrower than the sentry's: a tracer that set its CPUs for
// one address space keeps them for the next (execve keeps a thread's
// affinity in Linux).
func (c *context) inheritCPUs() {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) == nil && set != c.as.allowed && set.Count() > 0 {
		c.place.cpus.Store(&set)
	}
}

// hostCPUs returns the CPUs the calling thread may run on.
func hostCPUs() (unix.CPUSet, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return set, fmt.Errorf("ptrace: reading the sentry's CPU affinity: %w", err)
	}
	return set, nil
}
