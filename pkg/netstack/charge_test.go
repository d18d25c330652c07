package netstack

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// limitCharger is an account of max bytes.
type limitCharger struct{ used, max int64 }

func (c *limitCharger) Charge(n int64) bool {
	if c.used+n > c.max {
		return false
	}
	c.used += n
	return true
}

func (c *limitCharger) Uncharge(n int64) { c.used -= n }

func TestSocketBuffersCharged(t *testing.T) {
	for _, stype := range []int{unix.SOCK_STREAM, unix.SOCK_DGRAM} {
		st := NewStack()
		acct := &limitCharger{max: 10000}
		st.SetMemoryCharger(acct)
		a, b, err := st.Pair(stype, Creds{})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := a.WriteAt(make([]byte, 6000), 0); n != 6000 || err != nil {
			t.Fatalf("type %d: write = %d, %v", stype, n, err)
		}
		if acct.used != 6000 {
			t.Fatalf("type %d: charged %d after a 6000-byte write", stype, acct.used)
		}
		if n, err := a.WriteAt(make([]byte, 6000), 0); !errors.Is(err, unix.ENOMEM) {
			t.Fatalf("type %d: write past the account = %d, %v; want ENOMEM", stype, n, err)
		}
		if acct.used != 6000 {
			t.Fatalf("type %d: a refused write charged %d", stype, acct.used-6000)
		}
		if n, err := b.ReadAt(make([]byte, 2000), 0); n != 2000 || err != nil {
			t.Fatalf("type %d: read = %d, %v", stype, n, err)
		}
		want := int64(4000)
		if stype == unix.SOCK_DGRAM {
			want = 0 // the rest of the datagram is lost
		}
		if acct.used != want {
			t.Fatalf("type %d: charged %d after reading, want %d", stype, acct.used, want)
		}
		a.WriteAt(make([]byte, 100), 0)
		b.Release()
		a.Release()
		if acct.used != 0 {
			t.Fatalf("type %d: charged %d after both ends closed", stype, acct.used)
		}
	}
}
