package e2e

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// TestPublishedConnectionsKeepTheOrderClientsWrote: a host client writes
// one short message on each of eight published connections in turn (in
// a new random order every round, each write returning before the next
// starts, 5,000 messages), and the server in the sandbox (net_order, one
// epoll over the eight) must take them in exactly that order, as it does on Linux's
// loopback, where a message is in the receiver's queue before the write
// returns. The same client first runs against the server natively, which
// proves the server's view is exact there. Redis's own tests depend on
// this (BRPOPLPUSH with multiple blocked clients).
func TestPublishedConnectionsKeepTheOrderClientsWrote(t *testing.T) {
	const conns, messages = 8, 5000
	bin := buildC(t, "net_order")

	native := freePort(t)
	nb := startBackground(t, exec.Command(bin, strconv.Itoa(native), strconv.Itoa(conns)))
	nb.expectLine(t, "listening")
	if bad, rounds, first := writeInTurn(t, native, conns, messages); bad != 0 {
		t.Fatalf("natively, %d of %d rounds out of order (the test's premise fails): %s", bad, rounds, first)
	}
	nb.expectLine(t, fmt.Sprintf("done after %d messages", messages))

	host, guest := freePort(t), freePort(t)
	b := startSentry(t, "run", "-p", fmt.Sprintf("127.0.0.1:%d:%d", host, guest), bin, strconv.Itoa(guest), strconv.Itoa(conns))
	b.expectLine(t, "listening")
	if bad, rounds, first := writeInTurn(t, host, conns, messages); bad != 0 {
		t.Errorf("in the sandbox, %d of %d rounds out of order: %s", bad, rounds, first)
	}
	b.expectLine(t, fmt.Sprintf("done after %d messages", messages))
	select {
	case err := <-b.done:
		if err != nil {
			t.Fatalf("sentry: %v; stderr:\n%s", err, b.stderr)
		}
	case <-time.After(hangLimit):
		t.Fatalf("sentry did not exit; stderr:\n%s", b.stderr)
	}
}

// writeInTurn is net_order's client: it connects n+1 times to port,
// then, round after round, writes one message on each of the first n
// connections in a random order and reads back on the last (the control
// connection) the order the server took them in. It returns how many rounds differed, of how many, and the first
// difference.
func writeInTurn(t *testing.T, port, n, messages int) (bad, rounds int, first string) {
	t.Helper()
	cs := make([]net.Conn, n+1)
	for k := range cs {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(hangLimit))
		if _, err := fmt.Fprintf(c, "c%06d\n", k); err != nil {
			t.Fatal(err)
		}
		cs[k] = c
	}
	ready := make([]byte, 6)
	if _, err := io.ReadFull(cs[n], ready); err != nil || string(ready) != "ready\n" {
		t.Fatalf("server not ready: %q, %v", ready, err)
	}
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	var wrote bytes.Buffer
	got := make([]byte, n*8)
	for seq := 0; seq < messages; rounds++ {
		wrote.Reset()
		for _, k := range rng.Perm(n) {
			msg := fmt.Sprintf("%07d\n", seq)
			seq++
			if _, err := io.WriteString(cs[k], msg); err != nil {
				t.Fatal(err)
			}
			wrote.WriteString(msg)
		}
		if _, err := io.ReadFull(cs[n], got); err != nil {
			t.Fatalf("round %d: reading the order the server saw: %v", rounds, err)
		}
		if !bytes.Equal(got, wrote.Bytes()) {
			if bad == 0 {
				first = fmt.Sprintf("round %d (seed %d): wrote %q, server took %q", rounds, seed, wrote.Bytes(), got)
			}
			bad++
			if bad < 5 {
				t.Logf("round %d: wrote %q, server took %q", rounds, wrote.Bytes(), got)
			}
		}
	}
	return bad, rounds, first
}
