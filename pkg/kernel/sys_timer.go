package kernel

import (
	"encoding/binary"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/signals"
)

// Timers that signal: alarm and setitimer(ITIMER_REAL) (one per process,
// SIGALRM to the process), and POSIX timers (timer_create: SIGEV_SIGNAL to
// the process, SIGEV_THREAD_ID to one thread, SIGEV_NONE). They run on Go
// timers; expiry sends through ThreadGroup.send like any other signal.
// ITIMER_VIRTUAL and ITIMER_PROF are recorded but never fire: the sentry
// does not account CPU time per process.

// timerTable is a process's timers. Lock order: timerTable.mu, then
// ktimer.mu, then ThreadGroup.mu (through send).
type timerTable struct {
	mu     sync.Mutex
	real   *ktimer
	other  [2]itimerVal // ITIMER_VIRTUAL, ITIMER_PROF: recorded only
	posix  map[int32]*ktimer
	nextID int32
}

type itimerVal struct{ value, interval time.Duration }

// ktimer is one armed-or-not timer.
type ktimer struct {
	mu       sync.Mutex
	tm       *time.Timer
	expiry   time.Time // zero: disarmed
	interval time.Duration
	gen      uint64 // bumped on every set, so stale expiries do nothing
	overrun  int32
	clock    int32 // POSIX timers: the clock of absolute settings
	fire     func(overrun int32)
}

// set arms the timer to expire after value (zero disarms) and every
// interval after that, and returns the previous setting.
func (kt *ktimer) set(value, interval time.Duration) itimerVal {
	kt.mu.Lock()
	defer kt.mu.Unlock()
	old := kt.getLocked()
	kt.gen++
	if kt.tm != nil {
		kt.tm.Stop()
		kt.tm = nil
	}
	kt.expiry, kt.interval, kt.overrun = time.Time{}, interval, 0
	if value > 0 {
		kt.expiry = time.Now().Add(value)
		kt.armLocked()
	}
	return old
}

func (kt *ktimer) armLocked() {
	gen := kt.gen
	kt.tm = time.AfterFunc(time.Until(kt.expiry), func() { kt.expire(gen) })
}

func (kt *ktimer) expire(gen uint64) {
	kt.mu.Lock()
	// (fire runs under mu; it only sends a signal, which takes
	// ThreadGroup.mu, below ktimer.mu in the lock order.)
	if gen != kt.gen || kt.expiry.IsZero() {
		kt.mu.Unlock()
		return
	}
	overrun := int32(0)
	if kt.interval > 0 {
		// Expiries missed while the sentry was busy count as overruns.
		now := time.Now()
		kt.expiry = kt.expiry.Add(kt.interval)
		for !kt.expiry.After(now) {
			kt.expiry = kt.expiry.Add(kt.interval)
			overrun++
		}
		kt.armLocked()
	} else {
		kt.expiry = time.Time{}
	}
	kt.overrun = overrun
	// Send while holding mu: once set or stop has returned, no expiry
	// of the old setting can still be on its way.
	kt.fire(overrun)
	kt.mu.Unlock()
}

func (kt *ktimer) get() itimerVal {
	kt.mu.Lock()
	defer kt.mu.Unlock()
	return kt.getLocked()
}

func (kt *ktimer) getLocked() itimerVal {
	v := itimerVal{interval: kt.interval}
	if !kt.expiry.IsZero() {
		v.value = max(time.Until(kt.expiry), time.Nanosecond)
	}
	return v
}

func (kt *ktimer) stop() {
	kt.mu.Lock()
	kt.gen++
	kt.expiry = time.Time{}
	if kt.tm != nil {
		kt.tm.Stop()
		kt.tm = nil
	}
	kt.mu.Unlock()
}

// stopTimers disarms everything when the process ends.
func (tg *ThreadGroup) stopTimers() {
	tt := &tg.timers
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if tt.real != nil {
		tt.real.stop()
	}
	for _, kt := range tt.posix {
		kt.stop()
	}
}

// realTimer is the process's ITIMER_REAL, created on first use.
func (tg *ThreadGroup) realTimer() *ktimer {
	tt := &tg.timers
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if tt.real == nil {
		tt.real = &ktimer{fire: func(int32) {
			_ = tg.send(signals.Info{Signo: signals.SIGALRM, Code: signals.SIKernel}, nil)
		}}
	}
	return tt.real
}

