package epoll

import (
	"encoding/binary"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// TimerFD is a timerfd: expirations of a one-shot or periodic timer,
// counted until read.
type TimerFD struct {
	clock int // CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME...
	q     Queue

	mu       sync.Mutex
	timer    *time.Timer
	gen      uint64 // bumped by every Set, so a stale expiry is ignored
	next     time.Time
	interval time.Duration
	expired  uint64
	released bool
}

// NewTimerFD returns a disarmed timer on clock.
func NewTimerFD(clock int) *TimerFD { return &TimerFD{clock: clock} }

// Now returns the current time of the timer's clock.
func (tf *TimerFD) Now() time.Duration { return clockNow(tf.clock) }

func clockNow(clock int) time.Duration {
	var ts unix.Timespec
	c := int32(clock)
	if c == unix.CLOCK_REALTIME_ALARM {
		c = unix.CLOCK_REALTIME
	} else if c == unix.CLOCK_BOOTTIME_ALARM {
		c = unix.CLOCK_BOOTTIME
	}
	if err := unix.ClockGettime(c, &ts); err != nil {
		return time.Duration(time.Now().UnixNano())
	}
	return time.Duration(ts.Nano())
}

// Set arms (value > 0) or disarms (value == 0) the timer and returns the
// old setting as Get would have. value is relative, or an absolute time
// of the timer's clock when abs is set.
func (tf *TimerFD) Set(value, interval time.Duration, abs bool) (oldValue, oldInterval time.Duration) {
	tf.mu.Lock()
	defer tf.mu.Unlock()
	oldValue, oldInterval = tf.getLocked()
	if tf.timer != nil {
		tf.timer.Stop()
		tf.timer = nil
	}
	tf.gen++
	tf.expired = 0
	tf.interval = interval
	tf.next = time.Time{}
	if value == 0 || tf.released {
		return
	}
	d := value
	if abs {
		d = value - clockNow(tf.clock)
	}
	if d < 0 {
		d = 0
	}
	tf.next = time.Now().Add(d)
	gen := tf.gen
	tf.timer = time.AfterFunc(d, func() { tf.fire(gen) })
	return
}

func (tf *TimerFD) fire(gen uint64) {
	tf.mu.Lock()
	if gen != tf.gen || tf.released {
		tf.mu.Unlock()
		return
	}
	now := time.Now()
	n := uint64(1)
	if tf.interval > 0 {
		// Expirations missed while this goroutine was late count too.
		late := now.Sub(tf.next)
		if late > 0 {
			n += uint64(late / tf.interval)
		}
		tf.next = tf.next.Add(time.Duration(n) * tf.interval)
		tf.timer = time.AfterFunc(max(time.Until(tf.next), 0), func() { tf.fire(gen) })
	} else {
		tf.next = time.Time{}
	}
	tf.expired += n
	tf.mu.Unlock()
	tf.q.Notify(EventIn | EventRdNorm)
}

// Get returns the time left to the next expiry (0: disarmed) and the
// interval.
func (tf *TimerFD) Get() (value, interval time.Duration) {
	tf.mu.Lock()
	defer tf.mu.Unlock()
	return tf.getLocked()
}

func (tf *TimerFD) getLocked() (time.Duration, time.Duration) {
	if tf.next.IsZero() {
		return 0, tf.interval
	}
	// A timer at its expiry reports 1ns left, never 0 (which means off).
	return max(time.Until(tf.next), 1), tf.interval
}

// ReadAt returns the expirations since the last read as 8 bytes; EAGAIN
// when there were none.
func (tf *TimerFD) ReadAt(b []byte, _ int64) (int, error) {
	if len(b) < 8 {
		return 0, unix.EINVAL
	}
	tf.mu.Lock()
	n := tf.expired
	tf.expired = 0
	tf.mu.Unlock()
	if n == 0 {
		return 0, unix.EAGAIN
	}
	binary.NativeEndian.PutUint64(b, n)
	return 8, nil
}

// WriteAt implements vfs.FileImpl: a timerfd cannot be written.
func (tf *TimerFD) WriteAt([]byte, int64) (int, error) { return 0, unix.EINVAL }

// Readiness implements Waitable.
func (tf *TimerFD) Readiness(mask EventMask) EventMask {
	tf.mu.Lock()
	defer tf.mu.Unlock()
	if tf.expired > 0 {
		return mask & (EventIn | EventRdNorm)
	}
	return 0
}

// EventRegister implements Waitable.
func (tf *TimerFD) EventRegister(en *Entry) { tf.q.Register(en) }

// EventUnregister implements Waitable.
func (tf *TimerFD) EventUnregister(en *Entry) { tf.q.Unregister(en) }

// Stat implements vfs.FileImpl.
func (tf *TimerFD) Stat() (vfs.Stat, error) { return anonStat(0o600), nil }

// Truncate implements vfs.FileImpl.
func (tf *TimerFD) Truncate(int64) error { return unix.EINVAL }

// Sync implements vfs.FileImpl.
func (tf *TimerFD) Sync() error { return unix.EINVAL }

// Seekable implements vfs.FileImpl.
func (tf *TimerFD) Seekable() bool { return false }

// Release stops the timer.
func (tf *TimerFD) Release() {
	tf.mu.Lock()
	tf.released = true
	if tf.timer != nil {
		tf.timer.Stop()
	}
	tf.mu.Unlock()
	tf.q.Release()
}
