package e2e

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sameAsNative runs a test program natively and under the sentry and
// wants the same stdout and status from both (the programs print what
// they checked and stop at the first failed check).
func sameAsNative(t *testing.T, name string, wantStatus int, args ...string) {
	t.Helper()
	compareWithNative(t, name, wantStatus, false, args...)
}

// sameAsNativeNet is sameAsNative for a network program: natively it runs
// in a fresh network namespace (inFreshNetns).
func sameAsNativeNet(t *testing.T, name string, wantStatus int, args ...string) {
	t.Helper()
	compareWithNative(t, name, wantStatus, true, args...)
}

func compareWithNative(t *testing.T, name string, wantStatus int, netns bool, args ...string) {
	t.Helper()
	bin := buildC(t, name, "-pthread")
	native := exec.Command(bin, args...)
	if netns {
		native = inFreshNetns(native)
	}
	var nout bytes.Buffer
	native.Stdout = &nout
	_ = native.Run()
	nst := native.ProcessState.ExitCode()
	if ws, ok := native.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		nst = 128 + int(ws.Signal()) // as a shell reports it
	}
	if nst != wantStatus {
		t.Fatalf("natively: status %d, want %d; stdout:\n%s", nst, wantStatus, nout.String())
	}
	r := sentry(t, append([]string{"run", bin}, args...)...)
	if r.status != wantStatus || r.stdout != nout.String() {
		t.Fatalf("status %d (want %d), stdout:\n%s\nnatively:\n%s\nstderr:\n%s", r.status, wantStatus, r.stdout, nout.String(), r.stderr)
	}
}

func TestSignalHandlersGetSiginfoAndContext(t *testing.T) { sameAsNative(t, "sig_handler", 0) }

func TestSignalMaskPendingSigtimedwaitSigsuspend(t *testing.T) {
	sameAsNative(t, "sig_mask", 0)
}

func TestSigaltstackAndStackOverflow(t *testing.T) { sameAsNative(t, "sig_altstack", 0) }

func TestFaultsAreCaughtWithSiginfoThenUncaughtIs139(t *testing.T) {
	sameAsNative(t, "sig_fault", 0)
	sameAsNative(t, "sig_fault", 139, "uncaught")
}

// TestFileMappingPastEndRaisesSIGBUS: pages of a file mapping (private
// or shared, from mmap or added by mremap) wholly past EOF raise SIGBUS
// with BUS_ADRERR and the touched address on a read or a write, the page
// holding EOF reads zeroes past it, and write(2)/pread(2) with such a
// buffer fail with EFAULT; uncaught, the SIGBUS kills (status 135).
func TestFileMappingPastEndRaisesSIGBUS(t *testing.T) {
	sameAsNative(t, "mmap_sigbus", 0)
	sameAsNative(t, "mmap_sigbus", 135, "uncaught")
}

func TestTimersInterruptWaitsAndRestartRules(t *testing.T) { sameAsNative(t, "sig_timer", 0) }

// TestCPUTimeTimersFireLikeLinux: ITIMER_VIRTUAL and ITIMER_PROF, POSIX
// timers and clock_nanosleep on process and thread CPU clocks, and the
// errors of Linux's CPU clock id rules.
func TestCPUTimeTimersFireLikeLinux(t *testing.T) { sameAsNative(t, "cputimers", 0) }

// startReady starts the sentry on bin and waits for the program's "ready".
func startReady(t *testing.T, bin string, args ...string) (*exec.Cmd, *bufio.Reader, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(sentryBin, append([]string{"run", bin}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	br := bufio.NewReader(stdout)
	line, err := br.ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("first line %q, %v; stderr:\n%s", line, err, stderr.String())
	}
	return cmd, br, &stderr
}

func waitStatus(t *testing.T, cmd *exec.Cmd, stderr *bytes.Buffer) int {
	t.Helper()
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("the sentry did not exit; stderr:\n%s", stderr.String())
	}
	return cmd.ProcessState.ExitCode()
}

func TestSignalsSentToTheSentryReachTheAppsHandler(t *testing.T) {
	bin := buildC(t, "sig_term")
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR2} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, br, stderr := startReady(t, bin)
			// A lost signal must fail the test, not hang it: reading to
			// EOF ends when the watchdog kills the sentry.
			watchdog := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
			defer watchdog.Stop()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest, _ := br.ReadString(0)
			if st := waitStatus(t, cmd, stderr); st != 0 {
				t.Fatalf("status %d; stderr:\n%s", st, stderr.String())
			}
			want := "got signal " + itoa(int(sig)) + " from pid 0, shutting down\n"
			if rest != want {
				t.Fatalf("output %q, want %q", rest, want)
			}
		})
	}
}

