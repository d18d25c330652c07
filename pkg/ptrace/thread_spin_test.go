package ptrace

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// TestUnclaimedThreadExits: a thread no goroutine ever attaches to must
// not spin for ever; it exits by itself after its spin budget.
func TestUnclaimedThreadExits(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the spin budget (seconds)")
	}
	f := newFixture(t, Options{})
	st, err := f.as.NewThread()
	if err != nil {
		t.Fatal(err)
	}
	tid := st.(*threadStarter).tid
	path := fmt.Sprintf("/proc/%d/task/%d", f.as.pid, tid)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("new thread not there: %v", err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		if _, err := os.Stat(path); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("unclaimed thread %d still spinning", tid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
