package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os/exec"
	"strconv"
	"strings"
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
	if bad, rounds, first := writeInTurn(t, []string{loopbackAddr(native)}, conns, messages); bad != 0 {
		t.Fatalf("natively, %d of %d rounds out of order (the test's premise fails): %s", bad, rounds, first)
	}
	nb.expectLine(t, fmt.Sprintf("done after %d messages", messages))

	host, guest := freePort(t), freePort(t)
	b := startSentry(t, "run", "-p", fmt.Sprintf("127.0.0.1:%d:%d", host, guest), bin, strconv.Itoa(guest), strconv.Itoa(conns))
	b.expectLine(t, "listening")
	if bad, rounds, first := writeInTurn(t, []string{loopbackAddr(host)}, conns, messages); bad != 0 {
		t.Errorf("in the sandbox, %d of %d rounds out of order: %s", bad, rounds, first)
	}
	b.expectLine(t, fmt.Sprintf("done after %d messages", messages))
	waitSentry(t, b)
}

// TestConnectionsThroughTwoPublishedPortsKeepTheOrderClientsWrote is
// the same check with the eight connections split between two host
// ports published to the one guest port: order across connections must
// hold whichever published port a connection came in by. (The premise,
// that Linux's loopback keeps the order, is checked natively by
// TestPublishedConnectionsKeepTheOrderClientsWrote.)
func TestConnectionsThroughTwoPublishedPortsKeepTheOrderClientsWrote(t *testing.T) {
	const conns, messages = 8, 5000
	bin := buildC(t, "net_order")

	host1, host2, guest := freePort(t), freePort(t), freePort(t)
	b := startSentry(t, "run", "-p", fmt.Sprintf("127.0.0.1:%d:%d", host1, guest), "-p", fmt.Sprintf("127.0.0.1:%d:%d", host2, guest),
		bin, strconv.Itoa(guest), strconv.Itoa(conns))
	b.expectLine(t, "listening")
	if bad, rounds, first := writeInTurn(t, []string{loopbackAddr(host1), loopbackAddr(host2)}, conns, messages); bad != 0 {
		t.Errorf("in the sandbox, %d of %d rounds out of order: %s", bad, rounds, first)
	}
	b.expectLine(t, fmt.Sprintf("done after %d messages", messages))
	waitSentry(t, b)
}

// TestHostNetworkConnectionsKeepTheOrderClientsWrote: with --network
// host, net_order listens at its network namespace's address (a host
// socket the sentry owns and bridges), and a client on the other end of
// the namespace's veth writes on eight connections in turn; the server
// must take the messages in the order they were written, as it does
// natively in the same namespace (checked first).
func TestHostNetworkConnectionsKeepTheOrderClientsWrote(t *testing.T) {
	const conns, messages = 8, 5000
	v := newVethNet(t)
	bin := buildC(t, "net_order")
	// The namespace is new and nothing else runs in it: any port is free.
	const port = 7000
	addr := net.JoinHostPort(v.NSIP, strconv.Itoa(port))

	nb := startBackground(t, v.command(bin, strconv.Itoa(port), strconv.Itoa(conns), v.NSIP))
	nb.expectLine(t, "listening")
	if bad, rounds, first := writeInTurn(t, []string{addr}, conns, messages); bad != 0 {
		t.Fatalf("natively, %d of %d rounds out of order (the test's premise fails): %s", bad, rounds, first)
	}
	nb.expectLine(t, fmt.Sprintf("done after %d messages", messages))
	select {
	case <-nb.done:
	case <-time.After(hangLimit):
		t.Fatalf("native net_order did not exit; stderr:\n%s", nb.stderr)
	}

	b := startBackground(t, v.command(sentryBin, "run", "--network", "host", bin, strconv.Itoa(port), strconv.Itoa(conns), v.NSIP))
	b.expectLine(t, "listening")
	if bad, rounds, first := writeInTurn(t, []string{addr}, conns, messages); bad != 0 {
		t.Errorf("in the sandbox, %d of %d rounds out of order: %s", bad, rounds, first)
	}
	b.expectLine(t, fmt.Sprintf("done after %d messages", messages))
	waitSentry(t, b)
}

func loopbackAddr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

// waitSentry waits for the sentry b runs to exit, successfully.
func waitSentry(t *testing.T, b *background) {
	t.Helper()
	select {
	case err := <-b.done:
		if err != nil {
			t.Fatalf("sentry: %v; stderr:\n%s", err, b.stderr)
		}
	case <-time.After(hangLimit):
		t.Fatalf("sentry did not exit; stderr:\n%s", b.stderr)
	}
}

