package kernel

import (
	"time"

	"sentry/pkg/epoll"
	"sentry/pkg/vfs"
)

// Named pipes: the vfs keeps FIFO inodes, pkg/epoll the pipes behind
// them; the kernel joins the two and makes a blocking open wait.

// newFIFO makes the FIFO of a new named pipe inode, its buffers charged
// to the sandbox's memory account as unnamed pipes' are.
func (k *Kernel) newFIFO(ino uint64) vfs.FIFO { return epoll.NewChargedFIFO(ino, k.mem) }

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
