package kernel

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/epoll"
	"sentry/pkg/vfs"
)

// poll, ppoll, select and pselect6 over the same readiness queues as
// epoll.

const pollNval = 0x20

// pollTarget is one file being polled.
type pollTarget struct {
	f      *vfs.File
	w      epoll.Waitable // nil: always ready
	events epoll.EventMask
}

func (p *pollTarget) readiness() epoll.EventMask {
	mask := p.events | epoll.EventErr | epoll.EventHup
	if p.w == nil {
		return mask & (epoll.EventIn | epoll.EventOut | epoll.EventRdNorm | epoll.EventWrNorm)
	}
	return p.w.Readiness(mask) & mask
}

// pollLoop evaluates check until it reports readiness, the deadline
// passes, or the task is interrupted; check is re-run after each
// notification on any target.
func (t *Task) pollLoop(targets []*pollTarget, block bool, deadline time.Time, check func() int) (int, error) {
	if n := check(); n > 0 || !block {
		return n, nil
	}
	ch := make(chan struct{}, 1)
	var entries []*epoll.Entry
	for _, p := range targets {
		if p == nil || p.w == nil {
			continue
		}
		e := epoll.NewEntry(p.events|epoll.EventErr|epoll.EventHup, func(epoll.EventMask) {
			select {
			case ch <- struct{}{}:
			default:
			}
		})
		p.w.EventRegister(e)
		entries = append(entries, e)
	}
	defer func() {
		i := 0
		for _, p := range targets {
			if p == nil || p.w == nil {
				continue
			}
			p.w.EventUnregister(entries[i])
			i++
		}
	}()
	for {
		if n := check(); n > 0 {
			return n, nil
		}
		if err := t.waitFor(ch, deadline); err != nil {
			if err == unix.ETIMEDOUT {
				return 0, nil
			}
			return 0, err
		}
	}
}

func (t *Task) pollTargetFor(fd int32, events epoll.EventMask) (*pollTarget, error) {
	f, err := t.tg.fds.get(fd)
	if err != nil {
		return nil, err
	}
	w, _ := f.Impl().(epoll.Waitable)
	return &pollTarget{f: f, w: w, events: events}, nil
}

func releaseTargets(ts []*pollTarget) {
	for _, p := range ts {
		if p != nil {
			p.f.DecRef()
		}
	}
}

func (t *Task) doPoll(addr uint64, nfds uint64, block bool, deadline time.Time) (uint64, error) {
	if nfds > t.tg.limit(unix.RLIMIT_NOFILE) || nfds > 1<<20 {
		return 0, unix.EINVAL
	}
	fds := make(slice[linux.PollFD, *linux.PollFD], nfds)
	if err := t.copyInObj(addr, fds); err != nil {
		return 0, err
	}
	targets := make([]*pollTarget, nfds)
	revents := make([]uint16, nfds)
	for i := range targets {
		if fds[i].FD < 0 {
			continue
		}
		p, err := t.pollTargetFor(fds[i].FD, epoll.EventMask(uint16(fds[i].Events)))
		if err != nil {
			revents[i] = pollNval
			continue
		}
		targets[i] = p
	}
	defer releaseTargets(targets)
	check := func() int {
		n := 0
		for i, p := range targets {
			if p == nil {
				if revents[i] != 0 {
					n++
				}
				continue
			}
			revents[i] = uint16(p.readiness())
			if revents[i] != 0 {
				n++
			}
		}
		return n
	}
	n, err := t.pollLoop(targets, block, deadline, check)
	if err != nil {
		return 0, err
	}
	for i := range fds {
		fds[i].REvents = int16(revents[i])
	}
	if err := t.copyOutObj(addr, fds); err != nil {
		return 0, err
	}
	return uint64(n), nil
}

func sysPoll(t *Task, a [6]uint64) (uint64, error) {
	block, dl := msTimeout(int32(a[2]))
	return t.doPoll(a[0], a[1], block, dl)
}

func sysPpoll(t *Task, a [6]uint64) (uint64, error) {
	block, dl, err := t.tsTimeout(a[2])
	if err != nil {
		return 0, err
	}
	finish, err := t.withSigmask(a[3], a[4])
	if err != nil {
		return 0, err
	}
	n, err := t.doPoll(a[0], a[1], block, dl)
	finish(err)
	if err == nil && a[2] != 0 && block {
		t.putRemaining(a[2], dl)
	}
	return n, err
}

// putRemaining writes the time left to deadline as a timespec, as ppoll
// and pselect6 report it.
func (t *Task) putRemaining(addr uint64, dl time.Time) {
	ts := linux.NsecToTimespec(int64(max(time.Until(dl), 0)))
	_ = t.copyOutObj(addr, &ts)
}

