package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestRestartSyscallWithNothingToRestartIsEINTR: restart_syscall called by
// hand returns EINTR, as Linux does, on amd64 and riscv64, instead of
// restarting itself forever.
func TestRestartSyscallWithNothingToRestartIsEINTR(t *testing.T) {
	sameAsNative(t, "restart_none", 0)
	want := "restart_syscall: -1 Interrupted system call\n"
	prog := buildRISCVFrom(t, filepath.Join("c", "restart_none.c"))
	got := sentry(t, "run", prog)
	if got.status != 0 || got.stdout != want+want {
		t.Errorf("riscv64: status %d stdout %q stderr %q; want %q twice", got.status, got.stdout, got.stderr, want)
	}
}

// stdinKind makes the host object a test gives a program as its stdin:
// the end to give and a writer the test keeps open.
type stdinKind struct {
	name string
	open func(t *testing.T) (child, writer *os.File)
}

var stdinKinds = []stdinKind{
	{"pipe", func(t *testing.T) (*os.File, *os.File) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close(); w.Close() })
		return r, w
	}},
	{"fifo", func(t *testing.T) (*os.File, *os.File) {
		path := filepath.Join(t.TempDir(), "fifo")
		if err := unix.Mkfifo(path, 0o600); err != nil {
			t.Fatal(err)
		}
		// Held open read-write, the FIFO has a writer while the ends
		// are opened, so neither open waits.
		rw, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer rw.Close()
		r, err := os.OpenFile(path, os.O_RDONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close(); w.Close() })
		return r, w
	}},
	{"pty", func(t *testing.T) (*os.File, *os.File) {
		tm, slave := openPty(t)
		t.Cleanup(func() { slave.Close() })
		return slave, tm.master
	}},
}

// runFed runs argv with stdin, writing "data\n" to feed each time the
// program's stderr shows "alarm" or "waiting", and returns its stderr.
// stdout, if not nil, is the program's stdout.
func runFed(t *testing.T, argv []string, stdin, feed, stdout *os.File) string {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout = stdin, stdout
	errR, errW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = errW
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	errW.Close()
	var out strings.Builder
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(errR)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				cmd.Wait()
				errR.Close()
				return out.String()
			}
			out.WriteString(l + "\n")
			switch l {
			case "waiting":
				// Give the wait a chance to start before the data
				// comes, so what is tested is the wake-up.
				time.Sleep(200 * time.Millisecond)
				fallthrough
			case "alarm":
				if _, err := feed.Write([]byte("data\n")); err != nil {
					t.Fatal(err)
				}
			}
		case <-timeout:
			cmd.Process.Signal(syscall.SIGABRT)
			t.Fatalf("%v never finished; stderr so far:\n%s", argv, out.String())
		}
	}
}

// TestStdinReadsAndWaitsAreInterruptible: read, readv, poll, select and
// epoll_wait on a stdin that is a host pipe, FIFO or terminal whose writer
// stays open return EINTR when a SIGALRM handler without SA_RESTART runs,
// read and readv restart with SA_RESTART (and get what is written later),
// the waits wake when input comes; the same as natively.
func TestStdinReadsAndWaitsAreInterruptible(t *testing.T) {
	bin := buildC(t, "stdio_intr")
	for _, kind := range stdinKinds {
		for _, c := range []struct{ mode, how string }{
			{"read", "plain"}, {"read", "restart"}, {"readv", "plain"}, {"readv", "restart"},
			{"poll", "plain"}, {"poll", "restart"}, {"select", "plain"}, {"epoll", "restart"},
			{"read", "input"}, {"poll", "input"}, {"select", "input"}, {"epoll", "input"},
		} {
			t.Run(kind.name+"/"+c.mode+"/"+c.how, func(t *testing.T) {
				child, feed := kind.open(t)
				want := runFed(t, []string{bin, c.mode, c.how}, child, feed, nil)
				child, feed = kind.open(t)
				got := runFed(t, []string{sentryBin, "run", bin, c.mode, c.how}, child, feed, nil)
				if got != want {
					t.Errorf("sentry:\n%s\nnatively:\n%s", got, want)
				}
			})
		}
	}
}

