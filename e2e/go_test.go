package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGoHTTPServerServesTheHost runs a Go program (its runtime uses
// threads, futexes, signals, epoll and non-blocking sockets) as an HTTP
// server in the sandbox and fetches from it through a published port.
func TestGoHTTPServerServesTheHost(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "httpserver")
	build := exec.Command("go", "build", "-o", bin, "./testdata/go/httpserver")
	build.Dir = ".."
	build.Env = append(build.Environ(), "CGO_ENABLED=0", "GOARCH=amd64")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	port := freePort(t)
	cmd := exec.Command(sentryBin, "run", "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), bin)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	url := fmt.Sprintf("http://127.0.0.1:%d/some/path", port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if got := string(b); !strings.HasPrefix(got, "hello from sentry, pid 1, path /some/path") {
				t.Fatalf("got %q", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer from the Go server in the sandbox: %v; output:\n%s", err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Many requests at once over fresh connections.
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		go func() {
			resp, err := http.Get(url)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	for i := 0; i < 50; i++ {
		if err := <-errs; err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
}
