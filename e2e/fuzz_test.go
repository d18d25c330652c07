package e2e

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The fuzz driver (`make fuzz`; `make test` runs a short fixed-seed slice).
// testdata/c/fuzz_syscalls.c runs inside the sandbox: processes and threads
// making random syscalls while signals fly, or execing mutated ELFs. The
// driver watches from the host: any Go panic, fatal error or abort of the
// sentry, a sentry that does not finish, a stub process left behind, a file
// changed outside the volume, or a host process signalled is a failure
// naming the seed that reproduces it.
//
// SENTRY_FUZZ_TIME (a Go duration, default a few seconds) is the time per
// arch and kind; SENTRY_FUZZ_SEED (default 1) the first seed; each round
// of at most fuzzRound takes the next seed.

const fuzzRound = 30 * time.Second

func fuzzBudget(t *testing.T) (time.Duration, uint64) {
	d := 4 * time.Second
	if s := os.Getenv("SENTRY_FUZZ_TIME"); s != "" {
		v, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("SENTRY_FUZZ_TIME: %v", err)
		}
		d = v
	}
	seed := uint64(1)
	if s := os.Getenv("SENTRY_FUZZ_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SENTRY_FUZZ_SEED: %v", err)
		}
		seed = v
	}
	return d, seed
}

