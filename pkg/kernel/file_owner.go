package kernel

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/netstack"
	"sentry/pkg/signals"
	"sentry/pkg/vfs"
)

// File owners: fcntl F_SETOWN/F_GETOWN/F_SETOWN_EX/F_GETOWN_EX, and the
// signal a socket sends its owner when urgent data arrives (SIGURG, as
// Linux's sk_send_sigurg). O_ASYNC's SIGIO is not generated.

// The f_owner_ex types.
const (
	fOwnerTID  = 0
	fOwnerPID  = 1
	fOwnerPGRP = 2
)

// fcntlOwner serves the owner commands; ok is false for other commands.
func (t *Task) fcntlOwner(f *vfs.File, cmd int, arg uint64) (ret uint64, ok bool, err error) {
	switch cmd {
	case unix.F_SETOWN:
		who := int32(arg)
		o := vfs.Owner{Type: fOwnerPID, ID: who}
		if who < 0 {
			if who == -1<<31 {
				return 0, true, unix.EINVAL
			}
			o = vfs.Owner{Type: fOwnerPGRP, ID: -who}
		}
		if !t.k.ownerExists(o) {
			return 0, true, unix.ESRCH
		}
		f.SetOwner(o)
		return 0, true, nil
	case unix.F_GETOWN:
		o := f.Owner()
		if o.Type == fOwnerPGRP {
			return uint64(int64(-o.ID)), true, nil
		}
		return uint64(int64(o.ID)), true, nil
	case unix.F_SETOWN_EX:
		var ox linux.FOwnerEx
		if err := t.copyInObj(arg, &ox); err != nil {
			return 0, true, err
		}
		o := vfs.Owner{Type: int(ox.Type), ID: ox.PID}
		if o.Type < fOwnerTID || o.Type > fOwnerPGRP {
			return 0, true, unix.EINVAL
		}
		if !t.k.ownerExists(o) {
			return 0, true, unix.ESRCH
		}
		f.SetOwner(o)
		return 0, true, nil
	case unix.F_GETOWN_EX:
		o := f.Owner()
		return 0, true, t.copyOutObj(arg, &linux.FOwnerEx{Type: int32(o.Type), PID: o.ID})
	}
	return 0, false, nil
}

// ownerExists reports whether o names a live thread, process or process
// group (no owner always exists); F_SETOWN of anything else is ESRCH.
func (k *Kernel) ownerExists(o vfs.Owner) bool {
	if o.ID == 0 {
		return true
	}
	task, tgs := k.ownerTargets(o)
	return task != nil || len(tgs) > 0
}

// ownerTargets resolves o: a thread for F_OWNER_TID, else the processes.
func (k *Kernel) ownerTargets(o vfs.Owner) (*Task, []*ThreadGroup) {
	if o.ID <= 0 {
		return nil, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	id := int(o.ID)
	switch o.Type {
	case fOwnerTID:
		return k.tasks[id], nil
	case fOwnerPID:
		if tg := k.procs[id]; tg != nil {
			return nil, []*ThreadGroup{tg}
		}
		if t := k.tasks[id]; t != nil {
			return nil, []*ThreadGroup{t.tg}
		}
	case fOwnerPGRP:
		var out []*ThreadGroup
		for _, tg := range k.procs {
			if tg.proc.pgid == id {
				out = append(out, tg)
			}
		}
		return nil, out
	}
	return nil, nil
}

// signalOwner sends sig (from the kernel) to f's owner, if it has one.
func (k *Kernel) signalOwner(f *vfs.File, sig int) {
	task, tgs := k.ownerTargets(f.Owner())
	if task != nil {
		_ = task.tg.send(signals.Info{Signo: int32(sig), Code: signals.SIKernel}, task)
	}
	for _, tg := range tgs {
		k.signalProcess(tg, sig)
	}
}

// newSocketVFSFile opens s as a file whose owner hears of urgent data.
func (k *Kernel) newSocketVFSFile(s *netstack.Socket, flags int) *vfs.File {
	f := vfs.NewFile(s, unix.O_RDWR|flags&unix.O_NONBLOCK, sockName(s))
	s.SetUrgentNotify(func() { k.signalOwner(f, signals.SIGURG) })
	return f
}
