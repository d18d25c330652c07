package kernel

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// Signal state as far as the foundation needs it: dispositions, the mask
// and the alternate stack are recorded and reported back exactly; delivery
// to a handler comes with the signals issue, so a signal that would run a
// handler is refused (ENOSYS, with a warning) rather than dropped.

const (
	numSignals = 64
	sigDfl     = 0
	sigIgn     = 1
)

// sigaction is struct kernel_sigaction (amd64 field order; riscv64 has
// no sa_restorer, see marshal below).
type sigaction struct {
	handler, flags, restorer, mask uint64
}

type stackT struct {
	sp    uint64
	flags int32
	size  uint64
}

type signalState struct {
	actions [numSignals + 1]sigaction
}

func sigBit(sig int) uint64 { return 1 << (sig - 1) }

// unblockable are SIGKILL and SIGSTOP.
const unblockable = 1<<(unix.SIGKILL-1) | 1<<(unix.SIGSTOP-1)

func sysRtSigaction(t *Task, a [6]uint64) (uint64, error) {
	sig := int(a[0])
	if sig < 1 || sig > numSignals || a[3] != 8 {
		return 0, unix.EINVAL
	}
	var nact *sigaction
	if a[1] != 0 {
		var b [32]byte
		if err := t.copyIn(a[1], b[:]); err != nil {
			return 0, err
		}
		le := binary.LittleEndian
		nact = &sigaction{le.Uint64(b[0:]), le.Uint64(b[8:]), le.Uint64(b[16:]), le.Uint64(b[24:]) &^ unblockable}
		if sig == int(unix.SIGKILL) || sig == int(unix.SIGSTOP) {
			return 0, unix.EINVAL
		}
	}
	t.tg.mu.Lock()
	old := t.tg.sig.actions[sig]
	if nact != nil {
		t.tg.sig.actions[sig] = *nact
	}
	t.tg.mu.Unlock()
	if a[2] != 0 {
		var b [32]byte
		le := binary.LittleEndian
		le.PutUint64(b[0:], old.handler)
		le.PutUint64(b[8:], old.flags)
		le.PutUint64(b[16:], old.restorer)
		le.PutUint64(b[24:], old.mask)
		return 0, t.copyOut(a[2], b[:])
	}
	return 0, nil
}

func sysRtSigprocmask(t *Task, a [6]uint64) (uint64, error) {
	if a[3] != 8 {
		return 0, unix.EINVAL
	}
	old := t.sigMask
	if a[1] != 0 {
		set, err := t.readU64(a[1])
		if err != nil {
			return 0, err
		}
		switch a[0] {
		case unix.SIG_BLOCK:
			t.sigMask |= set
		case unix.SIG_UNBLOCK:
			t.sigMask &^= set
		case unix.SIG_SETMASK:
			t.sigMask = set
		default:
			return 0, unix.EINVAL
		}
		t.sigMask &^= unblockable
	}
	if a[2] != 0 {
		return 0, t.writeU64(a[2], old)
	}
	return 0, nil
}

func sysSigaltstack(t *Task, a [6]uint64) (uint64, error) {
	const ssDisable, ssAutodisarm, minSigStkSz = 2, 1 << 31, 2048
	old := t.altStack
	if a[0] != 0 {
		var b [24]byte
		if err := t.copyIn(a[0], b[:]); err != nil {
			return 0, err
		}
		le := binary.LittleEndian
		ns := stackT{le.Uint64(b[0:]), int32(le.Uint32(b[8:])), le.Uint64(b[16:])}
		switch {
		case uint32(ns.flags)&^(ssDisable|ssAutodisarm) != 0:
			return 0, unix.EINVAL
		case ns.flags&ssDisable != 0:
			ns = stackT{flags: ssDisable}
		case ns.size < minSigStkSz:
			return 0, unix.ENOMEM
		}
		t.altStack = ns
	}
	if a[1] != 0 {
		var b [24]byte
		le := binary.LittleEndian
		flags := old.flags
		if old.size == 0 {
			flags = ssDisable
		}
		le.PutUint64(b[0:], old.sp)
		le.PutUint32(b[8:], uint32(flags))
		le.PutUint64(b[16:], old.size)
		return 0, t.copyOut(a[1], b[:])
	}
	return 0, nil
}

// defaultIgnored are the signals whose default action is to ignore.
func defaultIgnored(sig int) bool {
	switch unix.Signal(sig) {
	case unix.SIGCHLD, unix.SIGURG, unix.SIGWINCH, unix.SIGCONT:
		return true
	}
	return false
}

// sendSelf applies a signal sent to the task's own process.
func (t *Task) sendSelf(sig int) error {
	if sig == 0 {
		return nil
	}
	if sig < 0 || sig > numSignals {
		return unix.EINVAL
	}
	t.tg.mu.Lock()
	act := t.tg.sig.actions[sig]
	t.tg.mu.Unlock()
	switch {
	case sig != int(unix.SIGKILL) && act.handler == sigIgn, act.handler == sigDfl && defaultIgnored(sig):
		return nil
	case sig != int(unix.SIGKILL) && t.sigMask&sigBit(sig) != 0:
		return nil
	case act.handler != sigDfl && sig != int(unix.SIGKILL):
		fmt.Fprintf(t.k.cfg.Warn, "sentry: delivery of signal %d to a handler is not supported yet\n", sig)
		return unix.ENOSYS
	}
	t.tg.exitGroup(ExitStatus{Signal: sig})
	return errExited
}

func sysTgkill(t *Task, a [6]uint64) (uint64, error) {
	if int32(a[0]) <= 0 || int32(a[1]) <= 0 {
		return 0, unix.EINVAL
	}
	if int(a[0]) != t.tg.pid || t.k.taskByTID(int(a[1])) == nil {
		return 0, unix.ESRCH
	}
	return 0, t.sendSelf(int(a[2]))
}

func sysTkill(t *Task, a [6]uint64) (uint64, error) {
	if int32(a[0]) <= 0 {
		return 0, unix.EINVAL
	}
	if t.k.taskByTID(int(a[0])) == nil {
		return 0, unix.ESRCH
	}
	return 0, t.sendSelf(int(a[1]))
}

func (k *Kernel) taskByTID(tid int) *Task {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.tasks[tid]
}
