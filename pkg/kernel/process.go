package kernel

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/signals"
)

// The process tree. Every thread group has a place in it from creation
// until it is reaped: its parent, its children, its process group and
// session, and once its last task is gone, its zombie status waiting for
// wait4/waitid. All of it is guarded by Kernel.mu (the PID table lock),
// which comes before ThreadGroup.mu.
//
// A parent learns about changes of its children through childCh, closed
// and replaced at every change (a broadcast that waitFor can select on).

// procLinks is a thread group's place in the process tree.
type procLinks struct {
	parent   *ThreadGroup // nil for PID 1
	children map[*ThreadGroup]struct{}
	pgid     int
	sid      int
	// exitSignal is what the parent gets when this process ends
	// (SIGCHLD for fork; clone's choice; 0 for none).
	exitSignal int
	// execed: the process has called execve since fork (setpgid on it
	// from its parent is then EACCES).
	execed bool
	// zombie: every task is gone; the status waits to be collected.
	zombie bool
	// stopped/continued: a job-control state change not yet reported to
	// a waiter with WUNTRACED/WCONTINUED (stopSig is the stop signal).
	stopSig   int
	stopped   bool
	continued bool
	subreaper bool
	// ctty is the session's controlling terminal, nil if none
	// (tty_job.go).
	ctty *ttyJob
	// noCore: killed by a core-dump signal but RLIMIT_CORE was 0.
	noCore  bool
	childCh chan struct{}
	// exited wakes pidfd pollers when the process ends (its own lock).
	exited epoll.Queue
	// selfTimes are the process's own CPU times, final once it is a
	// zombie; childTimes those of its reaped descendants (getrusage).
	selfTimes, childTimes cpuTimes
}

// cpuTimes are user and system CPU times in microseconds.
type cpuTimes struct{ user, sys int64 }

// registerProcess puts tg into the PID table as a child of parent (nil for
// PID 1, which leads the sandbox's first session and process group, and
// for a process an OCI exec starts, which leads its own). Only PID 1's
// session has the sentry's terminal. k.mu must be held.
func (k *Kernel) registerProcess(tg, parent *ThreadGroup) {
	if k.procs == nil {
		k.procs = map[int]*ThreadGroup{}
	}
	k.procs[tg.pid] = tg
	p := &tg.proc
	p.children = map[*ThreadGroup]struct{}{}
	p.childCh = make(chan struct{})
	p.parent = parent
	if parent == nil {
		p.pgid, p.sid = tg.pid, tg.pid
		p.exitSignal = int(unix.SIGCHLD)
		if k.init == nil && k.hostTerminal() {
			k.hostTTY.sid = tg.pid
			p.ctty = &k.hostTTY
		}
		return
	}
	p.pgid, p.sid = parent.proc.pgid, parent.proc.sid
	p.ctty = parent.proc.ctty
	parent.proc.children[tg] = struct{}{}
}

// notifyParentLocked wakes the waiters of tg's parent. k.mu must be held.
func (tg *ThreadGroup) notifyParentLocked() {
	if p := tg.proc.parent; p != nil {
		p.wakeWaitersLocked()
	}
}

// wakeWaitersLocked wakes tg's tasks waiting for a child. k.mu must be
// held.
func (tg *ThreadGroup) wakeWaitersLocked() {
	close(tg.proc.childCh)
	tg.proc.childCh = make(chan struct{})
}

// processExited is called once the last task of tg is gone and its
// resources released: tg becomes a zombie for its parent (or is reaped at
// once if the parent does not want to wait), its children go to the
// nearest subreaper or to PID 1, and children that asked for it get their
// parent-death signal. If tg is PID 1 the sandbox is over: shutdown kills
// the rest.
func (k *Kernel) processExited(tg *ThreadGroup) {
	// The sandbox writes no core files: a process killed by a core-dump
	// signal reports one as dumped only where Linux would have tried
	// (RLIMIT_CORE above zero), so shells agree with the host's.
	if tg.exitStatus.Core && tg.limit(unix.RLIMIT_CORE) == 0 {
		tg.mu.Lock()
		tg.proc.noCore = true
		tg.mu.Unlock()
	}
	k.sessionLeaderExited(tg)
	var deathSigs []func()
	var orphans []int
	k.mu.Lock()
	init := k.procs[1]
	for c := range tg.proc.children {
		np := k.newParentLocked(tg, init)
		delete(tg.proc.children, c)
		if sig := c.pdeathSignal(); sig != 0 {
			deathSigs = append(deathSigs, func() { k.signalProcess(c, sig) })
		}
		c.proc.parent = np
		// An adopted child reports with SIGCHLD whatever it chose
		// (Linux's reparent_leader: no one slays init).
		c.proc.exitSignal = int(unix.SIGCHLD)
		if np == nil {
			continue
		}
		np.proc.children[c] = struct{}{}
		if c.proc.zombie {
			if c.proc.exitSignal == int(unix.SIGCHLD) && np.autoReaps() {
				k.reapLocked(c)
			}
			np.wakeWaitersLocked()
			continue
		}
		if g := k.orphanCheckLocked(c, tg); g != 0 {
			orphans = append(orphans, g)
		}
	}
	if g := k.orphanCheckLocked(tg, nil); g != 0 {
		orphans = append(orphans, g)
	}
	tg.proc.zombie = true
	parent := tg.proc.parent
	autoReap := parent != nil && tg.proc.exitSignal == int(unix.SIGCHLD) && parent.autoReaps()
	if parent == nil {
		// PID 1 has no one to report to.
		delete(k.procs, tg.pid)
	} else if autoReap {
		k.reapLocked(tg)
		parent.wakeWaitersLocked()
	} else {
		tg.notifyParentLocked()
	}
	sig := tg.proc.exitSignal
	k.mu.Unlock()
	tg.proc.exited.Notify(epoll.EventIn)
	k.hangUpOrphans(orphans)
	for _, f := range deathSigs {
		f()
	}
	// SIGCHLD goes out even for an auto-reaped child when the parent
	// catches it with SA_NOCLDWAIT (an ignored one is discarded by send).
	st := tg.exitStatus
	code, status := cldExited, st.Code
	switch {
	case st.Signal != 0 && st.Core && !tg.proc.noCore:
		code, status = cldDumped, st.Signal
	case st.Signal != 0:
		code, status = cldKilled, st.Signal
	}
	k.notifyParent(parent, tg, sig, code, status)
}

