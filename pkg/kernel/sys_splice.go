package kernel

import (
	"errors"
	"io"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/epoll"
	"sentry/pkg/vfs"
)

// splice, tee and vmsplice: moving data through pipes without a round
// trip to user memory (here: through one sentry buffer).

const (
	spliceFNonblock = 2
	spliceChunk     = 1 << 20
)

func pipeOf(f *vfs.File) *epoll.PipeEnd {
	p, _ := f.Impl().(*epoll.PipeEnd)
	return p
}

// pipeWait waits until op stops returning EAGAIN, unless nb.
func (t *Task) pipeWait(w epoll.Waitable, mask epoll.EventMask, nb bool, op func() error) error {
	if nb {
		return op()
	}
	return t.blockOn(w, mask, time.Time{}, op)
}

// waitRoom waits until the pipe out has room (or no readers, which the
// write then reports as EPIPE) and returns how much fits.
func (t *Task) waitRoom(out *epoll.PipeEnd, nb bool) (int, error) {
	free := 0
	err := t.pipeWait(out, epoll.EventOut, nb, func() error {
		f, readers := out.Room()
		if f == 0 && readers {
			return unix.EAGAIN
		}
		free = max(f, 1)
		return nil
	})
	return free, err
}

func sysSplice(t *Task, a [6]uint64) (uint64, error) {
	in, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	out, err := t.file(a[2])
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	if !readable(in) || !writable(out) {
		return 0, unix.EBADF
	}
	inPipe, outPipe := pipeOf(in), pipeOf(out)
	if inPipe == nil && outPipe == nil {
		return 0, unix.EINVAL
	}
	if (inPipe != nil && a[1] != 0) || (outPipe != nil && a[3] != 0) {
		return 0, unix.ESPIPE
	}
	if out.Flags()&unix.O_APPEND != 0 && outPipe == nil {
		return 0, unix.EINVAL
	}
	n := min(a[4], maxRW, spliceChunk)
	if n == 0 {
		return 0, nil
	}
	nb := a[5]&spliceFNonblock != 0
	if outPipe != nil {
		free, err := t.waitRoom(outPipe, nb || nonblocking(out))
		if err != nil {
			return 0, err
		}
		n = min(n, uint64(free))
	}
	buf := make([]byte, n)

	// Read what there is (waiting for something, like read).
	var got int
	switch {
	case inPipe != nil:
		err = t.pipeWait(inPipe, epoll.EventIn, nb || nonblocking(in), func() error {
			var err error
			got, err = in.Read(buf)
			return err
		})
	case a[1] != 0:
		off, rerr := t.readU64(a[1])
		if rerr != nil {
			return 0, rerr
		}
		if int64(off) < 0 {
			return 0, unix.EINVAL
		}
		got, err = in.ReadAt(buf, int64(off))
		if errors.Is(err, io.EOF) {
			err = nil
		}
		if err == nil {
			err = t.writeU64(a[1], off+uint64(got))
		}
	default:
		got, err = t.reader(in)(buf)
		if errors.Is(err, io.EOF) {
			err = nil
		}
	}
	if err != nil || got == 0 {
		return 0, err
	}

	// Write all of it: the output had room for it (a pipe), or waits
	// like write.
	var put int
	switch {
	case outPipe != nil && (nb || nonblocking(out)):
		put, err = out.Write(buf[:got])
	case a[3] != 0:
		off, werr := t.readU64(a[3])
		if werr != nil {
			return 0, werr
		}
		if int64(off) < 0 {
			return 0, unix.EINVAL
		}
		put, err = out.WriteAt(buf[:got], int64(off))
		if err == nil {
			err = t.writeU64(a[3], off+uint64(put))
		}
	default:
		put, err = t.writer(out)(buf[:got])
	}
	if put > 0 {
		return uint64(put), nil
	}
	return 0, err
}

func sysTee(t *Task, a [6]uint64) (uint64, error) {
	in, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	out, err := t.file(a[1])
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	inPipe, outPipe := pipeOf(in), pipeOf(out)
	if inPipe == nil || outPipe == nil || !readable(in) || !writable(out) {
		return 0, unix.EINVAL
	}
	if inPipe.SamePipe(outPipe) {
		return 0, unix.EINVAL
	}
	n := min(a[2], maxRW, spliceChunk)
	if n == 0 {
		return 0, nil
	}
	nb := a[3]&spliceFNonblock != 0
	buf := make([]byte, n)
	var got int
	if err := t.pipeWait(inPipe, epoll.EventIn, nb, func() error {
		var err error
		got, err = inPipe.Peek(buf)
		return err
	}); err != nil || got == 0 {
		return 0, err
	}
	free, err := t.waitRoom(outPipe, nb)
	if err != nil {
		return 0, err
	}
	put, err := out.Write(buf[:min(got, free)])
	if put > 0 {
		return uint64(put), nil
	}
	return 0, err
}

func sysVmsplice(t *Task, a [6]uint64) (uint64, error) {
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	p := pipeOf(f)
	if p == nil {
		return 0, unix.EBADF
	}
	nb := a[3]&spliceFNonblock != 0 || nonblocking(f)
	if writable(f) {
		write := t.writer(f)
		if nb {
			write = f.Write
		}
		return t.vectorIO(a[1], a[2], func(v arch.Iovec) (uint64, error) {
			return t.writeFrom(v.Base, v.Len, write)
		})
	}
	read := t.reader(f)
	if nb {
		read = f.Read
	}
	return t.vectorIO(a[1], a[2], func(v arch.Iovec) (uint64, error) {
		return t.readInto(v.Base, v.Len, read)
	})
}
