package kernel

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/signals"
)

// Timers that signal: alarm and setitimer(ITIMER_REAL) (one per process,
// SIGALRM to the process), setitimer(ITIMER_VIRTUAL) and (ITIMER_PROF) on
// the process's user and user+system CPU time (SIGVTALRM, SIGPROF to the
// process), and POSIX timers (timer_create on a wall or a CPU clock:
// SIGEV_SIGNAL to the process, SIGEV_THREAD_ID to one thread, SIGEV_NONE).
// They run on Go timers; expiry sends through ThreadGroup.send like any
// other signal.
//
// A timer on a CPU clock cannot be told when its clock reaches the
// deadline: its Go timer wakes at the earliest wall-clock instant the
// clock could have got there (cpuClock.wait), samples the clock, and fires
// or sleeps again. Its granularity is cpuTimerTick, as Linux's is the
// scheduler tick.

// timerTable is a process's timers. Lock order: timerTable.mu, then
// ktimer.mu, then ThreadGroup.mu (through send, and through sampling a CPU
// clock, which may be another process's).
type timerTable struct {
	mu     sync.Mutex
	real   *ktimer
	cpu    [2]*ktimer // ITIMER_VIRTUAL, ITIMER_PROF, created on first use
	posix  map[int32]*ktimer
	nextID int32
}

type itimerVal struct{ value, interval time.Duration }

// timerClock is what a ktimer counts: nanoseconds of wall time or of a
// CPU clock (cpuClock).
type timerClock interface {
	now() int64
	// wait is how long the clock needs at least to advance by
	// remaining; false if it never will.
	wait(remaining int64) (time.Duration, bool)
}

// wallClock is the monotonic clock, for ITIMER_REAL and the POSIX timers
// of wall clocks (whose absolute settings become relative ones).
type wallClock struct{ k *Kernel }

func (c wallClock) now() int64 { return c.k.monoNS() }

func (c wallClock) wait(remaining int64) (time.Duration, bool) {
	return time.Duration(max(remaining, 0)), true
}

// ktimer is one armed-or-not timer.
type ktimer struct {
	clk      timerClock
	mu       sync.Mutex
	tm       *time.Timer
	expiry   int64 // on clk; zero: disarmed
	interval time.Duration
	gen      uint64 // bumped on every set, so stale expiries do nothing
	overrun  int32
	clock    int32 // POSIX timers: the clock of absolute settings
	// due is the value a due timer that has not fired yet shows
	// (zero: 1 ns, as POSIX timers show it).
	due  time.Duration
	fire func(overrun int32)
}

// set arms the timer to expire after value (zero disarms) and every
// interval after that, and returns the previous setting.
func (kt *ktimer) set(value, interval time.Duration) itimerVal {
	kt.mu.Lock()
	defer kt.mu.Unlock()
	at := int64(0)
	if value > 0 {
		at = kt.clk.now() + int64(value)
	}
	return kt.setLocked(at, interval)
}

// setAbs arms the timer to expire when its clock reads at (zero
// disarms); one already past expires at once.
func (kt *ktimer) setAbs(at int64, interval time.Duration) itimerVal {
	kt.mu.Lock()
	defer kt.mu.Unlock()
	return kt.setLocked(at, interval)
}

func (kt *ktimer) setLocked(at int64, interval time.Duration) itimerVal {
	old := kt.getLocked()
	kt.gen++
	if kt.tm != nil {
		kt.tm.Stop()
		kt.tm = nil
	}
	kt.expiry, kt.interval, kt.overrun = at, interval, 0
	if at != 0 {
		kt.armLocked()
	}
	return old
}

// armLocked starts the Go timer for the next look at the clock. A clock
// that can no longer advance leaves the timer armed but silent, as Linux
// leaves a CPU timer whose thread or process is gone.
func (kt *ktimer) armLocked() {
	d, ok := kt.clk.wait(kt.expiry - kt.clk.now())
	if !ok {
		return
	}
	gen := kt.gen
	kt.tm = time.AfterFunc(d, func() { kt.expire(gen) })
}