// TestStdoutWriteToAFullPipeIsInterruptible: a 1 MiB write to a stdout
// pipe nobody reads returns what fitted (the pipe's size) when a signal
// handler runs, natively and in the sandbox, instead of blocking until
// the reader reads.
func TestStdoutWriteToAFullPipeIsInterruptible(t *testing.T) {
	bin := buildC(t, "stdio_intr")
	for _, how := range []string{"plain", "restart"} {
		t.Run(how, func(t *testing.T) {
			for _, argv := range [][]string{{bin}, {sentryBin, "run", bin}} {
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				// The pipe's size, not 64 KiB: a user over its pipe
				// page quota gets smaller pipes.
				size, err := unix.FcntlInt(w.Fd(), unix.F_GETPIPE_SZ, 0)
				if err != nil {
					t.Fatal(err)
				}
				devnull, _ := os.OpenFile(os.DevNull, os.O_RDWR, 0)
				got := runFed(t, append(argv, "write", how), devnull, devnull, w)
				devnull.Close()
				r.Close()
				w.Close()
				if want := fmt.Sprintf("alarm\nwrite: %d\n", size); got != want {
					t.Errorf("%v: stderr\n%s\nwant\n%s", argv, got, want)
				}
			}
		})
	}
}

// TestRedirectedStdoutFileIsNotTheAppsToRewrite: `sentry run prog > file`
// where prog seeks fd 1 back, truncates, preallocates and pwrites it: the
// sentry's stdout is a stream to the sandbox (ESPIPE, EINVAL for
// ftruncate, as for a pipe), so the file keeps everything written, in
// order. Stdin redirected from a file still seeks (reading cannot damage
// it).
func TestRedirectedStdoutFileIsNotTheAppsToRewrite(t *testing.T) {
	bin := buildC(t, "stdio_seek")
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.WriteFile(in, []byte("abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdin, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	outPath := filepath.Join(dir, "out")
	stdout, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	cmd := exec.Command(sentryBin, "run", bin)
	var errb strings.Builder
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, errb.String())
	}
	want := `lseek(1, 0, SEEK_SET): -1 Illegal seek
lseek(1, 0, SEEK_CUR): -1 Illegal seek
ftruncate(1, 0): -1 Invalid argument
fallocate(1): -1 Illegal seek
pwrite(1, 0): -1 Illegal seek
read(0, 3): 3
lseek(0, 0, SEEK_CUR): 3
`
	if errb.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errb.String(), want)
	}
	if b, _ := os.ReadFile(outPath); string(b) != "first\nsecond\n" {
		t.Errorf("the redirected file holds %q, want %q", b, "first\nsecond\n")
	}
}

// TestDiscardedOverlayFileNamesAreEscaped: a file the program names with
// a terminal escape sequence and a newline is listed at exit escaped as
// --strace escapes strings, so neither reaches the user's terminal raw.
func TestDiscardedOverlayFileNamesAreEscaped(t *testing.T) {
	dir := t.TempDir()
	r := sentry(t, "run", "/bin/sh", "-c", `printf x > "$(printf "$1/e\033[2Jz\nfake")"`, "sh", dir)
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	if strings.ContainsAny(r.stderr, "\x1b") || strings.Contains(r.stderr, "\nfake") {
		t.Errorf("a raw escape or newline reached stderr:\n%q", r.stderr)
	}
	if want := "  " + dir + `/e\33[2Jz\nfake` + "\n"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not name the file as %q:\n%s", want, r.stderr)
	}
}

// TestTerminalModesAreRestoredHoweverTheSentryExits: a program that puts
// the sentry's terminal in raw mode and then exits, is killed, or is
// ended by SIGTERM, SIGINT or SIGHUP sent to the sentry leaves the
// terminal as it was before the run.
func TestTerminalModesAreRestoredHoweverTheSentryExits(t *testing.T) {
	const raw = `stty raw -echo -isig && echo set && `
	for _, c := range []struct {
		name   string
		script string
		signal syscall.Signal
	}{
		{"exit", raw + "read x && exit 3", 0},
		{"killed", raw + "read x && kill -KILL $$", 0},
		{"SIGTERM", raw + "exec sleep 100", syscall.SIGTERM},
		{"SIGINT", raw + "exec sleep 100", syscall.SIGINT},
		{"SIGHUP", raw + "exec sleep 100", syscall.SIGHUP},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.signal != 0 {
				startWithDefaultAction(t, c.signal)
			}
			tm, slave := openPty(t)
			defer slave.Close()
			before, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(sentryBin, "run", "/bin/sh", "-c", c.script)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			t.Cleanup(func() { cmd.Process.Kill() })
			tm.expect(t, "set")
			during, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
			if err != nil || during.Lflag&unix.ECHO != 0 {
				t.Fatalf("the program did not set raw mode: %+v %v", during, err)
			}
			if c.signal != 0 {
				cmd.Process.Signal(c.signal)
			} else {
				tm.send(t, "go\n")
			}
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				t.Fatal("the sentry did not exit")
			}
			after, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
			if err != nil {
				t.Fatal(err)
			}
			if *after != *before {
				t.Errorf("terminal modes after the run:\n%+v\nbefore:\n%+v", *after, *before)
			}
		})
	}
}