// fuzzProgram builds fuzz_syscalls for arch (amd64 or riscv64), static so
// it runs in a root holding nothing else.
func fuzzProgram(t *testing.T, arch string) string {
	t.Helper()
	gcc := "gcc"
	if arch == "riscv64" {
		gcc = needTool(t, "riscv64-linux-gnu-gcc")
	}
	out := filepath.Join(t.TempDir(), "fuzz_syscalls-"+arch)
	cmd := exec.Command(gcc, "-O1", "-static", "-pthread", "-o", out, filepath.Join("..", "testdata", "c", "fuzz_syscalls.c"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s fuzz_syscalls: %v\n%s", gcc, err, b)
	}
	return out
}

// sandbox is a root and a volume in temp dirs, and the host things the
// program inside must never touch.
type sandbox struct {
	root, vol  string
	hostFile   string // a host file outside root and volume, named to the fuzzer
	canary     *exec.Cmd
	canaryMu   sync.Mutex
	canaryOut  bytes.Buffer
	before     map[string]string
	hostBefore string
}

func newSandbox(t *testing.T, prog, canary string) *sandbox {
	t.Helper()
	s := &sandbox{root: t.TempDir(), vol: t.TempDir()}
	for _, d := range []string{"etc", "tmp", "bin"} {
		if err := os.MkdirAll(filepath.Join(s.root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(prog)
	if err != nil {
		t.Fatal(err)
	}
	write := func(p string, data []byte, mode os.FileMode) {
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(s.root, "bin", "fuzz"), b, 0o755)
	write(filepath.Join(s.root, "etc", "canary"), []byte("root canary\n"), 0o644)
	write(filepath.Join(s.root, "tmp", "canary"), []byte("tmp canary\n"), 0o666)
	if err := os.Symlink("/etc/canary", filepath.Join(s.root, "etc", "link")); err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp("", "sentry-fuzz-canary-")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("host canary\n")
	f.Close()
	s.hostFile = f.Name()
	t.Cleanup(func() { os.Remove(s.hostFile) })
	s.before = snapshot(t, s.root)
	s.hostBefore = fileState(s.hostFile)

	// The canary process: a host process that reports any signal it gets.
	s.canary = exec.Command(canary, "canary")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	s.canary.Stdout = pw
	if err := s.canary.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	line, _ := bufio.NewReader(pr).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("canary: %q", line)
	}
	go func() {
		var buf [512]byte
		for {
			n, err := pr.Read(buf[:])
			s.canaryMu.Lock()
			s.canaryOut.Write(buf[:n])
			s.canaryMu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { s.canary.Process.Kill(); s.canary.Wait() })
	return s
}

// paths are the path strings the fuzzer is handed: its volume, its root's
// canaries, and host paths it must not reach.
func (s *sandbox) paths() []string {
	return []string{
		"/vol/a", "/vol/d", "/vol/d/x", "/vol/l", "/vol", "/vol/..", "/vol/../etc/canary",
		"/etc/canary", "/etc/link", "/etc", "/tmp/canary", "/tmp/new", "/tmp", "/", ".", "..",
		"/bin/fuzz", "/proc/self/mem", "/proc/self/fd/0", "/proc/1/root", "/proc/self/exe",
		"/dev/null", "/dev/zero", "/dev/tty", "/sys", "",
		s.hostFile, filepath.Dir(s.hostFile), s.root, s.vol, filepath.Join(s.vol, "a"),
		"../../../../../../" + strings.TrimPrefix(s.hostFile, "/"),
	}
}

// hostPids are host processes the fuzzer throws at kill() and friends.
func (s *sandbox) hostPids() string {
	return fmt.Sprintf("%d,%d", s.canary.Process.Pid, os.Getpid())
}

// check reports any change to the host the sandbox could have made.
func (s *sandbox) check(t *testing.T) []string {
	var bad []string
	after := snapshot(t, s.root)
	for p, v := range s.before {
		if after[p] != v {
			bad = append(bad, fmt.Sprintf("root file %s changed: %q -> %q", p, v, after[p]))
		}
	}
	for p := range after {
		if _, ok := s.before[p]; !ok {
			bad = append(bad, fmt.Sprintf("root file %s appeared", p))
		}
	}
	if got := fileState(s.hostFile); got != s.hostBefore {
		bad = append(bad, fmt.Sprintf("host file %s changed: %q -> %q", s.hostFile, s.hostBefore, got))
	}
	if s.canary.Process.Signal(syscall.Signal(0)) != nil {
		bad = append(bad, "the host canary process is gone")
	} else if st := procState(s.canary.Process.Pid); st != "S" && st != "R" {
		bad = append(bad, "the host canary process is in state "+st)
	}
	time.Sleep(10 * time.Millisecond)
	s.canaryMu.Lock()
	out := s.canaryOut.String()
	s.canaryMu.Unlock()
	if out != "" {
		bad = append(bad, "the host canary process was signalled: "+out)
	}
	return bad
}

// snapshot maps each path under dir to its mode, size, mtime and content hash.
func snapshot(t *testing.T, dir string) map[string]string {
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			m[p] = "error " + err.Error()
			return nil
		}
		m[p] = fileState(p)
		return nil
	})
	return m
}

func fileState(p string) string {
	fi, err := os.Lstat(p)
	if err != nil {
		return err.Error()
	}
	st := fmt.Sprintf("%v %d %d", fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
	if fi.Mode().IsRegular() {
		b, _ := os.ReadFile(p)
		st += fmt.Sprintf(" %x", sha256.Sum256(b))
	}
	return st
}

func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "gone"
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// procStart is a process's start time, telling a pid's reuse apart.
func procStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// fuzzRun is one sentry run and what the watchers saw.
type fuzzRun struct {
	stdout, stderr string
	status         int
	problems       []string
}

var crashText = regexp.MustCompile(`(?m)^(panic: |fatal error: |SIGABRT|SIGSEGV: |unexpected fault address|goroutine \d+ \[|runtime: |.*internal error)`)

// runWatched runs the sentry with args, allowing limit, and reports crashes,
// hangs and stubs outliving it.
func runWatched(t *testing.T, limit time.Duration, args ...string) fuzzRun {
	cmd := exec.Command(sentryBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sentry: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stubs := map[int]string{}
	var r fuzzRun
	tick := time.NewTicker(100 * time.Millisecond)
	deadline := time.After(limit)
wait:
	for {
		select {
		case <-done:
			break wait
		case <-tick.C:
			for _, p := range descendants(cmd.Process.Pid) {
				if _, ok := stubs[p]; !ok {
					stubs[p] = procStart(p)
				}
			}
		case <-deadline:
			cmd.Process.Signal(syscall.SIGABRT)
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-done
			}
			r.problems = append(r.problems, fmt.Sprintf("the sentry did not finish within %v (SIGABRT; goroutines in stderr)", limit))
			break wait
		}
	}
	tick.Stop()
	r.stdout, r.stderr, r.status = out.String(), errb.String(), cmd.ProcessState.ExitCode()
	if m := crashText.FindString(r.stderr); m != "" {
		r.problems = append(r.problems, "the sentry crashed: "+m)
	}
	// Stubs die with the sentry (PDEATHSIG, EXITKILL); give the host a moment.
	for i := 0; i < 50; i++ {
		left := 0
		for p, start := range stubs {
			if st := procState(p); st != "gone" && st != "Z" && procStart(p) == start {
				left++
			}
		}
		if left == 0 {
			break
		}
		if i == 49 {
			for p, start := range stubs {
				if st := procState(p); st != "gone" && st != "Z" && procStart(p) == start {
					r.problems = append(r.problems, fmt.Sprintf("process %d (state %s) outlived the sentry", p, st))
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return r
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
