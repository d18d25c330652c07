package kernel

import (
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/epoll"
	"sentry/pkg/vfs"
)

const (
	tfdTimerAbstime      = 1
	tfdTimerCancelOnSet  = 2
	tfdSettableFlagsMask = tfdTimerAbstime | tfdTimerCancelOnSet
)

func sysTimerfdCreate(t *Task, a [6]uint64) (uint64, error) {
	clock, flags := int32(a[0]), int(a[1])
	switch clock {
	case unix.CLOCK_REALTIME, unix.CLOCK_MONOTONIC, unix.CLOCK_BOOTTIME, unix.CLOCK_REALTIME_ALARM, unix.CLOCK_BOOTTIME_ALARM:
	default:
		return 0, unix.EINVAL
	}
	if flags&^(unix.O_CLOEXEC|unix.O_NONBLOCK) != 0 {
		return 0, unix.EINVAL
	}
	f := vfs.NewFile(epoll.NewTimerFD(int(clock)), unix.O_RDWR|flags&unix.O_NONBLOCK, anonName("timerfd"))
	fd, err := t.installNew(f, flags&unix.O_CLOEXEC != 0)
	return uint64(fd), err
}

func (t *Task) timerFD(fd uint64) (*vfs.File, *epoll.TimerFD, error) {
	f, err := t.file(fd)
	if err != nil {
		return nil, nil, err
	}
	tf, ok := f.Impl().(*epoll.TimerFD)
	if !ok {
		f.DecRef()
		return nil, nil, unix.EINVAL
	}
	return f, tf, nil
}

func durationOf(ts unix.Timespec) time.Duration {
	return time.Duration(ts.Sec)*time.Second + time.Duration(ts.Nsec)
}

// putItimerspec writes struct itimerspec {it_interval, it_value}.
func (t *Task) putItimerspec(addr uint64, value, interval time.Duration) error {
	return t.copyOutObj(addr, &linux.Itimerspec{
		Interval: linux.NsecToTimespec(int64(interval)),
		Value:    linux.NsecToTimespec(int64(value)),
	})
}

func sysTimerfdSettime(t *Task, a [6]uint64) (uint64, error) {
	if a[1]&^tfdSettableFlagsMask != 0 {
		return 0, unix.EINVAL
	}
	f, tf, err := t.timerFD(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	interval, err := t.readTimespec(a[2])
	if err != nil {
		return 0, err
	}
	value, err := t.readTimespec(a[2] + 16)
	if err != nil {
		return 0, err
	}
	ov, oi := tf.Set(durationOf(value), durationOf(interval), a[1]&tfdTimerAbstime != 0)
	if a[3] != 0 {
		return 0, t.putItimerspec(a[3], ov, oi)
	}
	return 0, nil
}

func sysTimerfdGettime(t *Task, a [6]uint64) (uint64, error) {
	f, tf, err := t.timerFD(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	v, i := tf.Get()
	return 0, t.putItimerspec(a[1], v, i)
}
