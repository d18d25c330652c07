package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// term is a pseudo-terminal whose slave end is the sentry's terminal.
type term struct {
	master *os.File
	mu     sync.Mutex
	out    bytes.Buffer
}

func openPty(t *testing.T) (*term, *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminals: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{master: m}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := m.Read(b)
			tm.mu.Lock()
			tm.out.Write(b[:n])
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { m.Close() })
	return tm, s
}

// expect waits until the terminal has shown want since the last expect.
func (tm *term) expect(t *testing.T, want string) {
	t.Helper()
	tm.expectWithin(t, want, 10*time.Second)
}

// expectWithin is expect waiting up to limit.
func (tm *term) expectWithin(t *testing.T, want string, limit time.Duration) {
	t.Helper()
	if !tm.shows(want, limit) {
		tm.mu.Lock()
		defer tm.mu.Unlock()
		t.Fatalf("terminal never showed %q; it shows:\n%q", want, tm.out.String())
	}
}

// shows waits up to limit for the terminal to show want since the last
// expect, and says whether it did.
func (tm *term) shows(want string, limit time.Duration) bool {
	for deadline := time.Now().Add(limit); ; time.Sleep(20 * time.Millisecond) {
		tm.mu.Lock()
		s := tm.out.String()
		if i := strings.Index(s, want); i >= 0 {
			tm.out.Next(i + len(want))
			tm.mu.Unlock()
			return true
		}
		tm.mu.Unlock()
		if time.Now().After(deadline) {
			return false
		}
	}
}

// untilShown sends s again and again until the terminal shows want (a
// state the sandbox reaches in its own time, as a background job
// stopping), failing after the same limit as expect.
func (tm *term) untilShown(t *testing.T, s, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		tm.send(t, s)
		for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			tm.mu.Lock()
			if i := strings.Index(tm.out.String(), want); i >= 0 {
				tm.out.Next(i + len(want))
				tm.mu.Unlock()
				return
			}
			tm.mu.Unlock()
		}
	}
	t.Fatalf("terminal never showed %q after %q", want, s)
}

func (tm *term) send(t *testing.T, s string) {
	t.Helper()
	if _, err := tm.master.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

// startShell runs args under the sentry on a new pseudo-terminal.
func startShell(t *testing.T, args ...string) (*term, *exec.Cmd, <-chan error) {
	t.Helper()
	tm, slave := openPty(t)
	// -it as a user types it: -t insists on the terminal it is given.
	cmd := exec.Command(sentryBin, append([]string{"run", "-it"}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.Env = append(os.Environ(), "PS1=$ ")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	return tm, cmd, done
}

func expectExit(t *testing.T, cmd *exec.Cmd, done <-chan error, status int) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the shell did not exit")
	}
	if got := cmd.ProcessState.ExitCode(); got != status {
		t.Errorf("exit status %d, want %d", got, status)
	}
}

// TestInteractiveShellCtrlC drives an interactive dash in the sandbox from
// a real terminal: a command, Ctrl-C reaching the foreground job (not the
// shell), and exit with a status.
func TestInteractiveShellCtrlC(t *testing.T) {
	tm, cmd, done := startShell(t, "/bin/dash", "-i")
	tm.expect(t, "$ ")
	tm.send(t, "echo hi $((1+2))\n")
	tm.expect(t, "hi 3")
	// The job proves it is in the foreground by echoing a line back (a
	// read from the terminal outside the foreground would stop it), and
	// only then gets the Ctrl-C: no sleep to guess when it started.
	tm.send(t, "cat\n")
	tm.send(t, "ping\n")
	tm.expect(t, "ping\r\nping\r\n")
	tm.send(t, "\x03")
	tm.expect(t, "$ ") // else cat, dying, may still read the next line
	tm.send(t, "echo after $?\n")
	tm.expect(t, "after 130")
	tm.send(t, "exit 3\n")
	expectExit(t, cmd, done, 3)
}

// TestInteractiveBusyboxJobControl: busybox sh's line editing, Ctrl-Z
// stopping the foreground job, jobs, fg continuing it, Ctrl-C ending it,
// SIGTTIN stopping a background reader of the terminal.
func TestInteractiveBusyboxJobControl(t *testing.T) {
	if _, err := os.Stat("/usr/bin/busybox"); err != nil {
		t.Fatal("busybox is not installed (make deps installs it)")
	}
	tm, cmd, done := startShell(t, "/usr/bin/busybox", "sh")
	tm.expect(t, "$ ")
	tm.send(t, "echo abc\x1b[D\x1b[DX\n") // two cursor-lefts, then insert
	tm.expect(t, "aXbc\r\n")
	// Each step waits for what shows it happened (a foreground cat echoes
	// a line back), never for a guessed time.
	tm.send(t, "cat -n\n")
	tm.send(t, "one\n")
	tm.expect(t, "     1\tone\r\n") // echoed or not: the line editor may still have ECHO off
	tm.send(t, "\x1a")
	tm.expect(t, "Stopped")
	tm.send(t, "jobs\n")
	tm.expect(t, "cat -n")
	tm.send(t, "fg\n")
	tm.expect(t, "cat -n")
	tm.send(t, "two\n")
	tm.expect(t, "     2\ttwo\r\n")
	tm.send(t, "\x03")
	tm.expect(t, "$ ")
	tm.send(t, "echo after $?\n")
	tm.expect(t, "after 130")
	// A background job reading the terminal is stopped by SIGTTIN until
	// it is brought to the foreground; jobs is asked until it says so.
	tm.send(t, "cat &\n")
	tm.untilShown(t, "jobs\n", "Stopped (tty input)")
	tm.send(t, "fg\n")
	tm.expect(t, "fg\r\ncat\r\n")
	tm.send(t, "typed\n")
	tm.expect(t, "typed\r\ntyped\r\n")
	tm.send(t, "\x04")
	tm.send(t, "echo cat $?\n")
	tm.expect(t, "cat 0")
	tm.send(t, "exit 4\n")
	expectExit(t, cmd, done, 4)
}

// TestControllingTerminalPerSessionAndBackgroundAccess runs, natively and
// in the sandbox, a program that makes its own pseudo-terminal: /dev/tty
// is ENXIO without a controlling terminal, a session leader opening the
// slave gets it as one, tcgetpgrp/tcsetpgrp work only on it, a background
// reader stops with SIGTTIN (EIO when it ignores it), a background writer
// stops with SIGTTOU once TOSTOP is set (and writes when it ignores it),
// tcsetattr from the background stops too, and the session leader's exit
// hangs up the foreground group.
func TestControllingTerminalPerSessionAndBackgroundAccess(t *testing.T) {
	sameAsNative(t, "jobctl_tty", 0)
}

// TestNewPtyHasLinuxsTermiosAndWindowSize: a pty pair from openpty starts
// with the termios Linux gives a pts slave (tty_std_termios, c_cflag
// without HUPCL), a setting made on the slave is seen on the master, the
// window size set on one end is read on the other, and canonical and raw
// input read as natively.
func TestNewPtyHasLinuxsTermiosAndWindowSize(t *testing.T) {
	script, _ := filepath.Abs(filepath.Join("..", "testdata", "py", "pty_termios.py"))
	want, err := exec.Command(python, script).Output()
	if err != nil {
		t.Fatalf("native: %v", err)
	}
	r := sentry(t, "run", python, script)
	if r.status != 0 || r.stdout != string(want) {
		t.Fatalf("status %d\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
}
