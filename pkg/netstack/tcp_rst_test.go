package netstack

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWriteToClosedPeer: after a TCP peer closes, one write succeeds (it
// draws the RST) and later ones are EPIPE; after a reset the first write
// is ECONNRESET; AF_UNIX fails at once.
func TestWriteToClosedPeer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		unread bool // the peer closes with unread data: a reset
		want   []error
	}{
		{"tcp close", false, []error{nil, unix.EPIPE, unix.EPIPE}},
		{"tcp reset", true, []error{unix.ECONNRESET, unix.EPIPE, unix.EPIPE}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c, s := connected(t, NewStack(), 5)
			if tc.unread {
				if _, err := c.Send([]byte("unread"), SendOpts{}); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			for i, want := range tc.want {
				n, err := c.Send([]byte("x"), SendOpts{})
				if !errors.Is(err, want) && !(want == nil && err == nil) || (want == nil && n != 1) {
					t.Errorf("write %d: %d, %v; want %v", i+1, n, err, want)
				}
			}
		})
	}
	t.Run("unix", func(t *testing.T) {
		a, b, err := NewStack().Pair(unix.SOCK_STREAM, Creds{})
		if err != nil {
			t.Fatal(err)
		}
		b.Close()
		if _, err := a.Send([]byte("x"), SendOpts{}); !errors.Is(err, unix.EPIPE) {
			t.Errorf("unix write after close: %v, want EPIPE", err)
		}
	})
}

// TestReadTakesTheResetThenWritesFail: a reset a read reported leaves no
// write to succeed.
func TestReadTakesTheResetThenWritesFail(t *testing.T) {
	_, c, s := connected(t, NewStack(), 5)
	if _, err := c.Send([]byte("unread"), SendOpts{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := c.Recv(make([]byte, 8), 0); !errors.Is(err, unix.ECONNRESET) {
		t.Fatalf("read after reset: %v, want ECONNRESET", err)
	}
	if _, err := c.Send([]byte("x"), SendOpts{}); !errors.Is(err, unix.EPIPE) {
		t.Errorf("write after the reset was read: %v, want EPIPE", err)
	}
}
