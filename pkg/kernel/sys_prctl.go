package kernel

import (
	"bytes"
	"sentry/pkg/signals"

	"golang.org/x/sys/unix"
)

// prctl options the sandbox serves; others are EINVAL, as Linux answers
// an option it does not know.
func sysPrctl(t *Task, a [6]uint64) (uint64, error) {
	switch int(a[0]) {
	case unix.PR_SET_NAME:
		var b [16]byte
		n, err := t.tg.mm.CopyIn(a[1], b[:])
		if n == 0 && err != nil {
			return 0, err
		}
		name := b[:n]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		} else if len(name) == 16 {
			name = name[:15]
		}
		t.setComm(string(name))
		return 0, nil
	case unix.PR_GET_NAME:
		var b [16]byte
		copy(b[:15], t.comm())
		return 0, t.copyOut(a[1], b[:])
	case unix.PR_SET_PDEATHSIG:
		if a[1] > signals.NumSignals {
			return 0, unix.EINVAL
		}
		t.pdeathSig = int(a[1])
		return 0, nil
	case unix.PR_GET_PDEATHSIG:
		return 0, t.writeU32(a[1], uint32(t.pdeathSig))
	case unix.PR_SET_CHILD_SUBREAPER:
		t.k.mu.Lock()
		t.tg.proc.subreaper = a[1] != 0
		t.k.mu.Unlock()
		return 0, nil
	case unix.PR_GET_CHILD_SUBREAPER:
		t.k.mu.Lock()
		v := t.tg.proc.subreaper
		t.k.mu.Unlock()
		var n uint32
		if v {
			n = 1
		}
		return 0, t.writeU32(a[1], n)
	case unix.PR_GET_DUMPABLE:
		if t.tg.nonDumpable.Load() {
			return 0, nil
		}
		return 1, nil
	case unix.PR_SET_DUMPABLE:
		if a[1] > 1 {
			return 0, unix.EINVAL
		}
		t.tg.nonDumpable.Store(a[1] == 0)
		return 0, nil
	case unix.PR_SET_NO_NEW_PRIVS:
		if a[1] != 1 || a[2] != 0 || a[3] != 0 || a[4] != 0 {
			return 0, unix.EINVAL
		}
		t.tg.mu.Lock()
		t.tg.noNewPrivs = true
		t.tg.mu.Unlock()
		return 0, nil
	case unix.PR_GET_NO_NEW_PRIVS:
		t.tg.mu.Lock()
		defer t.tg.mu.Unlock()
		if t.tg.noNewPrivs {
			return 1, nil
		}
		return 0, nil
	case unix.PR_CAPBSET_READ, unix.PR_CAPBSET_DROP, unix.PR_GET_KEEPCAPS, unix.PR_SET_KEEPCAPS, unix.PR_CAP_AMBIENT:
		return t.prctlCaps(a)
	case unix.PR_GET_TIMERSLACK:
		return 50000, nil
	case unix.PR_SET_TIMERSLACK:
		return 0, nil
	case unix.PR_GET_SECCOMP:
		return 0, nil
	}
	return 0, unix.EINVAL
}

// comm is the task's name: the one set, or the program's base name.
func (t *Task) comm() string {
	t.tg.mu.Lock()
	defer t.tg.mu.Unlock()
	if t.named {
		return t.name
	}
	n := t.tg.exe
	for i := len(n) - 1; i >= 0; i-- {
		if n[i] == '/' {
			n = n[i+1:]
			break
		}
	}
	if len(n) > 15 {
		n = n[:15]
	}
	return n
}

func (t *Task) setComm(s string) {
	t.tg.mu.Lock()
	t.name, t.named = s, true
	t.tg.mu.Unlock()
}