// Readiness that makes a descriptor count in each select set.
const (
	selectIn  = epoll.EventIn | epoll.EventRdNorm | epoll.EventRdBand | epoll.EventHup | epoll.EventErr
	selectOut = epoll.EventOut | epoll.EventWrNorm | epoll.EventWrBand | epoll.EventErr
	selectEx  = epoll.EventPri
)

func (t *Task) doSelect(nfds int32, rAddr, wAddr, eAddr uint64, block bool, deadline time.Time) (uint64, error) {
	if nfds < 0 || uint64(nfds) > t.tg.limit(unix.RLIMIT_NOFILE) {
		return 0, unix.EINVAL
	}
	words := (int(nfds) + 63) / 64
	sets := [3][]uint64{}
	addrs := [3]uint64{rAddr, wAddr, eAddr}
	for i, addr := range addrs {
		if addr == 0 {
			continue
		}
		b := make([]byte, 8*words)
		if err := t.copyIn(addr, b); err != nil {
			return 0, err
		}
		sets[i] = make([]uint64, words)
		for w := range sets[i] {
			sets[i][w] = binary.LittleEndian.Uint64(b[8*w:])
		}
	}
	targets := make([]*pollTarget, nfds)
	defer releaseTargets(targets)
	for fd := int32(0); fd < nfds; fd++ {
		var ev epoll.EventMask
		for i, want := range [3]epoll.EventMask{selectIn &^ (epoll.EventHup | epoll.EventErr), selectOut &^ epoll.EventErr, selectEx} {
			if sets[i] != nil && sets[i][fd/64]&(1<<(fd%64)) != 0 {
				ev |= want
			}
		}
		if ev == 0 {
			continue
		}
		p, err := t.pollTargetFor(fd, ev)
		if err != nil {
			return 0, unix.EBADF
		}
		targets[fd] = p
	}
	out := [3][]uint64{}
	check := func() int {
		n := 0
		for i := range out {
			if sets[i] != nil {
				out[i] = make([]uint64, words)
			}
		}
		for fd, p := range targets {
			if p == nil {
				continue
			}
			r := p.readiness()
			for i, bits := range [3]epoll.EventMask{selectIn, selectOut, selectEx} {
				if sets[i] != nil && sets[i][fd/64]&(1<<(fd%64)) != 0 && r&bits != 0 {
					out[i][fd/64] |= 1 << (fd % 64)
					n++
				}
			}
		}
		return n
	}
	n, err := t.pollLoop(targets, block, deadline, check)
	if err != nil {
		return 0, err
	}
	for i, addr := range addrs {
		if addr == 0 {
			continue
		}
		b := make([]byte, 8*words)
		for w, v := range out[i] {
			binary.LittleEndian.PutUint64(b[8*w:], v)
		}
		if err := t.copyOut(addr, b); err != nil {
			return 0, err
		}
	}
	return uint64(n), nil
}

func sysSelect(t *Task, a [6]uint64) (uint64, error) {
	block, dl := true, time.Time{}
	if a[4] != 0 {
		var tv linux.Timeval
		if err := t.copyInObj(a[4], &tv); err != nil {
			return 0, err
		}
		if tv.Sec < 0 || tv.Usec < 0 {
			return 0, unix.EINVAL
		}
		d := time.Duration(tv.Sec)*time.Second + time.Duration(tv.Usec)*time.Microsecond
		block = d > 0
		if block {
			dl = time.Now().Add(d)
		}
	}
	n, err := t.doSelect(int32(a[0]), a[1], a[2], a[3], block, dl)
	if err == nil && a[4] != 0 && block {
		// Truncated to microseconds, as Linux's poll_select_finish.
		left := max(time.Until(dl), 0)
		tv := linux.Timeval{Sec: int64(left / time.Second), Usec: int64(left % time.Second / time.Microsecond)}
		_ = t.copyOutObj(a[4], &tv)
	}
	return n, err
}

func sysPselect6(t *Task, a [6]uint64) (uint64, error) {
	block, dl, err := t.tsTimeout(a[4])
	if err != nil {
		return 0, err
	}
	// The sixth argument points to {const sigset_t *ss; size_t ss_len}.
	finish := func(error) {}
	if a[5] != 0 {
		var b [16]byte
		if err := t.copyIn(a[5], b[:]); err != nil {
			return 0, err
		}
		f, err := t.withSigmask(binary.LittleEndian.Uint64(b[:]), binary.LittleEndian.Uint64(b[8:]))
		if err != nil {
			return 0, err
		}
		finish = f
	}
	n, err := t.doSelect(int32(a[0]), a[1], a[2], a[3], block, dl)
	finish(err)
	if err == nil && a[4] != 0 && block {
		t.putRemaining(a[4], dl)
	}
	return n, err
}
