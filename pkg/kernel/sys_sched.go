package kernel

import "golang.org/x/sys/unix"

// Scheduling policy. Every task runs as SCHED_OTHER at nice 0 on a Go
// scheduler thread: the calls report that, accept settings that change
// nothing, and refuse the real-time policies as Linux refuses them to an
// unprivileged process.

const (
	schedOther = 0
	schedFIFO  = 1
	schedRR    = 2
	schedBatch = 3
	schedIdle  = 5
	// SCHED_RESET_ON_FORK may be or'ed into a policy.
	schedResetOnFork = 0x40000000
)

// schedTarget checks a pid argument of the sched_* calls (0: the caller).
func (t *Task) schedTarget(pid uint64) error {
	switch p := int32(pid); {
	case p < 0:
		return unix.EINVAL
	case p > 0 && t.k.taskByTID(int(p)) == nil:
		return unix.ESRCH
	}
	return nil
}

func sysSchedGetscheduler(t *Task, a [6]uint64) (uint64, error) {
	return schedOther, t.schedTarget(a[0])
}

func sysSchedGetparam(t *Task, a [6]uint64) (uint64, error) {
	if err := t.schedTarget(a[0]); err != nil {
		return 0, err
	}
	if a[1] == 0 {
		return 0, unix.EINVAL
	}
	return 0, t.writeU32(a[1], 0)
}

// checkSchedParam validates a policy and its struct sched_param.
func (t *Task) checkSchedParam(policy int32, param uint64) error {
	if param == 0 {
		return unix.EINVAL
	}
	prio, err := t.readU32(param)
	if err != nil {
		return err
	}
	switch policy &^ schedResetOnFork {
	case schedOther, schedBatch, schedIdle:
		if prio != 0 {
			return unix.EINVAL
		}
		return nil
	case schedFIFO, schedRR:
		if prio < 1 || prio > 99 {
			return unix.EINVAL
		}
		return unix.EPERM
	}
	return unix.EINVAL
}

func sysSchedSetscheduler(t *Task, a [6]uint64) (uint64, error) {
	if err := t.schedTarget(a[0]); err != nil {
		return 0, err
	}
	return 0, t.checkSchedParam(int32(a[1]), a[2])
}

func sysSchedSetparam(t *Task, a [6]uint64) (uint64, error) {
	if err := t.schedTarget(a[0]); err != nil {
		return 0, err
	}
	return 0, t.checkSchedParam(schedOther, a[1])
}

func sysSchedGetPriorityMax(t *Task, a [6]uint64) (uint64, error) {
	switch int32(a[0]) {
	case schedFIFO, schedRR:
		return 99, nil
	case schedOther, schedBatch, schedIdle:
		return 0, nil
	}
	return 0, unix.EINVAL
}

func sysSchedGetPriorityMin(t *Task, a [6]uint64) (uint64, error) {
	switch int32(a[0]) {
	case schedFIFO, schedRR:
		return 1, nil
	case schedOther, schedBatch, schedIdle:
		return 0, nil
	}
	return 0, unix.EINVAL
}