func sysAlarm(t *Task, a [6]uint64) (uint64, error) {
	old := t.tg.realTimer().set(time.Duration(uint32(a[0]))*time.Second, 0)
	secs := uint64((old.value + time.Second/2) / time.Second)
	if secs == 0 && old.value > 0 {
		secs = 1
	}
	return secs, nil
}

const (
	itimerReal    = 0
	itimerVirtual = 1
	itimerProf    = 2
)

func durTimeval(b []byte) (time.Duration, error) {
	le := binary.LittleEndian
	sec, usec := int64(le.Uint64(b)), int64(le.Uint64(b[8:]))
	if sec < 0 || usec < 0 || usec >= 1_000_000 {
		return 0, unix.EINVAL
	}
	return time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond, nil
}

func putTimeval(b []byte, d time.Duration) {
	le := binary.LittleEndian
	le.PutUint64(b, uint64(d/time.Second))
	le.PutUint64(b[8:], uint64(d%time.Second/time.Microsecond))
}

func (t *Task) writeItimerval(addr uint64, v itimerVal) error {
	var b [32]byte
	putTimeval(b[0:], v.interval)
	putTimeval(b[16:], v.value)
	return t.copyOut(addr, b[:])
}

func sysGetitimer(t *Task, a [6]uint64) (uint64, error) {
	var v itimerVal
	switch a[0] {
	case itimerReal:
		v = t.tg.realTimer().get()
	case itimerVirtual, itimerProf:
		t.tg.timers.mu.Lock()
		v = t.tg.timers.other[a[0]-1]
		t.tg.timers.mu.Unlock()
	default:
		return 0, unix.EINVAL
	}
	return 0, t.writeItimerval(a[1], v)
}

func sysSetitimer(t *Task, a [6]uint64) (uint64, error) {
	var nv itimerVal
	if a[1] != 0 {
		var b [32]byte
		if err := t.copyIn(a[1], b[:]); err != nil {
			return 0, err
		}
		var err error
		if nv.interval, err = durTimeval(b[0:]); err != nil {
			return 0, err
		}
		if nv.value, err = durTimeval(b[16:]); err != nil {
			return 0, err
		}
	}
	var old itimerVal
	switch a[0] {
	case itimerReal:
		old = t.tg.realTimer().set(nv.value, nv.interval)
	case itimerVirtual, itimerProf:
		tt := &t.tg.timers
		tt.mu.Lock()
		old, tt.other[a[0]-1] = tt.other[a[0]-1], nv
		tt.mu.Unlock()
	default:
		return 0, unix.EINVAL
	}
	if a[2] != 0 {
		return 0, t.writeItimerval(a[2], old)
	}
	return 0, nil
}

// sigevent notify kinds.
const (
	sigevSignal   = 0
	sigevNone     = 1
	sigevThread   = 2
	sigevThreadID = 4
)

const timerAbstimeFlag = 1

// maxPosixTimers bounds one process's timers (Linux bounds them by
// RLIMIT_SIGPENDING), so an application cannot grow the sentry without end.
const maxPosixTimers = 4096

func sysTimerCreate(t *Task, a [6]uint64) (uint64, error) {
	clock := int32(a[0])
	switch clock {
	case clockRealtime, clockMonotonic, clockBoottime, clockRealtimeAlarm, clockBoottimeAlarm, clockTAI:
	default:
		if _, ok := hostClock(clock); !ok {
			return 0, unix.EINVAL
		}
		return 0, unix.ENOTSUP // CPU-time clocks
	}
	notify, signo := int32(sigevSignal), int32(signals.SIGALRM)
	var value uint64
	var target *Task
	useID := true
	if a[1] != 0 {
		var b [64]byte
		if err := t.copyIn(a[1], b[:]); err != nil {
			return 0, err
		}
		le := binary.LittleEndian
		value, useID = le.Uint64(b[0:]), false
		signo, notify = int32(le.Uint32(b[8:])), int32(le.Uint32(b[12:]))
		switch notify {
		case sigevNone:
		case sigevSignal, sigevThreadID:
			if !signals.Valid(int(signo)) {
				return 0, unix.EINVAL
			}
			if notify == sigevThreadID {
				target = t.k.taskByTID(int(int32(le.Uint32(b[16:]))))
				if target == nil || target.tg != t.tg {
					return 0, unix.EINVAL
				}
			}
		default:
			return 0, unix.EINVAL
		}
	}
	tg := t.tg
	tt := &tg.timers
	tt.mu.Lock()
	if tt.posix == nil {
		tt.posix = map[int32]*ktimer{}
	}
	if len(tt.posix) >= maxPosixTimers {
		tt.mu.Unlock()
		return 0, unix.EAGAIN
	}
	id := tt.nextID
	tt.nextID++
	if useID {
		value = uint64(id)
	}
	kt := &ktimer{clock: clock}
	kt.fire = func(overrun int32) {
		if notify == sigevNone {
			return
		}
		_ = tg.send(signals.Info{Signo: signo, Code: signals.SITimer, TimerID: id, Overrun: overrun, Value: value}, target)
	}
	tt.posix[id] = kt
	tt.mu.Unlock()
	if err := t.writeU32(a[2], uint32(id)); err != nil {
		tt.mu.Lock()
		delete(tt.posix, id)
		tt.mu.Unlock()
		return 0, err
	}
	return 0, nil
}

