package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSeedSessionUnderSentryMatchesNative runs the seed session (the
// commands of testdata/ref/seed-session.txt from one redis-cli, then
// SIGTERM) against the host's redis-server under the sentry, traced as
// jsonl, and diffs the trace against the native strace log that `make
// refs` recorded: every command phase of the native run must be in the
// sentry's run with no call missing.
func TestSeedSessionUnderSentryMatchesNative(t *testing.T) {
	for _, p := range []string{"/usr/bin/redis-server", "/usr/bin/redis-cli"} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s: %v (make deps installs it)", p, err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	conf := filepath.Join(dir, "redis.conf")
	// The configuration scripts/make-refs.sh gave the native server.
	os.WriteFile(conf, []byte(fmt.Sprintf("protected-mode no\nport %d\ndir %s\npidfile %s/redis.pid\nlogfile \"\"\n", port, dir, dir)), 0o644)
	trace := filepath.Join(dir, "run.jsonl")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := exec.CommandContext(ctx, sentryBin, "run", "-p", fmt.Sprintf("127.0.0.1:%d:%d", port, port), "-v", dir+":"+dir,
		"--strace-format", "jsonl", "--strace-output", trace, "/usr/bin/redis-server", conf)
	var stderr bytes.Buffer
	srv.Stderr = &stderr
	out, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	var log bytes.Buffer
	go func() {
		sc := bufio.NewScanner(out)
		ok := false
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if !ok && strings.Contains(sc.Text(), "Ready to accept connections") {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			srv.Wait()
			t.Fatalf("redis-server under the sentry ended before it was ready; stderr:\n%s", stderr.String())
		}
	case <-time.After(60 * time.Second):
		srv.Process.Kill()
		srv.Wait()
		t.Fatalf("redis-server under the sentry not ready in 60 s; stderr:\n%s", stderr.String())
	}

	session, err := os.ReadFile(filepath.Join(refDir, "seed-session.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
	defer ccancel()
	cli := exec.CommandContext(cctx, "redis-cli", "-p", fmt.Sprint(port))
	cli.Stdin = bytes.NewReader(session)
	replies, err := cli.CombinedOutput()
	if err != nil {
		srv.Process.Kill()
		srv.Wait()
		t.Fatalf("redis-cli: %v\n%s\nsentry stderr:\n%s", err, replies, stderr.String())
	}
	for _, want := range []string{"OK\n", "1,mydata,10\n", "PONG\n", "redis_version:"} {
		if !bytes.Contains(replies, []byte(want)) {
			t.Errorf("replies lack %q:\n%.2000s", want, replies)
		}
	}
	time.Sleep(300 * time.Millisecond)
	srv.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sentry after SIGTERM: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		srv.Process.Kill()
		<-done
		t.Errorf("redis-server under the sentry did not end on SIGTERM in 30 s")
	}
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Errorf("SAVE left no dump.rdb in the volume: %v", err)
	}

	native := filepath.Join(refDir, "redis-native-amd64.strace")
	r := sentry(t, "trace-diff", "--format", "json", "--ref", native, trace)
	var rep struct {
		Phases []struct {
			Name      string
			RunCounts map[string]int `json:"run_counts"`
			Missing   []string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("trace-diff: status %d, %v\n%s%s", r.status, err, r.stdout, r.stderr)
	}
	commands, shutdown := 0, false
	for _, p := range rep.Phases {
		if p.Name == "shutdown" {
			shutdown = len(p.RunCounts) > 0
		}
		if !strings.HasPrefix(p.Name, "command:") {
			continue
		}
		commands++
		if len(p.RunCounts) == 0 || len(p.Missing) > 0 {
			t.Errorf("phase %s: missing in the sentry's run: %v", p.Name, p.Missing)
		}
	}
	if !shutdown {
		t.Errorf("no shutdown phase in the sentry's run")
	}
	if commands != 8 {
		t.Errorf("%d command phases, want 8 (COMMAND DOCS and the seed's seven)", commands)
	}
	// The whole run matching (startup and shutdown too) is logged, not
	// required: those phases depend on the host's libraries and timing.
	text := sentry(t, "trace-diff", "--ref", native, trace)
	if t.Failed() {
		t.Logf("trace-diff:\n%s", text.stdout)
	} else if text.status != 0 {
		t.Logf("outside the command phases the run differs:\n%s", text.stdout)
	}
}
