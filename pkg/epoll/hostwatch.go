package epoll

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// hostWatch turns the readiness of one of the sentry's own host fds into
// notifications on a Queue, so that a task waits for a host fd exactly as
// for a pipe: through its interruptible wait, never inside a host read.
// While at least one Entry is registered, a goroutine polls the host fd
// together with an eventfd the sentry owns (kick); registrations and the
// file's own reads and writes kick it so it polls afresh.
//
// After a notification the goroutine stops watching the fd until it is
// kicked (the readiness it reported is unconsumed, and host poll is
// level-triggered: watching on would spin) or until quiet passes, in
// case something outside the sandbox consumed that readiness (the
// user's shell reading the same terminal, another process draining the
// same pipe).
//
// Lock order: Queue.mu is never held while taking hostWatch.mu.
type hostWatch struct {
	fd int
	q  *Queue

	active atomic.Bool // a goroutine is watching (kick is valid)

	mu      sync.Mutex
	masks   map[*Entry]EventMask
	running bool
	kick    int // eventfd; -1 when no goroutine runs
	// closeFD: the file is released and owned its fd, which the
	// goroutine closes as it retires (closing it earlier could let it
	// poll a reused fd number).
	closeFD bool
}

// quietMin and quietMax bound how long the watcher waits for a kick after
// a notification before it polls the host fd again.
const (
	quietMin = 20 * time.Millisecond
	quietMax = time.Second
)

func newHostWatch(fd int, q *Queue) *hostWatch {
	return &hostWatch{fd: fd, q: q, masks: map[*Entry]EventMask{}, kick: -1}
}

func (w *hostWatch) register(e *Entry) {
	w.q.Register(e)
	w.mu.Lock()
	w.masks[e] = e.mask
	if w.running {
		w.mu.Unlock()
		w.poke()
		return
	}
	kick, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		// Without a kick the watcher cannot be told to stop or re-poll;
		// an error event makes the waiter re-check and fail visibly
		// rather than hang.
		w.mu.Unlock()
		w.q.Notify(EventErr)
		return
	}
	w.kick, w.running = kick, true
	w.active.Store(true)
	w.mu.Unlock()
	go w.loop(kick)
}

func (w *hostWatch) unregister(e *Entry) {
	w.q.Unregister(e)
	w.mu.Lock()
	delete(w.masks, e)
	w.mu.Unlock()
	w.poke()
}

// release forgets every registration, so the goroutine ends; with
// closeFD the fd is closed once no goroutine polls it.
func (w *hostWatch) release(closeFD bool) {
	w.mu.Lock()
	clear(w.masks)
	if closeFD && !w.running {
		unix.Close(w.fd)
		closeFD = false
	}
	w.closeFD = closeFD
	w.mu.Unlock()
	w.poke()
}

// poke makes a running watcher poll the host fd again. It costs nothing
// when no one watches.
func (w *hostWatch) poke() {
	if !w.active.Load() {
		return
	}
	w.mu.Lock()
	if w.kick >= 0 {
		one := [8]byte{1}
		_, _ = unix.Write(w.kick, one[:])
	}
	w.mu.Unlock()
}

// interest is the union of the registered masks; with none left it
// retires the watcher (and its eventfd) and reports false.
func (w *hostWatch) interest() (EventMask, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var m EventMask
	for _, em := range w.masks {
		m |= em
	}
	if len(w.masks) == 0 {
		w.active.Store(false)
		unix.Close(w.kick)
		w.kick, w.running = -1, false
		if w.closeFD {
			unix.Close(w.fd)
			w.closeFD = false
		}
		return 0, false
	}
	return m, true
}

func (w *hostWatch) loop(kick int) {
	var buf [8]byte
	quiet := time.Duration(0) // > 0: waiting for a kick after a notification
	for {
		mask, ok := w.interest()
		if !ok {
			return
		}
		pfd := []unix.PollFd{{Fd: int32(kick), Events: unix.POLLIN}, {Fd: int32(w.fd), Events: hostPollEvents(mask)}}
		timeout := -1
		if quiet > 0 {
			pfd = pfd[:1]
			timeout = int(quiet / time.Millisecond)
		}
		n, err := unix.Poll(pfd, timeout)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			// The host refused to poll (it should not): tell the
			// waiters, who re-check and see the error on their own
			// call, then wait for them to come back.
			w.q.Notify(EventErr)
			quiet = quietMax
			continue
		case pfd[0].Revents != 0:
			_, _ = unix.Read(kick, buf[:])
			quiet = 0
			continue
		case n == 0:
			// A quiet spell ended without a kick: look again, and
			// wait longer next time if it is still ready.
			if quiet = min(2*quiet, quietMax); quiet < quietMin {
				quiet = quietMin
			}
			if ev := hostReadiness(w.fd, mask); ev != 0 {
				w.q.Notify(ev)
				continue
			}
			quiet = 0
			continue
		}
		w.q.Notify(fromHostRevents(pfd[1].Revents))
		quiet = quietMin
	}
}

// hostPollEvents is the host poll request for mask (the bit values agree).
func hostPollEvents(mask EventMask) int16 {
	const asked = EventIn | EventPri | EventOut | EventRdNorm | EventRdBand | EventWrNorm | EventWrBand | EventRdHup
	return int16(mask & asked)
}

func fromHostRevents(r int16) EventMask {
	ev := EventMask(uint16(r))
	if r&unix.POLLNVAL != 0 {
		ev = ev&^unix.POLLNVAL | EventErr
	}
	return ev
}

// hostReadiness polls fd once, without waiting, for mask.
func hostReadiness(fd int, mask EventMask) EventMask {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: hostPollEvents(mask)}}
	for {
		n, err := unix.Poll(pfd, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return EventErr
		}
		if n == 0 {
			return 0
		}
		return fromHostRevents(pfd[0].Revents)
	}
}