func (kt *ktimer) expire(gen uint64) {
	kt.mu.Lock()
	// (fire runs under mu; it only sends a signal, which takes
	// ThreadGroup.mu, below ktimer.mu in the lock order.)
	if gen != kt.gen || kt.expiry == 0 {
		kt.mu.Unlock()
		return
	}
	now := kt.clk.now()
	if now < kt.expiry {
		// A CPU clock that has not got there yet.
		kt.armLocked()
		kt.mu.Unlock()
		return
	}
	overrun := int32(0)
	if iv := int64(kt.interval); iv > 0 {
		// Expiries missed while the sentry was busy (or, on a CPU
		// clock, within one tick) count as overruns.
		missed := (now - kt.expiry) / iv
		kt.expiry += (missed + 1) * iv
		overrun = int32(min(missed, int64(^uint32(0)>>1)))
		kt.armLocked()
	} else {
		kt.expiry = 0
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

// getLocked is the setting now. A timer due but not yet fired (a CPU
// timer between samples) shows kt.due left.
func (kt *ktimer) getLocked() itimerVal {
	v := itimerVal{interval: kt.interval}
	if kt.expiry != 0 {
		v.value = time.Duration(kt.expiry - kt.clk.now())
		if v.value <= 0 {
			v.value = max(kt.due, time.Nanosecond)
		}
	}
	return v
}

func (kt *ktimer) stop() {
	kt.mu.Lock()
	kt.gen++
	kt.expiry = 0
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
	for _, kt := range tt.cpu {
		if kt != nil {
			kt.stop()
		}
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
		// A due ITIMER_REAL shows 1 µs, as in Linux's
		// itimer_get_remtime, so that getitimer's timeval is not 0.
		tt.real = &ktimer{clk: wallClock{tg.k}, due: time.Microsecond, fire: func(int32) {
			_ = tg.send(signals.Info{Signo: signals.SIGALRM, Code: signals.SIKernel}, nil)
		}}
	}
	return tt.real
}

// cpuItimer is the process's ITIMER_VIRTUAL or ITIMER_PROF, created on
// first use.
func (tg *ThreadGroup) cpuItimer(which uint64) *ktimer {
	tt := &tg.timers
	tt.mu.Lock()
	defer tt.mu.Unlock()
	i := which - itimerVirtual
	if tt.cpu[i] == nil {
		clk, sig := cpuClock{which: cpuclockVirt, tg: tg}, signals.SIGVTALRM
		if which == itimerProf {
			clk, sig = cpuClock{which: cpuclockProf, tg: tg}, signals.SIGPROF
		}
		// A due CPU itimer shows a tick, as in Linux's get_cpu_itimer.
		tt.cpu[i] = &ktimer{clk: clk, due: cpuTimerTick, fire: func(int32) {
			_ = tg.send(signals.Info{Signo: int32(sig), Code: signals.SIKernel}, nil)
		}}
	}
	return tt.cpu[i]
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

func durTimeval(tv linux.Timeval) (time.Duration, error) {
	if tv.Sec < 0 || tv.Usec < 0 || tv.Usec >= 1_000_000 {
		return 0, unix.EINVAL
	}
	return time.Duration(tv.Sec)*time.Second + time.Duration(tv.Usec)*time.Microsecond, nil
}

// timeval truncates d to microseconds, as Linux reports an itimer.
func timeval(d time.Duration) linux.Timeval {
	return linux.Timeval{Sec: int64(d / time.Second), Usec: int64(d % time.Second / time.Microsecond)}
}

func (t *Task) writeItimerval(addr uint64, v itimerVal) error {
	return t.copyOutObj(addr, &linux.ItimerVal{Interval: timeval(v.interval), Value: timeval(v.value)})
}

func sysGetitimer(t *Task, a [6]uint64) (uint64, error) {
	var v itimerVal
	switch a[0] {
	case itimerReal:
		v = t.tg.realTimer().get()
	case itimerVirtual, itimerProf:
		v = t.tg.cpuItimer(a[0]).get()
	default:
		return 0, unix.EINVAL
	}
	return 0, t.writeItimerval(a[1], v)
}

func sysSetitimer(t *Task, a [6]uint64) (uint64, error) {
	var nv itimerVal
	if a[1] != 0 {
		var iv linux.ItimerVal
		if err := t.copyInObj(a[1], &iv); err != nil {
			return 0, err
		}
		var err error
		if nv.interval, err = durTimeval(iv.Interval); err != nil {
			return 0, err
		}
		if nv.value, err = durTimeval(iv.Value); err != nil {
			return 0, err
		}
	}
	var old itimerVal
	switch a[0] {
	case itimerReal:
		old = t.tg.realTimer().set(nv.value, nv.interval)
	case itimerVirtual, itimerProf:
		if nv.value > 0 {
			// Linux's set_cpu_itimer adds a tick, so that a timer
			// sampled at ticks never fires early; getitimer shows it.
			nv.value += cpuTimerTick
		}
		old = t.tg.cpuItimer(a[0]).set(nv.value, nv.interval)
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
	var clk timerClock = wallClock{t.k}
	// As in Linux, an unknown clock fails before the sigevent is read
	// and a bad CPU clock (pid_for_clock) after.
	var cpuErr error
	switch {
	case clock == clockRealtime, clock == clockMonotonic, clock == clockBoottime,
		clock == clockRealtimeAlarm, clock == clockBoottimeAlarm, clock == clockTAI:
	case isFDClock(clock):
		return 0, unix.ENOTSUP
	case isCPUClock(clock):
		var c cpuClock
		c, cpuErr = t.cpuClockOf(clock, false)
		clk = c
	default:
		if _, ok := hostClock(clock); !ok {
			return 0, unix.EINVAL
		}
		return 0, unix.ENOTSUP // the coarse and raw clocks have no timers
	}
	notify, signo := int32(sigevSignal), int32(signals.SIGALRM)
	var value uint64
	var target *Task
	useID := true
	if a[1] != 0 {
		var ev linux.Sigevent
		if err := t.copyInObj(a[1], &ev); err != nil {
			return 0, err
		}
		value, useID = ev.Value, false
		signo, notify = ev.Signo, ev.Notify
		switch notify {
		case sigevNone:
		case sigevSignal, sigevThread, sigevThreadID:
			// (Linux takes SIGEV_THREAD, which the C library
			// implements, as SIGEV_SIGNAL.)
			if !signals.Valid(int(signo)) {
				return 0, unix.EINVAL
			}
			if notify == sigevThreadID {
				target = t.k.taskByTID(int(ev.Tid))
				if target == nil || target.tg != t.tg {
					return 0, unix.EINVAL
				}
			}
		default:
			return 0, unix.EINVAL
		}
	}
	if cpuErr != nil {
		return 0, cpuErr
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
	kt := &ktimer{clk: clk, clock: clock}
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
	var its linux.Itimerspec
	if err := t.copyInObj(addr, &its); err != nil {
		return itimerVal{}, err
	}
	var v itimerVal
	for _, x := range []struct {
		ts linux.Timespec
		d  *time.Duration
	}{{its.Interval, &v.interval}, {its.Value, &v.value}} {
		if x.ts.Sec < 0 || x.ts.Nsec < 0 || x.ts.Nsec >= nsecPerSec {
			return v, unix.EINVAL
		}
		*x.d = time.Duration(x.ts.Sec)*time.Second + time.Duration(x.ts.Nsec)
	}
	return v, nil
}

func (t *Task) writeItimerspec(addr uint64, v itimerVal) error {
	return t.putItimerspec(addr, v.value, v.interval)
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
	if _, cpu := kt.clk.(cpuClock); cpu && a[1]&timerAbstimeFlag != 0 {
		old := kt.setAbs(int64(nv.value), nv.interval)
		if a[3] != 0 {
			return 0, t.writeItimerspec(a[3], old)
		}
		return 0, nil
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