func (tg *ThreadGroup) posixTimer(id int32) *ktimer {
	tt := &tg.timers
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return tt.posix[id]
}

func (t *Task) readItimerspec(addr uint64) (itimerVal, error) {
	var b [32]byte
	if err := t.copyIn(addr, b[:]); err != nil {
		return itimerVal{}, err
	}
	le := binary.LittleEndian
	var v itimerVal
	for i, d := range []*time.Duration{&v.interval, &v.value} {
		sec, nsec := int64(le.Uint64(b[16*i:])), int64(le.Uint64(b[16*i+8:]))
		if sec < 0 || nsec < 0 || nsec >= nsecPerSec {
			return v, unix.EINVAL
		}
		*d = time.Duration(sec)*time.Second + time.Duration(nsec)
	}
	return v, nil
}

func (t *Task) writeItimerspec(addr uint64, v itimerVal) error {
	var b [32]byte
	le := binary.LittleEndian
	for i, d := range []time.Duration{v.interval, v.value} {
		le.PutUint64(b[16*i:], uint64(d/time.Second))
		le.PutUint64(b[16*i+8:], uint64(d%time.Second))
	}
	return t.copyOut(addr, b[:])
}

func sysTimerSettime(t *Task, a [6]uint64) (uint64, error) {
	kt := t.tg.posixTimer(int32(a[0]))
	if kt == nil {
		return 0, unix.EINVAL
	}
	nv, err := t.readItimerspec(a[2])
	if err != nil {
		return 0, err
	}
	if a[1]&timerAbstimeFlag != 0 && nv.value != 0 {
		// An absolute expiry on the timer's clock: its distance from
		// now is what the Go timer needs.
		hc := int32(clockMonotonic)
		switch kt.clock {
		case clockRealtime, clockRealtimeAlarm, clockTAI:
			hc = clockRealtime
		}
		var now unix.Timespec
		_ = unix.ClockGettime(hc, &now)
		nv.value -= time.Duration(now.Sec)*time.Second + time.Duration(now.Nsec)
		if nv.value <= 0 {
			nv.value = time.Nanosecond // already due: fire now
		}
	}
	old := kt.set(nv.value, nv.interval)
	if a[3] != 0 {
		return 0, t.writeItimerspec(a[3], old)
	}
	return 0, nil
}

func sysTimerGettime(t *Task, a [6]uint64) (uint64, error) {
	kt := t.tg.posixTimer(int32(a[0]))
	if kt == nil {
		return 0, unix.EINVAL
	}
	return 0, t.writeItimerspec(a[1], kt.get())
}

func sysTimerGetoverrun(t *Task, a [6]uint64) (uint64, error) {
	kt := t.tg.posixTimer(int32(a[0]))
	if kt == nil {
		return 0, unix.EINVAL
	}
	kt.mu.Lock()
	defer kt.mu.Unlock()
	return uint64(kt.overrun), nil
}

func sysTimerDelete(t *Task, a [6]uint64) (uint64, error) {
	tt := &t.tg.timers
	tt.mu.Lock()
	kt := tt.posix[int32(a[0])]
	delete(tt.posix, int32(a[0]))
	tt.mu.Unlock()
	if kt == nil {
		return 0, unix.EINVAL
	}
	kt.stop()
	return 0, nil
}
