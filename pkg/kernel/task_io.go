package kernel

import (
	"os"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/signals"
	"sentry/pkg/vfs"
)

// Blocking I/O on waitable files (pipes, sockets, eventfd, timerfd, and the
// sentry's own stdio when it is a host pipe, socket or terminal). Their
// implementations never block: they return EAGAIN, and the task waits here,
// through waitFor, for the readiness that may let the operation proceed.
// That keeps every wait interruptible in one place.

// blockOn runs op until it returns something other than EAGAIN, waiting
// between tries for one of mask on w. A passed deadline gives EAGAIN (what
// SO_RCVTIMEO/SO_SNDTIMEO expiry returns); an interruption gives EINTR.
func (t *Task) blockOn(w epoll.Waitable, mask epoll.EventMask, deadline time.Time, op func() error) error {
	err := op()
	if err != unix.EAGAIN {
		return err
	}
	e, ch := epoll.NewChanEntry(mask)
	w.EventRegister(e)
	defer w.EventUnregister(e)
	for {
		if err = op(); err != unix.EAGAIN {
			return err
		}
		if werr := t.waitFor(ch, deadline); werr != nil {
			if werr == unix.ETIMEDOUT {
				return unix.EAGAIN
			}
			return werr
		}
	}
}

// ioTimeouts is implemented by files with SO_RCVTIMEO/SO_SNDTIMEO.
type ioTimeouts interface {
	Timeouts() (recv, send time.Duration)
}

func deadlineAfter(d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

func nonblocking(f *vfs.File) bool { return f.Flags()&unix.O_NONBLOCK != 0 }

// reader returns the read function for one read/readv call on f: on a
// blocking waitable file the first read waits for data, later ones in the
// same call take only what is there (a read returns what it has).
func (t *Task) reader(f *vfs.File) func([]byte) (int, error) {
	if j := t.ttyOf(f); j != nil {
		if err := t.ttyCheck(j, signals.SIGTTIN); err != nil {
			return func([]byte) (int, error) { return 0, err }
		}
	}
	if s, ok := f.Impl().(*signalFD); ok {
		read := func(b []byte) (int, error) { return s.read(t, b) }
		if nonblocking(f) {
			return read
		}
		return func(b []byte) (int, error) {
			var n int
			err := t.blockOn(s, epoll.EventIn, time.Time{}, func() error {
				var err error
				n, err = read(b)
				return err
			})
			return n, err
		}
	}
	w, ok := f.Impl().(epoll.Waitable)
	if !ok || nonblocking(f) {
		return f.Read
	}
	var deadline time.Time
	if to, ok := f.Impl().(ioTimeouts); ok {
		r, _ := to.Timeouts()
		deadline = deadlineAfter(r)
	}
	first := true
	return func(b []byte) (int, error) {
		if !first {
			return f.Read(b)
		}
		first = false
		var n int
		err := t.blockOn(w, epoll.EventIn|epoll.EventRdHup, deadline, func() error {
			var err error
			n, err = f.Read(b)
			return err
		})
		return n, err
	}
}

// writer returns the write function for one write/writev call on f: on a
// blocking waitable file it waits for room until everything is written
// (or it is interrupted, then the count so far stands). EPIPE raises
// SIGPIPE.
func (t *Task) writer(f *vfs.File) func([]byte) (int, error) {
	if j := t.ttyOf(f); j != nil && t.tostop(f, j) {
		if err := t.ttyCheck(j, signals.SIGTTOU); err != nil {
			return func([]byte) (int, error) { return 0, err }
		}
	}
	w, ok := f.Impl().(epoll.Waitable)
	if !ok {
		return f.Write
	}
	write := t.fileWrite(f)
	if nonblocking(f) {
		return func(b []byte) (int, error) {
			n, err := write(b)
			if err == unix.EPIPE {
				t.raiseSIGPIPE()
			}
			return n, err
		}
	}
	var deadline time.Time
	if to, ok := f.Impl().(ioTimeouts); ok {
		_, s := to.Timeouts()
		deadline = deadlineAfter(s)
	}
	return func(b []byte) (int, error) {
		done := 0
		err := t.blockOn(w, epoll.EventOut, deadline, func() error {
			for done < len(b) {
				n, err := write(b[done:])
				done += n
				if err != nil {
					return err
				}
				if n == 0 {
					return unix.EAGAIN
				}
			}
			return nil
		})
		if err == unix.EPIPE {
			t.raiseSIGPIPE()
		}
		return done, err
	}
}

// raiseSIGPIPE sends SIGPIPE to the task after a write to a pipe or
// socket without readers (which fails with EPIPE too), as Linux's
// send_sig(SIGPIPE, current, 0) does: its default action kills.
func (t *Task) raiseSIGPIPE() {
	_ = t.tg.send(signals.Info{Signo: signals.SIGPIPE, Code: signals.SIUser, Pid: int32(t.tg.pid), Uid: int32(os.Getuid())}, t)
}
