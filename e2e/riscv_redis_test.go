package e2e

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRISCVRedisSeedSession runs Debian's riscv64 redis-server in the
// interpreter behind a published port and replays the seed session from
// the host's redis-cli: PING, SET, GET, KEYS *, CONFIG GET *, INFO, SAVE
// to a volume, then SIGTERM.
func TestRISCVRedisSeedSession(t *testing.T) {
	root := riscvRoot(t)
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatal("redis-cli is not installed (make deps installs it)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().(*net.TCPAddr).Port
	l.Close()
	data := t.TempDir()
	cmd := exec.Command(sentryBin, "run", "--root", root, "-v", data+":/data", "-p", fmt.Sprintf("127.0.0.1:%d:6379", host),
		"/usr/bin/redis-server", "--port", "6379", "--save", "", "--dir", "/data")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	redis := func(args ...string) string {
		b, _ := exec.Command(cli, append([]string{"-p", strconv.Itoa(host)}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(b))
	}
	// Wait for PONG as long as a loaded machine needs (hangLimit), but
	// not after the sentry has exited.
	start := time.Now()
	for redis("ping") != "PONG" {
		select {
		case err := <-done:
			t.Fatalf("the sentry exited (%v) before redis answered PING; output:\n%s", err, out.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Since(start) > hangLimit {
			cmd.Process.Signal(syscall.SIGABRT)
			<-done
			t.Fatalf("no PONG from the riscv64 redis within %v: a hang; output, then the sentry's goroutines:\n%s", hangLimit, tail(out.String(), 60000))
		}
	}
	if got := redis("set", "arch", "riscv64"); got != "OK" {
		t.Fatalf("set: %q", got)
	}
	if got := redis("get", "arch"); got != "riscv64" {
		t.Fatalf("get: %q", got)
	}
	if got := redis("keys", "*"); got != "arch" {
		t.Errorf("keys *: %q", got)
	}
	if got := redis("config", "get", "*"); !strings.Contains(got, "maxmemory") || !strings.Contains(got, "/data") {
		t.Errorf("config get * lacks maxmemory or dir /data: %.200q", got)
	}
	if got := redis("info"); !strings.Contains(got, "arch_bits:64") || !strings.Contains(got, "riscv64") {
		t.Errorf("info does not describe a riscv64 server: %.300q", got)
	}
	if got := redis("save"); got != "OK" {
		t.Fatalf("save: %q; output:\n%s", got, out.String())
	}
	if st, err := os.Stat(filepath.Join(data, "dump.rdb")); err != nil || st.Size() == 0 {
		t.Errorf("SAVE left no dump.rdb in the volume: %v", err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sentry after SIGTERM: %v; output:\n%s", err, out.String())
		}
	case <-time.After(hangLimit):
		cmd.Process.Signal(syscall.SIGABRT)
		<-done
		t.Fatalf("redis did not exit on SIGTERM: a hang; output, then the sentry's goroutines:\n%s", tail(out.String(), 60000))
	}
	if !strings.Contains(out.String(), "ready to exit") {
		t.Errorf("redis did not shut down cleanly; output:\n%s", out.String())
	}
}

// forEachArch runs test once per architecture the sentry runs redis on:
// amd64 (the host's redis-server under ptrace) and riscv64 (Debian's
// riscv64 redis-server in the interpreter, from the rootfs); extra holds
// the sentry flags that select it.
func forEachArch(t *testing.T, test func(t *testing.T, extra ...string)) {
	t.Run("amd64", func(t *testing.T) { test(t) })
	t.Run("riscv64", func(t *testing.T) { test(t, "--root", riscvRoot(t)) })
}
