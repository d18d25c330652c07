package oci

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestMergeEnvOverridesByName(t *testing.T) {
	got := mergeEnv([]string{"PATH=/bin", "HOME=/root", "TERM=xterm"}, []string{"HOME=/tmp", "NEW=1", "PATH=/x"})
	want := []string{"PATH=/x", "HOME=/tmp", "TERM=xterm", "NEW=1"}
	if !slices.Equal(got, want) {
		t.Fatalf("mergeEnv: %q, want %q", got, want)
	}
}

// TestExecSocketWithALongStateDirectory: a state directory whose socket
// path does not fit a sockaddr_un still gets a working exec socket, mode
// 0600, and a request with its fds crosses it whole.
func TestExecSocketWithALongStateDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 64), strings.Repeat("e", 64))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if len(filepath.Join(dir, execSockName)) < 108 {
		t.Fatalf("the path is not long enough to test: %s", dir)
	}
	ln, err := listenExec(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	st, err := os.Stat(filepath.Join(dir, execSockName))
	if err != nil || st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o600 {
		t.Fatalf("exec socket: %v %v", st, err)
	}
	done := make(chan error, 1)
	go func() {
		c, err := dialExec(dir)
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		done <- sendJSON(c, execRequest{Args: []string{"a", "b"}, Env: []string{"X=1"}}, []int{0, 1, 2})
	}()
	c, err := ln.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := samePeer(c); err != nil {
		t.Fatal(err)
	}
	var req execRequest
	fds, err := recvJSON(c, &req, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		os.NewFile(uintptr(fd), "").Close()
	}
	if len(fds) != 3 || !slices.Equal(req.Args, []string{"a", "b"}) || !slices.Equal(req.Env, []string{"X=1"}) {
		t.Fatalf("received %v fds, request %+v", fds, req)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
