package riscv

import (
	"runtime"
	"time"
)

// Shootdown. A thread translates guest addresses through its own TLBs and
// runs code it decoded earlier; a mapping change only bumps the
// generation and pokes the threads, which drop their caches at their next
// taken branch. Until then a running thread still reads and writes
// through entries the change has removed. That is harmless when the change
// adds access, but not when it takes access away or moves a page: fork
// write-protects the parent's memory and shares its pages with the child,
// and a parent thread storing through a stale writable entry would write
// into the child's memory after the child has started. So a change that
// takes access away returns only after every thread running guest code
// has dropped its stale entries, as a host kernel's TLB shootdown waits
// for every CPU's acknowledgement.

// shootdownLocked waits until no thread of as uses TLB entries or decoded
// code older than the current generation. as.mu is held; the threads
// never take it while they run guest code.
func (as *addressSpace) shootdownLocked() {
	g := as.gen.Load()
	for c := range as.threads {
		// A thread entering guest code stores inGuest before it
		// loads the generation: if it is not seen in guest code
		// here, it will find g when it enters.
		for spins := 0; c.inGuest.Load() && c.seen.Load() < g; spins++ {
			// It was poked: it notices at its next taken branch.
			// Its OS thread may be waiting for a CPU, so yield,
			// then sleep a little.
			if spins < 100 {
				runtime.Gosched()
			} else {
				time.Sleep(20 * time.Microsecond)
			}
		}
	}
}
