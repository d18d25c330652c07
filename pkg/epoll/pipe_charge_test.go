package epoll

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
	"sentry/pkg/vfs/vfstest"
)

func TestPipeRingCharged(t *testing.T) {
	acct := &vfstest.Limit{Max: DefaultPipeSize + 4096}
	r, w := NewChargedPipe(1, acct)
	if acct.Used != 0 {
		t.Fatalf("charged %d before any write", acct.Used)
	}
	if n, err := w.WriteAt([]byte("x"), 0); n != 1 || err != nil {
		t.Fatalf("write = %d, %v", n, err)
	}
	if acct.Used != DefaultPipeSize {
		t.Fatalf("charged %d after the first write, want %d", acct.Used, DefaultPipeSize)
	}
	if _, err := w.SetCapacity(MaxPipeSize); !errors.Is(err, unix.ENOMEM) {
		t.Fatalf("F_SETPIPE_SZ past the account = %v, want ENOMEM", err)
	}
	if c := w.Capacity(); c != DefaultPipeSize {
		t.Fatalf("capacity %d after the refused resize", c)
	}
	if got, err := w.SetCapacity(4096); got != 4096 || err != nil {
		t.Fatalf("shrink = %d, %v", got, err)
	}
	if acct.Used != 4096 {
		t.Fatalf("charged %d after shrinking to a page", acct.Used)
	}
	// A second pipe whose ring the account cannot hold gets ENOMEM.
	acct.Used = acct.Max
	_, w2 := NewChargedPipe(2, acct)
	if _, err := w2.WriteAt([]byte("y"), 0); !errors.Is(err, unix.ENOMEM) {
		t.Fatalf("write with the account full = %v, want ENOMEM", err)
	}
	acct.Used = 4096
	r.Release()
	if acct.Used != 4096 {
		t.Fatalf("ring given back with the write end still open")
	}
	w.Release()
	if acct.Used != 0 {
		t.Fatalf("charged %d after both ends closed", acct.Used)
	}
}

// TestFIFORingCharged: a named pipe's ring is charged as a pipe's is,
// refused with ENOMEM when the account is full, and given back when the
// last open of the FIFO closes.
func TestFIFORingCharged(t *testing.T) {
	acct := &vfstest.Limit{Max: DefaultPipeSize}
	f := NewChargedFIFO(1, acct)
	stat := func() (vfs.Stat, error) { return vfs.Stat{}, nil }
	rw, err := f.Open(unix.O_RDWR, stat)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := rw.WriteAt([]byte("x"), 0); n != 1 || err != nil {
		t.Fatalf("write = %d, %v", n, err)
	}
	if acct.Used != DefaultPipeSize {
		t.Fatalf("charged %d after the first write, want %d", acct.Used, DefaultPipeSize)
	}
	g := NewChargedFIFO(2, acct)
	rw2, err := g.Open(unix.O_RDWR, stat)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw2.WriteAt([]byte("y"), 0); !errors.Is(err, unix.ENOMEM) {
		t.Fatalf("write with the account full = %v, want ENOMEM", err)
	}
	rw2.Release()
	rw.Release()
	if acct.Used != 0 {
		t.Fatalf("charged %d after every open closed", acct.Used)
	}
}
