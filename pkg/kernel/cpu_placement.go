package kernel

import (
	"errors"

	"golang.org/x/sys/unix"

	"sentry/pkg/platform"
)

// cpuPlacer is implemented by platform Contexts that can run a thread on
// chosen host CPUs (the ptrace platform: its stub thread and tracer). On
// the riscv64 platform a thread is a goroutine and the Go scheduler places
// it; there sched_setaffinity changes nothing on the host.
type cpuPlacer interface {
	SetCPUs(cpus []int) error
	// CPUs returns the CPUs set by SetCPUs, nil if none were.
	CPUs() []int
}

// inheritPlacement gives a new thread the CPUs its creator was placed on:
// a Linux thread or process inherits its creator's affinity. Called on
// the creating task's goroutine (it reads from, its own Context).
func inheritPlacement(from, to platform.Context) {
	f, ok := from.(cpuPlacer)
	if !ok {
		return
	}
	tp, ok := to.(cpuPlacer)
	if !ok {
		return
	}
	if cpus := f.CPUs(); cpus != nil {
		_ = tp.SetCPUs(cpus) // placement only changes speed
	}
}

// placeOnCPUs runs t on the host CPUs among cpus that the sentry may use,
// as sched_setaffinity asks. EINVAL when none of cpus is such a CPU; any
// other failure of the host leaves the thread where it was, since
// placement only changes speed. Safe from any task's goroutine.
func (t *Task) placeOnCPUs(cpus []int) error {
	t.ctxMu.Lock()
	ctx := t.ctx
	t.ctxMu.Unlock()
	p, ok := ctx.(cpuPlacer)
	if !ok {
		return nil
	}
	if err := p.SetCPUs(cpus); errors.Is(err, unix.EINVAL) {
		return unix.EINVAL
	}
	return nil
}

// cpusOfMask lists the CPUs below n set in a sched_setaffinity mask.
func cpusOfMask(mask []byte, n int) []int {
	var cpus []int
	for i := 0; i < n && i/8 < len(mask); i++ {
		if mask[i/8]&(1<<(i%8)) != 0 {
			cpus = append(cpus, i)
		}
	}
	return cpus
}
