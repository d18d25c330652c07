package kernel

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

// wait4 and waitid: collecting children's state changes.

const (
	wNoHang    = 0x1
	wUntraced  = 0x2 // WSTOPPED for waitid
	wExited    = 0x4
	wContinued = 0x8
	wNoWait    = 0x1000000
	wNoThread  = 0x20000000
	wAll       = 0x40000000
	wClone     = 0x80000000

	pAll   = 0
	pPID   = 1
	pPGID  = 2
	pPIDFD = 3
)

// waitSel chooses which children a wait looks at.
type waitSel struct {
	pid  int          // > 0: that child
	pgid int          // > 0: children in that group
	tg   *ThreadGroup // P_PIDFD: that child
	opts int
}

// waitResult is one collected state change.
type waitResult struct {
	pid    int
	uid    uint32
	code   int // CLD_*
	status int // exit code or signal
	times  cpuTimes
}

// wstatus encodes r the way wait4 reports it.
func (r waitResult) wstatus() uint32 {
	switch r.code {
	case cldExited:
		return uint32(r.status&0xff) << 8
	case cldKilled:
		return uint32(r.status & 0x7f)
	case cldDumped:
		return uint32(r.status&0x7f) | 0x80
	case cldStopped:
		return uint32(r.status&0xff)<<8 | 0x7f
	case cldContinued:
		return 0xffff
	}
	return 0
}

func (s waitSel) matches(c *ThreadGroup) bool {
	switch {
	case s.tg != nil && c != s.tg:
		return false
	case s.pid > 0 && c.pid != s.pid:
		return false
	case s.pgid > 0 && c.proc.pgid != s.pgid:
		return false
	}
	if s.opts&wAll != 0 {
		return true
	}
	// __WCLONE selects exactly the children that report with a signal
	// other than SIGCHLD.
	return (c.proc.exitSignal != int(unix.SIGCHLD)) == (s.opts&wClone != 0)
}

// wait blocks until a child matching sel has a state change to report
// (exited with wExited, stopped with wUntraced, continued with
// wContinued) and returns it, reaping an exited child unless wNoWait.
// ok is false with wNoHang when children exist but none has changed.
func (t *Task) wait(sel waitSel) (r waitResult, ok bool, err error) {
	k := t.k
	for {
		k.mu.Lock()
		ch := t.tg.proc.childCh
		found := false
		for c := range t.tg.proc.children {
			if !sel.matches(c) {
				continue
			}
			found = true
			if r, ok := t.collectLocked(c, sel.opts); ok {
				k.mu.Unlock()
				return r, true, nil
			}
		}
		k.mu.Unlock()
		if !found {
			return waitResult{}, false, unix.ECHILD
		}
		if sel.opts&wNoHang != 0 {
			return waitResult{}, false, nil
		}
		if err := t.waitFor(ch, time.Time{}); err != nil {
			return waitResult{}, false, err
		}
	}
}

// collectLocked takes the reportable state change of child c, if any.
func (t *Task) collectLocked(c *ThreadGroup, opts int) (waitResult, bool) {
	p := &c.proc
	r := waitResult{pid: c.pid, uid: c.credentials().RealUID}
	switch {
	case p.zombie && opts&wExited != 0:
		st := c.exitStatus
		r.code, r.status = cldExited, st.Code
		if st.Signal != 0 {
			r.code, r.status = cldKilled, st.Signal
			if st.Core && !p.noCore {
				r.code = cldDumped
			}
		}
		r.times = p.selfTimes
		if opts&wNoWait == 0 {
			t.k.reapLocked(c)
		}
		return r, true
	case p.stopped && opts&wUntraced != 0:
		r.code, r.status = cldStopped, p.stopSig
		if opts&wNoWait == 0 {
			p.stopped = false
		}
		return r, true
	case p.continued && opts&wContinued != 0:
		r.code, r.status = cldContinued, int(unix.SIGCONT)
		if opts&wNoWait == 0 {
			p.continued = false
		}
		return r, true
	}
	return waitResult{}, false
}

