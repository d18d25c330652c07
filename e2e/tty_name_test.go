package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// ttyNameProg reports the names a program finds for its terminal: the
// one ttyname(3) gives (from /proc/self/fd/N, checked against a stat of
// that name), what /dev/pts lists, whether the name opens the same
// terminal, and the name of a new pty, which must not be the terminal's.
const ttyNameProg = `
import os, pty, termios
name = os.ttyname(0)
print("ttyname", name, os.ttyname(1), os.ttyname(2))
print("link", os.readlink("/proc/self/fd/1"))
print("listed", os.path.basename(name) in os.listdir("/dev/pts"))
st, st1 = os.fstat(0), os.stat(name)
print("same", (st.st_rdev, st.st_ino, st.st_dev) == (st1.st_rdev, st1.st_ino, st1.st_dev))
f = os.open(name, os.O_RDWR | os.O_NOCTTY)
print("reopened", os.isatty(f), os.ttyname(f) == name, termios.tcgetattr(f) == termios.tcgetattr(0))
m, s = pty.openpty()
print("newpty", os.ttyname(s) != name)
print("done")
`

// TestTtyNamesTheTerminalTheProgramWasGiven: a program on the user's
// terminal finds its name as natively: ttyname(3) (tty, ps, Python's
// os.ttyname) resolves /proc/self/fd/0 to /dev/pts/N and checks it, so
// the sandbox's devpts shows the sentry's own terminal under its number.
// It said "stdin" and `tty` answered "not a tty".
func TestTtyNamesTheTerminalTheProgramWasGiven(t *testing.T) {
	tm, slave := openPty(t)
	defer slave.Close()
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
		if err := cmd.Run(); err != nil {
			tm.mu.Lock()
			t.Fatalf("%s %v: %v; terminal: %q", name, args, err, tm.out.String())
			tm.mu.Unlock()
		}
		// The reader may lag the exit: wait for the shell's last line.
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
			tm.mu.Lock()
			out := tm.out.String()
			if strings.Contains(out, "end of run") || time.Now().After(deadline) {
				tm.out.Reset()
				tm.mu.Unlock()
				return strings.ReplaceAll(out, "\r\n", "\n") // the terminal's ONLCR
			}
			tm.mu.Unlock()
		}
	}
	sh := `tty; ` + python + ` -c '` + ttyNameProg + `'; echo end of run`
	want := run("/bin/sh", "-c", sh)
	got := run(sentryBin, "run", "/bin/sh", "-c", sh)
	t.Logf("natively:\n%s", want)
	if got != want || !strings.Contains(want, "/dev/pts/") {
		t.Fatalf("under the sentry:\n%s\nnatively:\n%s", got, want)
	}
}
