package kernel

import "golang.org/x/sys/unix"

const rlimInfinity = ^uint64(0)

type rlimit struct{ cur, max uint64 }

// rlimits are a process's resource limits, indexed by RLIMIT_*.
type rlimits [16]rlimit

// defaultRlimits are Linux's defaults for a process started by init, with
// the fd limit a systemd-run session gets, capped at nofile.
func defaultRlimits(nofile uint64) rlimits {
	var r rlimits
	for i := range r {
		r[i] = rlimit{rlimInfinity, rlimInfinity}
	}
	r[unix.RLIMIT_STACK] = rlimit{8 << 20, rlimInfinity}
	r[unix.RLIMIT_CORE] = rlimit{0, rlimInfinity}
	r[unix.RLIMIT_NOFILE] = rlimit{min(1024, nofile), nofile}
	r[unix.RLIMIT_NPROC] = rlimit{63432, 63432}
	r[unix.RLIMIT_MEMLOCK] = rlimit{8 << 20, 8 << 20}
	r[unix.RLIMIT_SIGPENDING] = rlimit{63432, 63432}
	r[unix.RLIMIT_MSGQUEUE] = rlimit{819200, 819200}
	r[unix.RLIMIT_NICE] = rlimit{0, 0}
	r[unix.RLIMIT_RTPRIO] = rlimit{0, 0}
	return r
}

func (tg *ThreadGroup) limit(res int) uint64 {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.limits[res].cur
}

// prlimit reads and optionally replaces one limit. The sandbox runs as
// root, so raising a hard limit is allowed (CAP_SYS_RESOURCE), up to
// nr_open (Config.NoFile) for RLIMIT_NOFILE.
func (tg *ThreadGroup) prlimit(res int, newLim *rlimit) (rlimit, error) {
	if res < 0 || res >= len(tg.limits) {
		return rlimit{}, unix.EINVAL
	}
	tg.mu.Lock()
	defer tg.mu.Unlock()
	old := tg.limits[res]
	if newLim != nil {
		if newLim.cur > newLim.max {
			return rlimit{}, unix.EINVAL
		}
		if res == unix.RLIMIT_NOFILE && newLim.max > tg.k.cfg.NoFile {
			return rlimit{}, unix.EPERM
		}
		tg.limits[res] = *newLim
	}
	return old, nil
}
