package kernel

import (
	"testing"
	"time"
)

// The parker never loses a wake: one left before park makes park return
// at once, one sent while it sleeps wakes it, and none lets it sleep for
// its whole timeout. Only upper bounds are checked: park may return early
// by contract (a signal to the sentry's thread interrupts FUTEX_WAIT), and
// it did, under load, after 30 µs of a 30 ms timeout.
func TestParker(t *testing.T) {
	tests := []struct {
		name       string
		wakeBefore bool
		wakeAfter  time.Duration // < 0: no wake while parked
		timeout    time.Duration
		max        time.Duration
	}{
		{"token already there", true, -1, time.Minute, 10 * time.Second},
		{"woken while asleep", false, 20 * time.Millisecond, time.Minute, 10 * time.Second},
		{"times out", false, -1, 30 * time.Millisecond, 10 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p parker
			if tc.wakeBefore {
				p.wake()
			}
			if tc.wakeAfter >= 0 {
				time.AfterFunc(tc.wakeAfter, p.wake)
			}
			start := time.Now()
			p.park(tc.timeout)
			if d := time.Since(start); d > tc.max {
				t.Fatalf("park took %v, want at most %v", d, tc.max)
			}
			if w := p.word.Load(); w != parkIdle {
				t.Fatalf("parker left in state %d, want idle (token consumed)", w)
			}
		})
	}
}

// Many wakes racing one parker: each round's park returns.
func TestParkerRace(t *testing.T) {
	var p parker
	for i := 0; i < 2000; i++ {
		done := make(chan struct{})
		go func() { p.wake(); close(done) }()
		p.park(10 * time.Second)
		<-done
	}
}
