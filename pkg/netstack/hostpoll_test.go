package netstack

import (
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
)

// hang is how long a test waits for a notification before calling it
// lost; a loaded machine may be slow, so it is no assertion of speed.
const hang = 2 * time.Minute

func hostPair(t *testing.T) (watched, other int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

// TestHostPollerWakesWaitersAndRetires: a host fd becoming readable
// wakes a waiter on the socket it backs, and removing the last fd ends
// the poller before remove returns, closing its own host fds.
func TestHostPollerWakesWaitersAndRetires(t *testing.T) {
	st := NewStackMode(ModeHost)
	s, err := st.NewSocket(unix.AF_INET, unix.SOCK_DGRAM, 0, Creds{})
	if err != nil {
		t.Fatal(err)
	}
	fd, other := hostPair(t)
	e, ch := epoll.NewChanEntry(epoll.EventIn)
	s.EventRegister(e)
	defer s.EventUnregister(e)
	if err := st.hostPoll.add(fd, s); err != nil {
		t.Fatal(err)
	}
	st.hostPoll.mu.Lock()
	epfd, kick := st.hostPoll.epfd, st.hostPoll.kick
	st.hostPoll.mu.Unlock()
	// The entry asks for EventIn only: the writable edge the
	// registration reports does not wake it.
	if _, err := unix.Write(other, []byte("x")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-time.After(hang):
		t.Fatal("no wakeup for a readable host fd")
	}
	st.hostPoll.remove(fd)
	st.hostPoll.mu.Lock()
	running := st.hostPoll.running
	st.hostPoll.mu.Unlock()
	if running || st.hostPoll.count() != 0 {
		t.Fatalf("poller still running (%v) with %d fds after the last removal", running, st.hostPoll.count())
	}
	for _, f := range []int{epfd, kick} {
		if _, err := unix.FcntlInt(uintptr(f), unix.F_GETFD, 0); err != unix.EBADF {
			t.Errorf("poller fd %d still open after it retired (fcntl: %v)", f, err)
		}
	}
}

// TestHostPollerSurvivesChurn: fds added and removed from many
// goroutines at once, the poller starting and retiring under them,
// end with nothing watched and no goroutine left running.
func TestHostPollerSurvivesChurn(t *testing.T) {
	st := NewStackMode(ModeHost)
	s, err := st.NewSocket(unix.AF_INET, unix.SOCK_DGRAM, 0, Creds{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		fd, _ := hostPair(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if err := st.hostPoll.add(fd, s); err != nil {
					t.Error(err)
					return
				}
				st.hostPoll.remove(fd)
			}
		}()
	}
	wg.Wait()
	st.hostPoll.mu.Lock()
	defer st.hostPoll.mu.Unlock()
	if st.hostPoll.running || len(st.hostPoll.socks) != 0 {
		t.Fatalf("after churn: running %v, %d fds watched", st.hostPoll.running, len(st.hostPoll.socks))
	}
}
