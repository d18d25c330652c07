package epoll

import (
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

func fifoStat() (vfs.Stat, error) { return vfs.Stat{Mode: unix.S_IFIFO | 0600}, nil }

func TestFIFOOpensShareOnePipe(t *testing.T) {
	f := NewFIFO(7)
	if _, err := f.Open(unix.O_WRONLY|unix.O_NONBLOCK, fifoStat); err != unix.ENXIO {
		t.Fatalf("writer without reader: %v", err)
	}
	ra, _ := f.Open(unix.O_RDONLY|unix.O_NONBLOCK, fifoStat)
	rb, _ := f.Open(unix.O_RDONLY|unix.O_NONBLOCK, fifoStat)
	a, b := ra.(*FIFOEnd), rb.(*FIFOEnd)
	en, ch := NewChanEntry(EventIn)
	a.EventRegister(en)
	// Closing another open of the FIFO keeps a's watchers.
	b.Release()
	wi, err := f.Open(unix.O_WRONLY, fifoStat)
	if err != nil {
		t.Fatal(err)
	}
	w := wi.(*FIFOEnd)
	if _, ready := w.OpenReady(); !ready {
		t.Errorf("writer with a reader waits")
	}
	if n, err := w.WriteAt([]byte("hi"), -1); n != 2 || err != nil {
		t.Fatalf("write: %d %v", n, err)
	}
	select {
	case <-ch:
	default:
		t.Errorf("reader's watcher not woken after another reader closed")
	}
	buf := make([]byte, 8)
	if n, _ := a.ReadAt(buf, -1); string(buf[:n]) != "hi" {
		t.Errorf("read %q", buf[:n])
	}
	w.Release()
	if n, err := a.ReadAt(buf, -1); n != 0 || err != nil {
		t.Errorf("after the writer closed: %d %v, want end of file", n, err)
	}
	if a.Readiness(EventIn)&EventHup == 0 {
		t.Errorf("no HUP without writers")
	}
	a.Release()
	if f.p != nil {
		t.Errorf("pipe kept after every end closed")
	}
}

func TestFIFOBlockingOpenWaitsForPartner(t *testing.T) {
	f := NewFIFO(8)
	ri, _ := f.Open(unix.O_RDONLY, fifoStat)
	r := ri.(*FIFOEnd)
	ch, ready := r.OpenReady()
	if ready {
		t.Fatal("blocking reader without writer is ready")
	}
	wi, _ := f.Open(unix.O_WRONLY, fifoStat)
	select {
	case <-ch:
	default:
		t.Fatal("writer's open did not wake the reader")
	}
	if _, ready := r.OpenReady(); !ready {
		t.Error("reader not ready after a writer opened")
	}
	// A writer that came and went still released the reader.
	wi.Release()
	if _, ready := r.OpenReady(); !ready {
		t.Error("reader waits again after the writer left")
	}
	r.Release()
}