// writeInTurn is net_order's client: it connects n+1 times, connection
// k to addrs[k%len(addrs)], then, round after round, writes one message on each of the first n
// connections in a random order and reads back on the last (the control
// connection) the order the server took them in. It returns how many rounds differed, of how many, and the first
// difference.
func writeInTurn(t *testing.T, addrs []string, n, messages int) (bad, rounds int, first string) {
	t.Helper()
	cs := make([]net.Conn, n+1)
	for k := range cs {
		c, err := net.Dial("tcp", addrs[k%len(addrs)])
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

// TestRedisServesBlockedClientsInTheOrderTheyBlocked is Redis's own
// "BRPOPLPUSH with multiple blocked clients" through a published port:
// two new connections block in turn on one list (the first with a
// destination of the wrong type), a third pushes one element. Redis
// serves blocked clients in the order they blocked, so the first gets
// WRONGTYPE and the second the element, and no client stays blocked. If
// the second connection's command overtakes the first's, the first stays
// blocked (Redis's test then hangs). Run natively first: there it always
// holds.
func TestRedisServesBlockedClientsInTheOrderTheyBlocked(t *testing.T) {
	server, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not installed (make deps installs it)")
	}
	const rounds = 300
	native := freePort(t)
	nb := startBackground(t, exec.Command(server, "--port", strconv.Itoa(native), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"))
	if bad := blockInTurn(t, native, rounds); bad != 0 {
		t.Fatalf("natively, %d of %d rounds served out of order (the test's premise fails); stderr:\n%s", bad, rounds, nb.stderr)
	}
	host, guest := freePort(t), freePort(t)
	b := startSentry(t, "run", "-p", fmt.Sprintf("127.0.0.1:%d:%d", host, guest), server,
		"--port", strconv.Itoa(guest), "--save", "", "--appendonly", "no")
	if bad := blockInTurn(t, host, rounds); bad != 0 {
		t.Errorf("in the sandbox, %d of %d rounds served out of order; stderr:\n%s", bad, rounds, b.stderr)
	}
}

// blockInTurn plays Redis's BRPOPLPUSH test rounds times against the
// redis at port and returns in how many a client was left blocked.
func blockInTurn(t *testing.T, port, rounds int) (bad int) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	// A published port accepts before redis listens inside (and then
	// resets): wait for a PONG.
	var r net.Conn
	var rr *bufio.Reader
	deadline := time.Now().Add(hangLimit)
	for r == nil {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.SetDeadline(time.Now().Add(hangLimit))
			br := bufio.NewReader(c)
			var line string
			if _, err = io.WriteString(c, "PING\r\n"); err == nil {
				line, err = br.ReadString('\n')
			}
			if err == nil && line == "+PONG\r\n" {
				r, rr = c, br
				break
			}
			c.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis at %s does not answer: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer r.Close()
	// ask sends an inline command on r and returns the reply's first
	// line (and a bulk reply's body).
	ask := func(cmd string) string {
		t.Helper()
		if _, err := io.WriteString(r, cmd+"\r\n"); err != nil {
			t.Fatal(err)
		}
		return readReply(t, rr)
	}
	for i := 0; i < rounds; i++ {
		ask("DEL blist target1 target2")
		if got := ask("SET target1 nolist"); got != "+OK" {
			t.Fatalf("SET: %q", got)
		}
		var rd [2]net.Conn
		for k, cmd := range []string{"BRPOPLPUSH blist target1 0", "BRPOPLPUSH blist target2 0"} {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(hangLimit))
			if _, err := io.WriteString(c, cmd+"\r\n"); err != nil {
				t.Fatal(err)
			}
			rd[k] = c
		}
		ask("LPUSH blist foo")
		if got := readReply(t, bufio.NewReader(rd[1])); got != "$3\nfoo" {
			t.Fatalf("round %d: the second client got %q", i, got)
		}
		info := ask("INFO clients")
		if !strings.Contains(info, "\nblocked_clients:0\r") {
			bad++
			if bad == 1 {
				t.Logf("round %d: a client is still blocked:\n%s", i, info)
			}
		} else if got := readReply(t, bufio.NewReader(rd[0])); !strings.HasPrefix(got, "-WRONGTYPE") {
			t.Fatalf("round %d: the first client got %q", i, got)
		}
		rd[0].Close()
		rd[1].Close()
	}
	return bad
}

// readReply reads one RESP reply: its first line, and for a bulk string
// a newline and the body.
func readReply(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("redis reply: %v", err)
	}
	line = strings.TrimSuffix(line, "\r\n")
	if !strings.HasPrefix(line, "$") || line == "$-1" {
		return line
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil {
		t.Fatalf("redis reply %q", line)
	}
	body := make([]byte, n+2)
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatalf("redis reply body: %v", err)
	}
	return line + "\n" + string(body[:n])
}
