package kernel

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

// Nice values. Linux keeps one per thread; the sandbox keeps and reports
// it (inherited over clone and fork) but the Go scheduler, which runs the
// task goroutines, does not weigh it.

const (
	prioProcess = 0
	prioPgrp    = 1
	prioUser    = 2

	minNice = -20
	maxNice = 19
)

// prioTargets are the threads (which, who) names, as getpriority and
// setpriority see them; who 0 is the caller, its process group or its
// real uid.
func (t *Task) prioTargets(which, who int32) ([]*Task, error) {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []*Task
	switch which {
	case prioProcess:
		if who == 0 {
			return []*Task{t}, nil
		}
		if target := k.tasks[int(who)]; target != nil {
			out = append(out, target)
		}
	case prioPgrp:
		if who == 0 {
			who = int32(t.tg.proc.pgid)
		}
		for _, task := range k.tasks {
			if task.tg.proc.pgid == int(who) {
				out = append(out, task)
			}
		}
	case prioUser:
		uid := uint32(who)
		if who == 0 {
			uid = t.cred().RealUID
		}
		for _, task := range k.tasks {
			if task.tg.credentials().RealUID == uid {
				out = append(out, task)
			}
		}
	default:
		return nil, unix.EINVAL
	}
	return out, nil
}

// sysGetpriority returns 20 - nice of the highest-priority (lowest nice)
// thread named: the raw syscall's 1..40, which the C library turns back
// into a nice value.
func sysGetpriority(t *Task, a [6]uint64) (uint64, error) {
	targets, err := t.prioTargets(int32(a[0]), int32(a[1]))
	if err != nil {
		return 0, err
	}
	if len(targets) == 0 {
		return 0, unix.ESRCH
	}
	best := int32(maxNice)
	for _, target := range targets {
		best = min(best, target.nice.Load())
	}
	return uint64(20 - best), nil
}

// sysSetpriority sets the (clamped) nice value of each thread named. A
// thread of another user is EPERM and lowering a nice value below what
// RLIMIT_NICE allows is EACCES, unless the caller is privileged (euid 0,
// CAP_SYS_NICE); as Linux, the last failure is the result and the
// threads allowed are changed.
func sysSetpriority(t *Task, a [6]uint64) (uint64, error) {
	targets, err := t.prioTargets(int32(a[0]), int32(a[1]))
	if err != nil {
		return 0, err
	}
	nice := max(min(int32(a[2]), maxNice), minNice)
	c := t.cred()
	result := error(unix.ESRCH)
	for _, target := range targets {
		switch {
		case !c.sameOwner(target.cred()):
			result = unix.EPERM
		case nice < target.nice.Load() && !t.canNice(target, nice):
			result = unix.EACCES
		default:
			if result == unix.ESRCH {
				result = nil
			}
			target.nice.Store(nice)
		}
	}
	return 0, result
}

// canNice is Linux's can_nice: the target's RLIMIT_NICE allows the value
// (as 20 - nice), or the caller is privileged.
func (t *Task) canNice(target *Task, nice int32) bool {
	return t.cred().hasCap(linux.CAP_SYS_NICE) || uint64(20-nice) <= target.tg.limit(unix.RLIMIT_NICE)
}

// hostNice is the sentry's own nice value, which the first process
// starts with as a program started by `nice -n N` would: Linux keeps the
// nice value over fork and execve.
func hostNice() int32 {
	prio, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if err != nil {
		return 0
	}
	return int32(20 - prio) // the raw syscall returns 20 - nice
}
