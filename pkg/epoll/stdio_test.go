package epoll

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestHostStdioOnAPipe(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	w := NewHostStdio(p[1], "stdout")
	r := NewHostStdio(p[0], "stdin")
	if w.IsTerminal() {
		t.Error("a pipe is not a terminal")
	}
	if fd, ok := w.HostFD(); !ok || fd != p[1] {
		t.Errorf("HostFD = %d, %v", fd, ok)
	}
	if w.Flags()&unix.O_ACCMODE != unix.O_WRONLY || r.Flags()&unix.O_ACCMODE != unix.O_RDONLY {
		t.Errorf("flags %#o %#o", w.Flags(), r.Flags())
	}
	buf := make([]byte, 8)
	// An empty pipe is never read from (the read would block in the
	// host): EAGAIN, and the kernel waits for readiness instead.
	if _, err := r.Read(buf); err != unix.EAGAIN {
		t.Errorf("read of an empty pipe: %v", err)
	}
	if fl, _ := unix.FcntlInt(uintptr(p[0]), unix.F_GETFL, 0); fl&unix.O_NONBLOCK != 0 {
		t.Error("the host description was made non-blocking")
	}
	if _, err := w.Write([]byte("out")); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Readable(); n != 3 || err != nil {
		t.Errorf("FIONREAD of the pipe: %d %v", n, err)
	}
	if n, err := r.Read(buf); n != 3 || err != nil || string(buf[:3]) != "out" {
		t.Errorf("read %q, %v", buf[:n], err)
	}
	if _, err := r.Seek(0, unix.SEEK_SET); err != unix.ESPIPE {
		t.Errorf("seek on a pipe: %v", err)
	}
	// A host pipe behind stdio is named as /proc/PID/fd names pipes.
	if !strings.HasPrefix(w.Name(), "pipe:[") || w.Dentry() != nil {
		t.Errorf("name %q dentry %v", w.Name(), w.Dentry())
	}
	w.DecRef()
	r.DecRef()
	var st unix.Stat_t
	if err := unix.Fstat(p[1], &st); err != nil {
		t.Errorf("the sentry's fd was closed: %v", err)
	}
}

// TestHostStdioWaitersAreWoken: an entry registered on host stdio hears
// of data written to the host pipe later, and of the writer's close.
func TestHostStdioWaitersAreWoken(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	r := NewHostStdio(p[0], "stdin")
	defer r.DecRef()
	wt := r.Impl().(Waitable)
	if ev := wt.Readiness(EventIn); ev != 0 {
		t.Fatalf("empty pipe ready: %#x", ev)
	}
	e, ch := NewChanEntry(EventIn)
	wt.EventRegister(e)
	defer wt.EventUnregister(e)
	go func() {
		time.Sleep(50 * time.Millisecond)
		unix.Write(p[1], []byte("x"))
	}()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatal("no notification for data")
	}
	if ev := wt.Readiness(EventIn); ev&EventIn == 0 {
		t.Fatalf("readiness after write: %#x", ev)
	}
	buf := make([]byte, 4)
	if n, err := r.Read(buf); n != 1 || err != nil {
		t.Fatalf("read %d %v", n, err)
	}
	select { // a stale token from before the read
	case <-ch:
	default:
	}
	unix.Close(p[1])
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatal("no notification for the writer's close")
	}
	if n, err := r.Read(buf); n != 0 || err != nil {
		t.Fatalf("read after close: %d %v, want end of file", n, err)
	}
}

// TestHostStdioOnAFileKeepsTheUsersFile: stdout redirected to a host file
// cannot be truncated or seeked back over; stdin from a file may seek.
func TestHostStdioOnAFileKeepsTheUsersFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := NewHostStdio(int(out.Fd()), "stdout")
	defer w.DecRef()
	if _, ok := w.Impl().(Waitable); ok {
		t.Error("a regular file is Waitable (epoll_ctl must refuse it)")
	}
	w.Write([]byte("first\n"))
	if _, err := w.Seek(0, unix.SEEK_SET); err != unix.ESPIPE {
		t.Errorf("lseek of writable stdout: %v, want ESPIPE", err)
	}
	if err := w.Truncate(0); err != unix.EINVAL {
		t.Errorf("ftruncate of stdout: %v, want EINVAL", err)
	}
	if err := w.Fallocate(0, 0, 100); err != unix.ESPIPE {
		t.Errorf("fallocate of stdout: %v, want ESPIPE", err)
	}
	if _, err := w.WriteAt([]byte("x"), 0); err != unix.ESPIPE {
		t.Errorf("pwrite of stdout: %v, want ESPIPE", err)
	}
	w.Write([]byte("second\n"))
	if b, _ := os.ReadFile(path); string(b) != "first\nsecond\n" {
		t.Errorf("the file holds %q", b)
	}

	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r := NewHostStdio(int(in.Fd()), "stdin")
	defer r.DecRef()
	buf := make([]byte, 6)
	r.Read(buf)
	if off, err := r.Seek(0, unix.SEEK_CUR); off != 6 || err != nil {
		t.Errorf("lseek of read-only stdin: %d %v", off, err)
	}
}

// TestHostWatchStopsWithItsLastWatcher: the goroutine polling the host fd
// (and its eventfd) goes away once nobody is registered, and when the
// file is released under a watcher that never unregisters.
func TestHostWatchStopsWithItsLastWatcher(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	retired := func(w *hostWatch) bool {
		for range 3000 {
			if !w.active.Load() {
				return true
			}
			time.Sleep(10 * time.Millisecond)
		}
		return false
	}
	r := NewHostStdio(p[0], "stdin")
	sw := r.Impl().(*stdioWaitable)
	a, b := NewEntry(EventIn, func(EventMask) {}), NewEntry(EventIn, func(EventMask) {})
	sw.EventRegister(a)
	sw.EventRegister(b)
	sw.EventUnregister(a)
	if !sw.watch.active.Load() {
		t.Fatal("the watch stopped with a watcher left")
	}
	sw.EventUnregister(b)
	if !retired(sw.watch) {
		t.Fatal("the watch outlived its last watcher")
	}
	sw.EventRegister(a)
	if !sw.watch.active.Load() {
		t.Fatal("a new watcher did not start the watch again")
	}
	r.DecRef()
	if !retired(sw.watch) {
		t.Fatal("the watch outlived the file")
	}
}

// TestOwnedHostFileClosesItsFdOnce: an owned host file closes its fd at
// the last DecRef, also when a watcher was still polling it (then once
// the watch has retired), and a plain host stdio file never does.
func TestOwnedHostFileClosesItsFdOnce(t *testing.T) {
	closed := func(fd int) bool {
		for range 3000 {
			if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == unix.EBADF {
				return true
			}
			time.Sleep(10 * time.Millisecond)
		}
		return false
	}
	for _, watched := range []bool{false, true} {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		plain := NewHostStdio(p[1], "stdout")
		plain.DecRef()
		if _, err := unix.FcntlInt(uintptr(p[1]), unix.F_GETFD, 0); err != nil {
			t.Fatalf("host stdio closed the sentry's fd: %v", err)
		}
		unix.Close(p[1])
		r := NewOwnedHostFile(p[0], "stdin")
		if watched {
			r.Impl().(*stdioWaitable).EventRegister(NewEntry(EventIn, func(EventMask) {}))
		}
		r.DecRef()
		if !closed(p[0]) {
			t.Fatalf("watched %v: the owned fd stayed open", watched)
		}
	}
}
