package kernel

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/arch"
	"sentry/pkg/signals"
)

// Signal syscalls. The machinery is task_signal.go (generation, choice
// of thread, delivery) and task_sigframe.go (frames, rt_sigreturn).

// sigsetSize is the only sigsetsize Linux accepts (64 signals).
const sigsetSize = 8

func sysRtSigaction(t *Task, a [6]uint64) (uint64, error) {
	sig := int(a[0])
	if !signals.Valid(sig) || a[3] != sigsetSize {
		return 0, unix.EINVAL
	}
	withRestorer := t.regs.Arch == arch.AMD64
	size := signals.ActionSizeNoRestorer
	if withRestorer {
		size = signals.ActionSizeRestorer
	}
	var nact *signals.Action
	if a[1] != 0 {
		b := make([]byte, size)
		if err := t.copyIn(a[1], b); err != nil {
			return 0, err
		}
		act := signals.DecodeAction(b, withRestorer)
		act.Mask &^= signals.Unblockable
		nact = &act
		if signals.Unblockable.Has(sig) {
			return 0, unix.EINVAL
		}
	}
	tg := t.tg
	tg.mu.Lock()
	var old signals.Action
	if nact == nil {
		old = tg.sig.hand.get(sig)
	} else {
		old = tg.sig.hand.swap(sig, *nact)
		if nact.Ignored(sig) {
			// POSIX: setting a pending signal to be ignored discards it.
			tg.sig.pending.Discard(signals.Bit(sig))
			for _, o := range tg.tasks {
				o.pending.Discard(signals.Bit(sig))
			}
		}
	}
	tg.mu.Unlock()
	if a[2] != 0 {
		return 0, t.copyOut(a[2], old.Encode(withRestorer))
	}
	return 0, nil
}

func sysRtSigprocmask(t *Task, a [6]uint64) (uint64, error) {
	if a[3] != sigsetSize {
		return 0, unix.EINVAL
	}
	var set signals.Set
	if a[1] != 0 {
		v, err := t.readU64(a[1])
		if err != nil {
			return 0, err
		}
		set = signals.Set(v)
		if a[0] > unix.SIG_SETMASK {
			return 0, unix.EINVAL
		}
	}
	tg := t.tg
	tg.mu.Lock()
	old := t.sigMask
	if a[1] != 0 {
		switch a[0] {
		case unix.SIG_BLOCK:
			t.sigMask |= set
		case unix.SIG_UNBLOCK:
			t.sigMask &^= set
		case unix.SIG_SETMASK:
			t.sigMask = set
		}
		t.sigMask &^= signals.Unblockable
	}
	tg.mu.Unlock()
	if a[2] != 0 {
		return 0, t.writeU64(a[2], uint64(old))
	}
	return 0, nil
}

// setMask replaces the task's mask.
func (t *Task) setMask(m signals.Set) {
	t.tg.mu.Lock()
	t.sigMask = m &^ signals.Unblockable
	t.tg.mu.Unlock()
}

func (t *Task) mask() signals.Set {
	t.tg.mu.Lock()
	defer t.tg.mu.Unlock()
	return t.sigMask
}

func sysSigaltstack(t *Task, a [6]uint64) (uint64, error) {
	sp := t.regs.SP()
	old := t.altStack
	oldFlags := t.altStackFlags(sp)
	if a[0] != 0 {
		var ss linux.SignalStack
		if err := t.copyInObj(a[0], &ss); err != nil {
			return 0, err
		}
		if err := t.setAltStack(stackT{ss.Addr, ss.Flags, ss.Size}, sp); err != nil {
			return 0, err
		}
	}
	if a[1] != 0 {
		if oldFlags == ssDisable {
			old = stackT{}
		}
		return 0, t.copyOutObj(a[1], &linux.SignalStack{Addr: old.sp, Flags: oldFlags, Size: old.size})
	}
	return 0, nil
}

// setAltStack is sigaltstack's setting half; sp is the current stack
// pointer (EPERM while running on the alternate stack).
func (t *Task) setAltStack(ns stackT, sp uint64) error {
	const minSigStkSz = 2048
	if t.onAltStack(sp) {
		return unix.EPERM
	}
	mode := ns.flags &^ ssAutodisarm
	switch {
	case mode != 0 && mode != ssDisable && mode != ssOnStack:
		return unix.EINVAL
	case mode == ssDisable:
		t.altStack = stackT{flags: ssDisable}
	case ns.size < minSigStkSz:
		return unix.ENOMEM
	default:
		t.altStack = stackT{sp: ns.sp, size: ns.size, flags: ns.flags & ssAutodisarm}
	}
	return nil
}

// userInfo is the siginfo of kill/tkill/tgkill from task t.
func (t *Task) userInfo(sig int, code int32) signals.Info {
	return signals.Info{Signo: int32(sig), Code: code, Pid: int32(t.tg.pid), Uid: int32(t.cred().RealUID)}
}

func sysTgkill(t *Task, a [6]uint64) (uint64, error) {
	tgid, tid, sig := int32(a[0]), int32(a[1]), int(a[2])
	if tgid <= 0 || tid <= 0 || (sig != 0 && !signals.Valid(sig)) {
		return 0, unix.EINVAL
	}
	target := t.k.taskByTID(int(tid))
	if target == nil || target.tg.pid != int(tgid) {
		return 0, unix.ESRCH
	}
	if !t.mayKill(target.tg, sig) {
		return 0, unix.EPERM
	}
	if sig == 0 {
		return 0, nil
	}
	return 0, t.sendFromInside(target.tg, t.userInfo(sig, signals.SITkill), target)
}

