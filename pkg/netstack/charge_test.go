package netstack

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs/vfstest"
)

func TestSocketBuffersCharged(t *testing.T) {
	for _, stype := range []int{unix.SOCK_STREAM, unix.SOCK_DGRAM} {
		st := NewStack()
		acct := &vfstest.Limit{Max: 10000}
		st.SetMemoryCharger(acct)
		a, b, err := st.Pair(stype, Creds{})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := a.WriteAt(make([]byte, 6000), 0); n != 6000 || err != nil {
			t.Fatalf("type %d: write = %d, %v", stype, n, err)
		}
		if acct.Used != 6000 {
			t.Fatalf("type %d: charged %d after a 6000-byte write", stype, acct.Used)
		}
		if n, err := a.WriteAt(make([]byte, 6000), 0); !errors.Is(err, unix.ENOMEM) {
			t.Fatalf("type %d: write past the account = %d, %v; want ENOMEM", stype, n, err)
		}
		if acct.Used != 6000 {
			t.Fatalf("type %d: a refused write charged %d", stype, acct.Used-6000)
		}
		if n, err := b.ReadAt(make([]byte, 2000), 0); n != 2000 || err != nil {
			t.Fatalf("type %d: read = %d, %v", stype, n, err)
		}
		want := int64(4000)
		if stype == unix.SOCK_DGRAM {
			want = 0 // the rest of the datagram is lost
		}
		if acct.Used != want {
			t.Fatalf("type %d: charged %d after reading, want %d", stype, acct.Used, want)
		}
		a.WriteAt(make([]byte, 100), 0)
		b.Release()
		a.Release()
		if acct.Used != 0 {
			t.Fatalf("type %d: charged %d after both ends closed", stype, acct.Used)
		}
	}
}
