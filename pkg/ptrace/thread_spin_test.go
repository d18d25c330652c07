package ptrace

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestCloneChildSpinsWithoutBudget: the code a new stub thread runs until
// its tracer attaches is a plain pause loop with no way out. A budget
// there is CPU time, and CPU-model dependent, so a tracer delayed on a
// loaded machine found its thread gone.
func TestCloneChildSpinsWithoutBudget(t *testing.T) {
	img := stubImage()
	site := img[cloneCodeOffset:]
	child := cloneTrapNext - cloneSyscall
	want := []byte{
		0x0f, 0x05, // syscall
		0x48, 0x85, 0xc0, // test %rax, %rax
		0x74, 0x01, // je child
		0xcc,       // int3 (the parent)
		0xf3, 0x90, // child: pause
		0xeb, 0xfc, // jmp child
	}
	if !bytes.Equal(site[:len(want)], want) || child != 8 {
		t.Fatalf("clone site % x (child at %d), want % x (child at 8)", site[:len(want)], child, want)
	}
}

// threadCPU is the CPU time the host has charged thread tid of pid.
func threadCPU(pid, tid int32) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short stat %q", s)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100, nil // USER_HZ
}

// TestLateClaimedThreadStarts: a new stub thread whose tracer comes only
// after the thread has spun for seconds of CPU time (what a loaded
// machine can do to the tracer's OS thread) still starts and runs.
func TestLateClaimedThreadStarts(t *testing.T) {
	if testing.Short() {
		t.Skip("lets a thread spin for seconds of CPU time")
	}
	f := newFixture(t, Options{})
	f.load(t, codeAddr, 0, rx, cat(movEAX(186), insSyscall, insSpin)) // gettid
	st, err := f.as.NewThread()
	if err != nil {
		t.Fatal(err)
	}
	tid := st.(*threadStarter).tid
	for {
		cpu, err := threadCPU(f.as.pid, tid)
		if err != nil {
			t.Fatalf("unclaimed thread %d is gone: %v", tid, err)
		}
		if cpu >= 3*time.Second {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	errc := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		c, err := st.Start()
		if err != nil {
			errc <- err
			return
		}
		regs := regsAt(codeAddr)
		_, err = c.Switch(regs)
		if err == nil && regs.SyscallNo() != 186 {
			err = errors.New("late thread stopped at the wrong syscall")
		}
		c.Release()
		errc <- err
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// TestUnclaimedThreadDiesWithStub: a thread no goroutine ever attaches to
// spins until its stub goes, and goes with it.
func TestUnclaimedThreadDiesWithStub(t *testing.T) {
	f := newFixture(t, Options{})
	st, err := f.as.NewThread()
	if err != nil {
		t.Fatal(err)
	}
	pid, tid := f.as.pid, st.(*threadStarter).tid
	if _, err := threadCPU(pid, tid); err != nil {
		t.Fatalf("new thread not there: %v", err)
	}
	f.as.Release()
	// Release reaps the stub: the thread is gone when it returns.
	if err := unix.Kill(int(pid), 0); err != unix.ESRCH {
		t.Errorf("stub %d after Release: kill 0: %v, want ESRCH", pid, err)
	}
	if _, err := threadCPU(pid, tid); !os.IsNotExist(err) {
		t.Errorf("unclaimed thread %d after Release: %v", tid, err)
	}
}
