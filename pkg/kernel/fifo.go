package kernel

import (
	"time"

	"sentry/pkg/epoll"
	"sentry/pkg/vfs"
)

// Named pipes: the vfs keeps FIFO inodes, pkg/epoll the pipes behind
// them; the kernel joins the two and makes a blocking open wait.

func newFIFO(ino uint64) vfs.FIFO { return epoll.NewFIFO(ino) }

// waitOpen waits, interruptibly, until an open that must wait for
// something (a FIFO's partner) may return. On failure the file is
// dropped.
func (t *Task) waitOpen(f *vfs.File) error {
	w, ok := f.Impl().(vfs.OpenWaiter)
	if !ok {
		return nil
	}
	for {
		ch, ready := w.OpenReady()
		if ready {
			return nil
		}
		if err := t.waitFor(ch, time.Time{}); err != nil {
			f.DecRef()
			return err
		}
	}
}
