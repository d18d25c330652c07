package e2e

import (
	"strings"
	"testing"
)

// runC builds testdata/c/NAME.c with flags and runs it under the sentry.
func runC(t *testing.T, name string, flags ...string) result {
	t.Helper()
	bin := buildC(t, name, flags...)
	return sentry(t, "run", bin)
}

func TestPthreadsMutexCondvarJoinTLSAndTIDs(t *testing.T) {
	r := runC(t, "threads", "-pthread")
	if r.status != 0 || r.stdout != "threads ok\n" {
		t.Fatalf("status %d stdout %q stderr:\n%s", r.status, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, "unsupported syscall") {
		t.Errorf("unsupported syscalls:\n%s", r.stderr)
	}
}

func TestFutexOperationsAndRobustMutex(t *testing.T) { sameAsNative(t, "futex", 0) }

// TestPIFutexesBehaveLikeLinux: PTHREAD_PRIO_INHERIT mutexes (contention,
// trylock, timedlock, error checking, robust owners that die, a condition
// variable) and the raw PI operations, with the futex word's bits and
// every errno, print what they print natively.
func TestPIFutexesBehaveLikeLinux(t *testing.T) { sameAsNative(t, "futex_pi", 0) }

func TestThreadExitVersusExitGroup(t *testing.T) {
	sameAsNative(t, "thread_exit", 7, "leader-first")
	sameAsNative(t, "thread_exit", 5, "exit-group")
}

func TestSchedPolicyCalls(t *testing.T) {
	r := runC(t, "sched", "-pthread")
	want := "0 99 1 0\nset other 0\nset fifo -1 1\ngetparam 0 prio 0\npthread_getschedparam 0 pol 0\nbad pid -1 3\n"
	if r.status != 0 || r.stdout != want {
		t.Fatalf("status %d stdout %q, want %q; stderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
}