func sysWait4(t *Task, a [6]uint64) (uint64, error) {
	pid, opts := int32(a[0]), int(uint32(a[2]))
	if opts&^(wNoHang|wUntraced|wContinued|wNoThread|wAll|wClone) != 0 {
		return 0, unix.EINVAL
	}
	sel := waitSel{opts: opts | wExited}
	switch {
	case pid == -1:
	case pid == 0:
		sel.pgid = t.pgid()
	case pid < -1:
		if pid == -1<<31 {
			return 0, unix.ESRCH
		}
		sel.pgid = int(-pid)
	default:
		sel.pid = int(pid)
	}
	r, ok, err := t.wait(sel)
	if err != nil || !ok {
		return 0, err
	}
	if a[1] != 0 {
		if err := t.writeU32(a[1], r.wstatus()); err != nil {
			return 0, err
		}
	}
	if a[3] != 0 {
		if err := t.copyOut(a[3], rusageBytes(r.times)); err != nil {
			return 0, err
		}
	}
	return uint64(r.pid), nil
}

func sysWaitid(t *Task, a [6]uint64) (uint64, error) {
	idtype, id, infop, opts := int(a[0]), a[1], a[2], int(uint32(a[3]))
	if opts&^(wNoHang|wUntraced|wExited|wContinued|wNoWait|wNoThread|wAll|wClone) != 0 ||
		opts&(wUntraced|wExited|wContinued) == 0 {
		return 0, unix.EINVAL
	}
	sel := waitSel{opts: opts}
	switch idtype {
	case pAll:
	case pPID:
		if int32(id) <= 0 {
			return 0, unix.EINVAL
		}
		sel.pid = int(int32(id))
	case pPGID:
		if int32(id) < 0 {
			return 0, unix.EINVAL
		}
		sel.pgid = int(int32(id))
		if sel.pgid == 0 {
			sel.pgid = t.pgid()
		}
	case pPIDFD:
		tg, err := t.pidfdTarget(int32(id))
		if err != nil {
			return 0, err
		}
		sel.tg = tg
	default:
		return 0, unix.EINVAL
	}
	r, ok, err := t.wait(sel)
	if err != nil {
		return 0, err
	}
	if infop != 0 {
		var si linux.SignalInfo // all zero when no child was waited for
		if ok {
			si.Signo, si.Code = int32(unix.SIGCHLD), int32(r.code)
			si.SetPID(int32(r.pid))
			si.SetUID(int32(r.uid))
			si.SetStatus(int32(r.status))
			// _sigchld's _utime and _stime, in clock ticks (USER_HZ
			// 100), follow si_status at 8-byte alignment; gVisor's
			// SignalInfo has no accessors for them.
			binary.LittleEndian.PutUint64(si.Fields[16:], uint64(r.times.user/10000))
			binary.LittleEndian.PutUint64(si.Fields[24:], uint64(r.times.sys/10000))
		}
		if err := t.copyOutObj(infop, &si); err != nil {
			return 0, err
		}
	}
	if a[4] != 0 {
		if err := t.copyOut(a[4], rusageBytes(r.times)); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// rusageBytes is a struct rusage holding only CPU times.
func rusageBytes(c cpuTimes) []byte {
	return marshal(&linux.Rusage{
		UTime: linux.Timeval{Sec: c.user / 1e6, Usec: c.user % 1e6},
		STime: linux.Timeval{Sec: c.sys / 1e6, Usec: c.sys % 1e6},
	})
}

func sysGetrusage(t *Task, a [6]uint64) (uint64, error) {
	var c cpuTimes
	switch int32(a[0]) {
	case unix.RUSAGE_THREAD:
		c = t.liveCPU()
	case unix.RUSAGE_SELF:
		c = t.processCPU()
	case unix.RUSAGE_CHILDREN:
		t.k.mu.Lock()
		c = t.tg.proc.childTimes
		t.k.mu.Unlock()
	default:
		return 0, unix.EINVAL
	}
	return 0, t.copyOut(a[1], rusageBytes(c))
}
