package kernel

import (
	"runtime"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

// CPU affinity. Each thread keeps the mask it was given (inherited over
// clone and fork) and reports it; tasks are goroutines, so where a thread
// really runs is the Go scheduler's choice, not the mask's.

// cpuMask is an immutable set of CPUs, bit i of byte i/8 for CPU i, in
// whole 64-bit words as the kernel's cpumask is.
type cpuMask []byte

// numCPUs is nr_cpu_ids as the sandbox shows it: the CPUs the sentry
// itself may run on.
func (k *Kernel) numCPUs() int { return runtime.NumCPU() }

// cpuMaskSize is Linux's cpumask_size(), the byte count
// sched_getaffinity returns: the host kernel's, which depends on its
// configuration (NR_CPUS or nr_cpu_ids, in whole longs), probed when the
// kernel starts (sys_affinity_unsafe.go).
func (k *Kernel) cpuMaskSize() int {
	if k.cpuMaskBytes == 0 {
		return (k.numCPUs() + 63) / 64 * 8
	}
	return k.cpuMaskBytes
}

func (k *Kernel) allCPUs() *cpuMask {
	m := make(cpuMask, k.cpuMaskSize())
	for i := 0; i < k.numCPUs(); i++ {
		m[i/8] |= 1 << (i % 8)
	}
	return &m
}

// affinityOf is the thread's mask; all CPUs for a thread made without
// one (unit tests).
func (t *Task) affinityOf() cpuMask {
	if m := t.affinity.Load(); m != nil {
		return *m
	}
	return *t.k.allCPUs()
}

// affinityTarget is the thread a sched_*affinity pid names (0: the caller).
func (t *Task) affinityTarget(pid uint64) (*Task, error) {
	p := int32(pid)
	switch {
	case p < 0:
		return nil, unix.ESRCH
	case p == 0:
		return t, nil
	}
	if target := t.k.taskByTID(int(p)); target != nil {
		return target, nil
	}
	return nil, unix.ESRCH
}

func sysSchedGetaffinity(t *Task, a [6]uint64) (uint64, error) {
	size := uint64(t.k.cpuMaskSize())
	if a[1]*8 < uint64(t.k.numCPUs()) || a[1]&7 != 0 {
		return 0, unix.EINVAL
	}
	target, err := t.affinityTarget(a[0])
	if err != nil {
		return 0, err
	}
	n := min(a[1], size)
	return n, t.copyOut(a[2], target.affinityOf()[:n])
}

// sysSchedSetaffinity keeps the mask's online CPUs; a mask with none is
// EINVAL. Another user's thread needs CAP_SYS_NICE (EPERM), as Linux's
// check_same_owner.
func sysSchedSetaffinity(t *Task, a [6]uint64) (uint64, error) {
	target, err := t.affinityTarget(a[0])
	if err != nil {
		return 0, err
	}
	if !t.cred().sameOwner(target.cred()) {
		return 0, unix.EPERM
	}
	size := t.k.cpuMaskSize()
	in := make([]byte, min(a[1], uint64(size)))
	if err := t.copyIn(a[2], in); err != nil {
		return 0, err
	}
	m := make(cpuMask, size)
	any := false
	for i := 0; i < t.k.numCPUs() && i/8 < len(in); i++ {
		if in[i/8]&(1<<(i%8)) != 0 {
			m[i/8] |= 1 << (i % 8)
			any = true
		}
	}
	if !any {
		return 0, unix.EINVAL
	}
	if err := target.placeOnCPUs(cpusOfMask(m, t.k.numCPUs())); err != nil {
		return 0, err
	}
	target.affinity.Store(&m)
	return 0, nil
}

// sameOwner is Linux's check for changing another task's scheduling:
// privileged, or the caller's effective uid is the target's real or
// effective uid.
func (c *Credentials) sameOwner(target *Credentials) bool {
	return c.hasCap(linux.CAP_SYS_NICE) || c.EffectiveUID == target.RealUID || c.EffectiveUID == target.EffectiveUID
}
