package netstack

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// Bytes queued in socket buffers live in the sentry's heap on the
// application's behalf, so they are charged to the sandbox's memory
// account (as a memory cgroup charges socket memory): when written into
// a buffer, given back as they are read or dropped. A write the account
// refuses queues nothing: ENOMEM (a short count for a stream that
// already took part). b.charged follows b.bytes: every place that lowers
// b.bytes settles the difference.

// SetMemoryCharger charges socket buffers from now on to c (nil: none).
// Call it before the sandbox runs.
func (s *Stack) SetMemoryCharger(c vfs.MemoryCharger) { s.charger = c }

// errNoBufferMemory is a write's error when the account refuses it.
const errNoBufferMemory = unix.ENOMEM

// chargeLocked charges n more queued bytes, or reports false, charging
// nothing. Caller holds b.mu.
func (b *buffer) chargeLocked(n int) bool {
	c := b.reader.stack.charger
	if c == nil || n <= 0 {
		return true
	}
	if !c.Charge(int64(n)) {
		return false
	}
	b.charged += n
	return true
}

// settleLocked gives back the charge of bytes no longer queued. Caller
// holds b.mu.
func (b *buffer) settleLocked() {
	if d := b.charged - max(b.bytes, 0); d > 0 {
		b.reader.stack.charger.Uncharge(int64(d))
		b.charged -= d
	}
}
