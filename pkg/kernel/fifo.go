package kernel

import (
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/vfs"
)

// openFIFO joins an open of a FIFO node to the node's pipe. As on Linux,
// O_RDONLY waits for a writer and O_WRONLY for a reader (unless
// O_NONBLOCK: a reader then opens at once, a writer fails with ENXIO);
// O_RDWR never waits. The wait is interruptible like any other.
func (t *Task) openFIFO(f *vfs.File, n *vfs.FIFONode, flags int) (*vfs.File, error) {
	fifo := t.k.net.fifo(n.Dev, n.Ino)
	nb := flags&unix.O_NONBLOCK != 0
	var e *epoll.PipeEnd
	var err error
	switch flags & unix.O_ACCMODE {
	case unix.O_RDONLY:
		_, _, _, w0 := fifo.Opens()
		e = fifo.Open(true, false)
		if !nb {
			err = t.blockOn(fifo, epoll.EventIn, time.Time{}, func() error {
				if _, w, _, wo := fifo.Opens(); w > 0 || wo != w0 {
					return nil
				}
				return unix.EAGAIN
			})
		}
	case unix.O_WRONLY:
		r, _, r0, _ := fifo.Opens()
		if nb && r == 0 {
			return nil, unix.ENXIO
		}
		e = fifo.Open(false, true)
		if !nb {
			err = t.blockOn(fifo, epoll.EventOut, time.Time{}, func() error {
				if r, _, ro, _ := fifo.Opens(); r > 0 || ro != r0 {
					return nil
				}
				return unix.EAGAIN
			})
		}
	default:
		e = fifo.Open(true, true)
	}
	if err != nil {
		e.Release()
		return nil, err
	}
	keep := unix.O_ACCMODE | unix.O_NONBLOCK | unix.O_APPEND | unix.O_ASYNC | unix.O_DIRECT | unix.O_NOATIME | unix.O_SYNC | unix.O_DSYNC
	return vfs.NewFile(e, flags&keep, f.Name()), nil
}