func sysTkill(t *Task, a [6]uint64) (uint64, error) {
	tid, sig := int32(a[0]), int(a[1])
	if tid <= 0 || (sig != 0 && !signals.Valid(sig)) {
		return 0, unix.EINVAL
	}
	target := t.k.taskByTID(int(tid))
	if target == nil {
		return 0, unix.ESRCH
	}
	if !t.mayKill(target.tg, sig) {
		return 0, unix.EPERM
	}
	if sig == 0 {
		return 0, nil
	}
	return 0, t.sendFromInside(target.tg, t.userInfo(sig, signals.SITkill), target)
}

// readQueueInfo reads rt_sigqueueinfo's siginfo: an application may not
// pose as the kernel or as kill/tkill when signalling another process.
func (t *Task) readQueueInfo(addr uint64, sig int, toSelf bool) (signals.Info, error) {
	b := make([]byte, signals.InfoSize)
	if err := t.copyIn(addr, b); err != nil {
		return signals.Info{}, err
	}
	info := signals.DecodeInfo(b)
	if (info.Code >= 0 || info.Code == signals.SITkill) && !toSelf {
		return info, unix.EPERM
	}
	info.Signo = int32(sig)
	return info, nil
}

func sysRtSigqueueinfo(t *Task, a [6]uint64) (uint64, error) {
	pid, sig := int32(a[0]), int(a[1])
	if !signals.Valid(sig) {
		return 0, unix.EINVAL
	}
	tg := t.k.groupByPID(int(pid))
	if tg == nil {
		return 0, unix.ESRCH
	}
	if !t.mayKill(tg, sig) {
		return 0, unix.EPERM
	}
	info, err := t.readQueueInfo(a[2], sig, tg == t.tg)
	if err != nil {
		return 0, err
	}
	return 0, t.sendFromInside(tg, info, nil)
}

func sysRtTgsigqueueinfo(t *Task, a [6]uint64) (uint64, error) {
	tgid, tid, sig := int32(a[0]), int32(a[1]), int(a[2])
	if tgid <= 0 || tid <= 0 || !signals.Valid(sig) {
		return 0, unix.EINVAL
	}
	target := t.k.taskByTID(int(tid))
	if target == nil || target.tg.pid != int(tgid) {
		return 0, unix.ESRCH
	}
	if !t.mayKill(target.tg, sig) {
		return 0, unix.EPERM
	}
	info, err := t.readQueueInfo(a[3], sig, target.tg == t.tg)
	if err != nil {
		return 0, err
	}
	return 0, t.sendFromInside(target.tg, info, target)
}

func sysRtSigpending(t *Task, a [6]uint64) (uint64, error) {
	if a[1] > sigsetSize {
		return 0, unix.EINVAL
	}
	tg := t.tg
	tg.mu.Lock()
	set := (t.pending.Pending() | tg.sig.pending.Pending()) & t.sigMask
	tg.mu.Unlock()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(set))
	return 0, t.copyOut(a[0], b[:a[1]])
}

func sysPause(t *Task, a [6]uint64) (uint64, error) {
	if err := t.waitFor(nil, time.Time{}); err != unix.EINTR {
		return 0, err
	}
	return 0, errRestartNoHand
}

func sysRtSigsuspend(t *Task, a [6]uint64) (uint64, error) {
	if a[1] != sigsetSize {
		return 0, unix.EINVAL
	}
	v, err := t.readU64(a[0])
	if err != nil {
		return 0, err
	}
	// The frame of the handler that ends the wait saves the old mask,
	// so that rt_sigreturn restores it (handleSignals).
	t.savedMask, t.haveSavedMask = t.mask(), true
	t.setMask(signals.Set(v))
	if err := t.waitFor(nil, time.Time{}); err != unix.EINTR {
		return 0, err
	}
	return 0, errRestartNoHand
}

func sysRtSigtimedwait(t *Task, a [6]uint64) (uint64, error) {
	if a[3] != sigsetSize {
		return 0, unix.EINVAL
	}
	v, err := t.readU64(a[0])
	if err != nil {
		return 0, err
	}
	set := signals.Set(v) &^ signals.Unblockable
	var deadline time.Time
	if a[2] != 0 {
		ts, err := t.readTimespec(a[2])
		if err != nil {
			return 0, err
		}
		deadline = time.Now().Add(time.Duration(ts.Sec)*time.Second + time.Duration(ts.Nsec))
	}
	tg := t.tg
	for {
		tg.mu.Lock()
		info, ok := t.dequeueLocked(set)
		if !ok {
			t.sigWaiting = set
		}
		tg.mu.Unlock()
		if ok {
			if a[1] != 0 {
				b := info.Encode()
				if err := t.copyOut(a[1], b[:]); err != nil {
					return 0, err
				}
			}
			return uint64(info.Signo), nil
		}
		err := t.waitFor(nil, deadline)
		tg.mu.Lock()
		t.sigWaiting = 0
		waited := (t.pending.Pending() | tg.sig.pending.Pending()) & set
		tg.mu.Unlock()
		switch {
		case waited != 0:
			continue
		case err == unix.ETIMEDOUT:
			return 0, unix.EAGAIN
		case err != nil:
			return 0, err
		}
	}
}
