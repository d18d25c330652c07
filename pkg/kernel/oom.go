package kernel

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/vm"
)

// The OOM killer of the sandbox's memory account (Config.MemoryLimit,
// docker's --memory). The host creates memory-file pages when the
// application touches them, without a trap, so nothing refuses a page:
// as in a memory cgroup, mmap and brk succeed whatever the limit (Linux's
// overcommit heuristic) and going past the limit kills. The kernel learns
// of the pages by sampling the account; a program touching memory fast
// may go past the limit by what it touches between two samples.

const (
	// oomSlowPoll samples a sandbox far from its limit; oomFastPoll one
	// past half of it, where a fast toucher could reach it soon.
	oomSlowPoll = 20 * time.Millisecond
	oomFastPoll = time.Millisecond
)

// watchMemory samples the account until stop is closed, killing a
// process whenever usage is over the limit.
func (k *Kernel) watchMemory(stop <-chan struct{}) {
	t := time.NewTimer(oomSlowPoll)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		used, limit := k.mem.Usage(), k.mem.Limit()
		if used > limit {
			if victim := k.oomKill(); victim != nil {
				// Its pages are freed only once it is gone: killing
				// again before that would take more processes than
				// needed (Linux's OOM reaper waits the same way).
				select {
				case <-stop:
					return
				case <-victim.done:
				}
			}
		}
		if used > limit/2 {
			t.Reset(oomFastPoll)
		} else {
			t.Reset(oomSlowPoll)
		}
	}
}

// oomKill sends SIGKILL to the live process with the largest badness,
// as Linux's OOM killer chooses: its resident memory plus oom_score_adj
// thousandths of the limit, never one whose oom_score_adj is -1000 (the
// container's init is not otherwise exempt from a memory cgroup's
// killer), and says so on the warning stream. nil when no process may
// be killed or none holds memory.
func (k *Kernel) oomKill() *ThreadGroup {
	k.mu.Lock()
	live := make([]*ThreadGroup, 0, len(k.procs))
	for _, tg := range k.procs {
		if !tg.proc.zombie {
			live = append(live, tg)
		}
	}
	k.mu.Unlock()
	var victim *ThreadGroup
	var worst, victimRSS int64
	seen := map[*vm.MM]int64{}
	for _, tg := range live {
		tg.mu.Lock()
		mm, exiting, adj := tg.mm, tg.exiting, tg.oomScoreAdj
		tg.mu.Unlock()
		if mm == nil || exiting || adj <= -1000 {
			continue
		}
		rss, ok := seen[mm]
		if !ok {
			rss = mm.Resident()
			seen[mm] = rss
		}
		if rss == 0 {
			continue
		}
		badness := oomBadness(rss, adj, k.mem.Limit())
		if victim == nil || badness > worst || (badness == worst && tg.pid > victim.pid) {
			victim, worst, victimRSS = tg, badness, rss
		}
	}
	if victim == nil {
		return nil
	}
	fmt.Fprintf(k.cfg.Warn, "sentry: out of memory: killed process %d (%s), RSS %d kB\n", victim.pid, victim.comm(), victimRSS>>10)
	k.signalProcess(victim, int(unix.SIGKILL))
	return victim
}

// comm is the name of tg's oldest thread, the process's name in ps.
func (tg *ThreadGroup) comm() string {
	tg.mu.Lock()
	var lead *Task
	for _, t := range tg.tasks {
		if lead == nil || t.tid < lead.tid {
			lead = t
		}
	}
	tg.mu.Unlock()
	if lead == nil {
		return ""
	}
	return lead.comm()
}

// oomBadness is Linux's oom_badness for a memory cgroup of limit bytes:
// the resident bytes plus adj thousandths of the limit, at least 1 so
// that a process holding memory stays a candidate. The resident bytes
// count up to the limit only: a memcg's charge fails at the limit, so on
// Linux no process is past it when the victim is chosen, while the
// sampled account here lets a fast toucher overshoot between two
// samples, by an amount that must not outweigh oom_score_adj.
func oomBadness(rss int64, adj int, limit int64) int64 {
	return max(min(rss, limit)+int64(adj)*(limit/1000), 1)
}