// groupStopped records that a job-control signal stopped tg, for its
// parent's wait with WUNTRACED, and tells the parent (SIGCHLD, unless it
// set SA_NOCLDSTOP).
func (k *Kernel) groupStopped(tg *ThreadGroup, sig int) {
	k.mu.Lock()
	tg.proc.stopped, tg.proc.stopSig, tg.proc.continued = true, sig, false
	parent := tg.proc.parent
	tg.notifyParentLocked()
	k.mu.Unlock()
	if parent != nil && !parent.noCldStop() {
		k.notifyParent(parent, tg, signals.SIGCHLD, cldStopped, sig)
	}
}

// groupContinued records that SIGCONT resumed the stopped tg (WCONTINUED).
func (k *Kernel) groupContinued(tg *ThreadGroup) {
	k.mu.Lock()
	tg.proc.stopped, tg.proc.continued = false, true
	parent := tg.proc.parent
	tg.notifyParentLocked()
	k.mu.Unlock()
	if parent != nil && !parent.noCldStop() {
		k.notifyParent(parent, tg, signals.SIGCHLD, cldContinued, signals.SIGCONT)
	}
}

func (tg *ThreadGroup) noCldStop() bool {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.sig.hand.get(signals.SIGCHLD).Flags&signals.SANoCldStop != 0
}

// newParentLocked picks the new parent of an orphan of tg: the nearest
// living subreaper among tg's ancestors, else init (nil if init is tg).
func (k *Kernel) newParentLocked(tg, init *ThreadGroup) *ThreadGroup {
	for a := tg.proc.parent; a != nil; a = a.proc.parent {
		if a.proc.subreaper && !a.proc.zombie {
			return a
		}
	}
	if init == tg || init == nil || init.proc.zombie {
		return nil
	}
	return init
}

// autoReaps reports whether tg's children are reaped as they exit:
// SIGCHLD ignored, or SA_NOCLDWAIT.
func (tg *ThreadGroup) autoReaps() bool {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	act := tg.sig.hand.get(signals.SIGCHLD)
	return act.Handler == signals.SigIgn || act.Flags&signals.SANoCldWait != 0
}

// pdeathSignal is the parent-death signal a task of tg asked for.
func (tg *ThreadGroup) pdeathSignal() int {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	for _, t := range tg.tasks {
		if t.pdeathSig != 0 {
			return t.pdeathSig
		}
	}
	return 0
}

// reapLocked removes the zombie tg from the tree, adding its CPU times to
// its parent's children's times, and frees its PID's charge against the
// pids limit. k.mu must be held.
func (k *Kernel) reapLocked(tg *ThreadGroup) {
	if p := tg.proc.parent; p != nil {
		delete(p.proc.children, tg)
		p.proc.childTimes.user += tg.proc.selfTimes.user + tg.proc.childTimes.user
		p.proc.childTimes.sys += tg.proc.selfTimes.sys + tg.proc.childTimes.sys
	}
	delete(k.procs, tg.pid)
	tg.proc.parent = nil
	k.tasksLive.Add(-1) // the zombie's PID (exitTask)
}

// processByPID returns the process (or zombie) pid.
func (k *Kernel) processByPID(pid int) *ThreadGroup {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.procs[pid]
}

// shutdown ends the sandbox after PID 1 exited: every other process is
// killed and waited for, so that no stub process outlives the run and no
// task goroutine still touches the memory file when Close unmaps it. A
// process may be halfway through fork when the others are listed: its
// child is registered before its fork returns, that is before it can
// exit, so the next round finds the child. Forks from then on fail as in
// a PID namespace whose init has gone (ENOMEM, Linux's alloc_pid), which
// lets a fork bomb end in few rounds.
func (k *Kernel) shutdown() {
	k.dying.Store(true)
	for {
		k.mu.Lock()
		var live []*ThreadGroup
		for _, tg := range k.procs {
			if !tg.proc.zombie {
				live = append(live, tg)
			}
		}
		k.mu.Unlock()
		if len(live) == 0 {
			return
		}
		for _, tg := range live {
			tg.exitGroup(ExitStatus{Signal: int(unix.SIGKILL)})
		}
		for _, tg := range live {
			<-tg.done
		}
	}
}
