package ptrace

import (
	"fmt"
	"os"
	"runtime"
	"testing"
)

// BenchmarkStubStart measures starting a stub (fork, exec, setup; what
// every application fork and execve pays) with and without its
// isolation (new namespaces and an empty root).
func BenchmarkStubStart(b *testing.B) {
	for _, iso := range []bool{true, false} {
		b.Run(fmt.Sprintf("isolation=%v", iso), func(b *testing.B) {
			done := make(chan error)
			go func() {
				runtime.LockOSThread()
				f := newFixture(b, Options{NoIsolation: !iso})
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					as, c, err := f.p.newAddressSpace(f.memfd)
					if err != nil {
						done <- err
						return
					}
					got := stubIsolated(as.pid)
					c.Release()
					if got != iso {
						done <- fmt.Errorf("stub isolated: %v, want %v", got, iso)
						return
					}
				}
				done <- nil
			}()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}

// stubIsolated reports whether the stub is in another network namespace
// than the sentry.
func stubIsolated(pid int32) bool {
	stub, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
	self, _ := os.Readlink("/proc/self/ns/net")
	return err == nil && stub != self
}
