package kernel

import "sentry/pkg/signals"

// Orphaned process groups (POSIX, Linux's kernel/exit.c). A process group
// is orphaned when no member has a parent in another group of the same
// session: no job-control shell is left that could continue its stopped
// members. When an exit makes a group orphaned and the group has a
// stopped member, every member gets SIGHUP then SIGCONT, so that stopped
// jobs do not linger forever. Unlike Linux, a child of the sandbox's PID
// 1 keeps its group alive like any other: that PID 1 is an application
// (a shell, say), not the machine's init.

// willBeOrphanedLocked reports whether group pgid has no member, other
// than ignored, with a parent in another group of the same session
// (Linux's will_become_orphaned_pgrp). k.mu must be held.
func (k *Kernel) willBeOrphanedLocked(pgid int, ignored *ThreadGroup) bool {
	for _, p := range k.procs {
		if p.proc.pgid != pgid || p == ignored || p.proc.zombie {
			continue
		}
		par := p.proc.parent
		if par != nil && par.proc.pgid != pgid && par.proc.sid == p.proc.sid {
			return false
		}
	}
	return true
}

// hasStoppedLocked reports whether a member of group pgid is stopped.
// k.mu must be held (ThreadGroup.mu comes after it).
func (k *Kernel) hasStoppedLocked(pgid int) bool {
	for _, p := range k.procs {
		if p.proc.pgid != pgid || p.proc.zombie {
			continue
		}
		p.mu.Lock()
		stopped := p.sig.stopped
		p.mu.Unlock()
		if stopped {
			return true
		}
	}
	return false
}

// orphanCheckLocked is Linux's kill_orphaned_pgrp test for tg: with
// parent nil, tg is exiting and its own group loses tg's link to its
// parent; otherwise tg was just reparented away from parent, which is
// exiting. It reports the group that must get SIGHUP and SIGCONT, or 0.
// k.mu must be held.
func (k *Kernel) orphanCheckLocked(tg, parent *ThreadGroup) int {
	ignored := tg
	if parent == nil {
		parent = tg.proc.parent
	} else {
		ignored = nil
	}
	pgid := tg.proc.pgid
	if parent == nil || parent.proc.pgid == pgid || parent.proc.sid != tg.proc.sid {
		return 0
	}
	if !k.willBeOrphanedLocked(pgid, ignored) || !k.hasStoppedLocked(pgid) {
		return 0
	}
	return pgid
}

// hangUpOrphans sends SIGHUP then SIGCONT to every member of each group,
// once per group: Linux finds a group hung up by an earlier check no
// longer stopped.
func (k *Kernel) hangUpOrphans(pgids []int) {
	done := map[int]bool{}
	for _, g := range pgids {
		if done[g] {
			continue
		}
		done[g] = true
		k.signalGroup(g, signals.SIGHUP)
		k.signalGroup(g, signals.SIGCONT)
	}
}

// signalGroup sends sig from the kernel to every live member of group
// pgid.
func (k *Kernel) signalGroup(pgid, sig int) {
	k.mu.Lock()
	var members []*ThreadGroup
	for _, tg := range k.procs {
		if tg.proc.pgid == pgid && !tg.proc.zombie {
			members = append(members, tg)
		}
	}
	k.mu.Unlock()
	for _, tg := range members {
		_ = tg.send(signals.Info{Signo: int32(sig), Code: signals.SIKernel}, nil)
	}
}