func TestSignalsSentToTheSentryTakeTheirDefaultAction(t *testing.T) {
	bin := buildC(t, "sig_term")
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, _, stderr := startReady(t, bin, "nohandler")
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if st := waitStatus(t, cmd, stderr); st != 128+int(sig) {
				t.Fatalf("status %d, want %d; stderr:\n%s", st, 128+int(sig), stderr.String())
			}
		})
	}
}

func TestKillingTheSentryKillsTheApp(t *testing.T) {
	bin := buildC(t, "sig_term")
	cmd, _, stderr := startReady(t, bin, "nohandler")
	stubs := stubsOf(cmd.Process.Pid)
	if len(stubs) == 0 {
		t.Fatalf("no stub found under sentry %d", cmd.Process.Pid)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	waitStatus(t, cmd, stderr)
	// A dead stub may stay a zombie until the host's init reaps it
	// (alive says no), and a loaded machine may take long to kill it: only
	// hangLimit is a failure.
	deadline := time.Now().Add(hangLimit)
	for _, pid := range stubs {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("stub %d outlived the sentry", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// stubsOf lists the child processes of pid named sentry-stub.
func stubsOf(pid int) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.Contains(s[:i], "(sentry-stub") {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == itoa(pid) {
			var n int
			for _, c := range e.Name() {
				n = n*10 + int(c-'0')
			}
			out = append(out, n)
		}
	}
	return out
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestCorruptedSigreturnFrameIsSIGSEGV(t *testing.T) {
	for _, mode := range []string{"fpstate-pointer", "xsave-header", "no-frame"} {
		t.Run(mode, func(t *testing.T) { sameAsNative(t, "sigreturn_bad", 139, mode) })
	}
	sameAsNative(t, "sigreturn_bad", 0, "intact")
}

func TestSignalsInterruptThreadsRunningUserCode(t *testing.T) { sameAsNative(t, "sig_spin", 0) }

// TestRedisShutsDownCleanlyOnSIGTERM: redis's SIGTERM handler runs (on its
// frame, then rt_sigreturn), its event loop's wait is interrupted, and it
// exits 0 through its own shutdown path, with its background threads.
func TestRedisShutsDownCleanlyOnSIGTERM(t *testing.T) {
	redis, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not installed (make deps installs it)")
	}
	// The port is the sandbox's own (its loopback stack), never the host's.
	cmd := exec.Command(sentryBin, "run", redis, "--port", "6379", "--save", "", "--appendonly", "no")
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var out strings.Builder
	waitFor := func(want string) {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("output ended before %q:\n%s", want, out.String())
				}
				out.WriteString(l + "\n")
				if strings.Contains(l, want) {
					return
				}
			case <-timeout:
				t.Fatalf("no %q in 30 s; output:\n%s", want, out.String())
			}
		}
	}
	waitFor("Ready to accept connections")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor("Received SIGTERM")
	waitFor("ready to exit, bye bye")
	for range lines {
	}
	var stderr bytes.Buffer
	if st := waitStatus(t, cmd, &stderr); st != 0 {
		t.Fatalf("status %d; output:\n%s", st, out.String())
	}
}

// TestCloneSighandSharesHandlers: processes made with
// clone(CLONE_VM|CLONE_SIGHAND) share one handler table (a sigaction in
// either is seen by the other) until one of them execs, as on Linux.
func TestCloneSighandSharesHandlers(t *testing.T) {
	bin := buildC(t, "clone_sighand")
	want := native(t, bin)
	for _, line := range []string{
		"parent: SIGUSR2 (set by the child) is handler\n",
		"child: SIGTERM (set by the parent) is handler\n",
		"parent: SIGHUP (the exec'd child ignored it) is default\n",
	} {
		if !strings.Contains(want, line) {
			t.Fatalf("natively the program does not print %q:\n%s", line, want)
		}
	}
	r := sentry(t, "run", bin)
	if r.status != 0 || r.stdout != want {
		t.Fatalf("status %d, stdout:\n%s\nnatively:\n%s\nstderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
}