// TestRISCVStdinReadsAreInterruptible: the same on riscv64 (compared with
// the native amd64 run of the same source), for a host pipe.
func TestRISCVStdinReadsAreInterruptible(t *testing.T) {
	bin := buildC(t, "stdio_intr")
	rv := buildRISCVFrom(t, filepath.Join("c", "stdio_intr.c"))
	pipe := stdinKinds[0]
	for _, c := range []struct{ mode, how string }{
		{"read", "plain"}, {"read", "restart"}, {"poll", "restart"}, {"epoll", "input"},
	} {
		t.Run(c.mode+"/"+c.how, func(t *testing.T) {
			child, feed := pipe.open(t)
			want := runFed(t, []string{bin, c.mode, c.how}, child, feed, nil)
			child, feed = pipe.open(t)
			got := runFed(t, []string{sentryBin, "run", rv, c.mode, c.how}, child, feed, nil)
			if got != want {
				t.Errorf("sentry (riscv64):\n%s\nnatively (amd64):\n%s", got, want)
			}
		})
	}
}

// TestCtrlCInterruptsAReadOfTheTerminal: Ctrl-C typed while a program in
// the sandbox waits for a line on the sentry's terminal reaches it at
// once (Python raises KeyboardInterrupt), without a line being typed.
func TestCtrlCInterruptsAReadOfTheTerminal(t *testing.T) {
	py := "/usr/bin/python3.11"
	if _, err := os.Stat(py); err != nil {
		t.Fatal("python3.11 is not installed (make deps installs it)")
	}
	tm, cmd, done := startShell(t, py, "-c", `
try:
    input("name? ")
except KeyboardInterrupt:
    print("interrupted")
`)
	tm.expect(t, "name? ")
	time.Sleep(300 * time.Millisecond)
	tm.send(t, "\x03")
	tm.expect(t, "interrupted")
	expectExit(t, cmd, done, 0)
}

// TestSentryInTheBackgroundOfItsTerminalStopsOnRead: `sentry run cat &`
// from an interactive shell is stopped by SIGTTIN when cat reads the
// terminal, as a native `cat &` is, rather than waiting for input meant
// for the shell.
func TestSentryInTheBackgroundOfItsTerminalStopsOnRead(t *testing.T) {
	tm, slave := openPty(t)
	cmd := exec.Command("/bin/dash", "-i")
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
	tm.expect(t, "$ ")
	// One line, so that nothing is typed while the shell watches the
	// job: input typed for the shell would end a wait for input too.
	f := filepath.Join(t.TempDir(), "jobs")
	tm.send(t, fmt.Sprintf("%s run /bin/cat & i=0; while [ $i -lt 250 ]; do sleep 0.2; jobs >%s; grep -q Stopped %s && break; i=$((i+1)); done; echo waited $i\n", sentryBin, f, f))
	tm.upTo(t, "waited ")
	// jobs shows what the shell has reaped so far; the death may come
	// after the first look.
	look := func(until func(string) bool) {
		for i := 1; ; i++ {
			time.Sleep(200 * time.Millisecond)
			marker := fmt.Sprintf("look-%d", i)
			tm.send(t, "jobs; echo "+marker+"\n")
			out := tm.upTo(t, marker+"\r\n")
			if until(out) {
				return
			}
			if i == 50 {
				t.Fatalf("jobs says:\n%s", out)
			}
		}
	}
	if b, _ := os.ReadFile(f); !strings.Contains(string(b), "Stopped") {
		t.Errorf("the backgrounded sentry was not stopped; jobs said: %q", b)
	}
	tm.send(t, "kill -KILL %1\n")
	look(func(out string) bool { return strings.Contains(out, "Killed") })
	tm.send(t, "exit 5\n")
	if expectExit(t, cmd, done, 5); t.Failed() {
		tm.mu.Lock()
		t.Logf("terminal:\n%q", tm.out.String())
		tm.mu.Unlock()
	}
}

// upTo waits until the terminal shows want (its output echoed back
// excluded: want is looked for after the last echo of it) and returns
// what it showed up to there.
func (tm *term) upTo(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		tm.mu.Lock()
		s := tm.out.String()
		if i := strings.LastIndex(s, want); i >= 0 && !strings.HasSuffix(s[:i], "echo ") {
			tm.out.Next(i + len(want))
			tm.mu.Unlock()
			return s[:i]
		}
		tm.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	tm.mu.Lock()
	defer tm.mu.Unlock()
	t.Fatalf("terminal never showed %q; it shows:\n%q", want, tm.out.String())
	return ""
}
