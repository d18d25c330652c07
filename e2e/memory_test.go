package e2e

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// oomLine is the sentry's one stderr line for an OOM kill.
var oomLine = regexp.MustCompile(`(?m)^sentry: out of memory: killed process (\d+) \(memhog\), RSS (\d+) kB$`)

// TestMemoryLimitKillsTheProgramThatOutgrowsIt: under --memory 64m a
// program touches 32 MB (fits) and then 128 MB; as in a memory cgroup the
// allocation succeeds and touching past the limit gets it SIGKILLed (exit
// 137) with one line on the sentry's stderr. The same program runs to the
// end natively, so it is the limit that killed it.
func TestMemoryLimitKillsTheProgramThatOutgrowsIt(t *testing.T) {
	prog := buildC(t, "memhog")
	native, err := exec.Command(prog, "touch", "32", "128").Output()
	if err != nil || string(native) != "touched 32 MB\ntouched 128 MB\n" {
		t.Fatalf("native: %v %q", err, native)
	}
	// hold keeps the memory and waits: however late the sentry samples
	// the account on a busy machine, the kill comes.
	got := sentry(t, "run", "--memory", "64m", prog, "hold", "32", "128")
	if got.status != 137 || !strings.HasPrefix(got.stdout, "touched 32 MB\n") {
		t.Errorf("status %d stdout %q, want 137 after the 32 MB; stderr %q", got.status, got.stdout, got.stderr)
	}
	m := oomLine.FindStringSubmatch(got.stderr)
	if m == nil || m[1] != "1" {
		t.Fatalf("no OOM line naming PID 1 on stderr: %q", got.stderr)
	}
	if strings.Count(got.stderr, "out of memory") != 1 {
		t.Errorf("more than one OOM kill: %q", got.stderr)
	}
	// Within the limit, the same run is untouched by it.
	got = sentry(t, "run", "--memory", "256m", prog, "touch", "32", "128")
	if got.status != 0 || string(native) != got.stdout || strings.Contains(got.stderr, "out of memory") {
		t.Errorf("--memory 256m: status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
}

// TestMemoryLimitOOMKillsTheLargestProcessAndTheSandboxGoesOn: the shell
// that started the hog is not the one killed (it holds less memory), sees
// its child die of SIGKILL and carries on.
func TestMemoryLimitOOMKillsTheLargestProcessAndTheSandboxGoesOn(t *testing.T) {
	prog := buildC(t, "memhog")
	got := sentry(t, "run", "--memory", "64m", "/bin/sh", "-c", prog+" hold 128; echo shell saw $?")
	// The account is sampled: on a busy machine the hog may finish
	// touching (and say so) before the kill, which still comes as it
	// holds the memory.
	if got.status != 0 || strings.TrimPrefix(got.stdout, "touched 128 MB\n") != "shell saw 137\n" {
		t.Errorf("status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
	if m := oomLine.FindStringSubmatch(got.stderr); m == nil || m[1] == "1" {
		t.Errorf("want the hog (not the shell, PID 1) killed; stderr %q", got.stderr)
	}
}

// TestMemoryLimitOvercommitsLikeLinux: mmap of 50 GB and brk past the
// limit succeed, as Linux's heuristic overcommit allows and a memory
// cgroup does not refuse; touching the memory ends in the OOM kill and
// the sentry exits cleanly with the program's status.
func TestMemoryLimitOvercommitsLikeLinux(t *testing.T) {
	prog := buildC(t, "memhog")
	got := sentry(t, "run", "--memory", "128m", prog, "reserve", "50")
	if got.status != 137 || got.stdout != "mapped 50 GB\n" || !oomLine.MatchString(got.stderr) {
		t.Errorf("mmap 50 GB: status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
	got = sentry(t, "run", "--memory", "64m", prog, "brk", "256")
	if got.status != 137 || !oomLine.MatchString(got.stderr) {
		t.Errorf("brk 256 MB: status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
}

// TestMemoryFlagTakesDockerSyntax: sizes with suffixes are accepted,
// nonsense and sizes below docker's 6m minimum refused before running.
func TestMemoryFlagTakesDockerSyntax(t *testing.T) {
	for _, ok := range []string{"1g", "64M", "67108864", "100mb"} {
		if got := sentry(t, "run", "--memory", ok, "/bin/true"); got.status != 0 {
			t.Errorf("--memory %s: status %d stderr %q", ok, got.status, got.stderr)
		}
	}
	for _, bad := range []string{"lots", "1m", "-5m"} {
		if got := sentry(t, "run", "--memory", bad, "/bin/true"); got.status == 0 || !strings.Contains(got.stderr, "--memory") {
			t.Errorf("--memory %s accepted: status %d stderr %q", bad, got.status, got.stderr)
		}
	}
}

// TestMemoryLimitFileDataGetsENOSPC: data written to the in-memory overlay
// is charged to --memory; writing past it is ENOSPC (killing a process
// would free no file data), and removing the file gives the memory back
// so the same amount fits again. Natively (no limit) the whole 200 MB is
// written.
func TestMemoryLimitFileDataGetsENOSPC(t *testing.T) {
	prog := buildC(t, "tmpfill")
	path := t.TempDir() + "/big"
	native, err := exec.Command(prog, path, "200").Output()
	if err != nil || string(native) != "first: no error after all\nagain: no error, same amount\n" {
		t.Fatalf("native: %v %q", err, native)
	}
	got := sentry(t, "run", "--memory", "64m", prog, path, "200")
	if got.status != 0 || got.stdout != "first: No space left on device after some\nagain: no error, same amount\n" {
		t.Errorf("status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
}

// TestOpeningRootFilesUntilFailureLeavesTheSandboxAbleToFork: files the
// application opens from the read-only root are host fds of the sentry.
// A program raising RLIMIT_NOFILE to the sandbox's hard cap (1048576 by
// default, likely above the host's) and opening files until open fails
// must get EMFILE or ENFILE, not starve the sentry: its next fork works,
// as natively.
func TestOpeningRootFilesUntilFailureLeavesTheSandboxAbleToFork(t *testing.T) {
	prog := buildC(t, "fdfill")
	native, err := exec.Command(prog, "/etc/passwd").Output()
	if err != nil || string(native) != "open failed: Too many open files\nchild exited 7\n" {
		t.Fatalf("native: %v %q", err, native)
	}
	got := sentry(t, "run", prog, "/etc/passwd")
	lines := strings.Split(got.stdout, "\n")
	if got.status != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "open failed: Too many open files") || lines[1] != "child exited 7" {
		t.Errorf("status %d stdout %q stderr %q", got.status, got.stdout, tail(got.stderr, 2000))
	}
}

// TestRLIMIT_ASRefusesMappingsLikeLinux: with RLIMIT_AS set, mmap and
// mremap past it get ENOMEM, brk past it leaves the break, and a
// MAP_FIXED mapping over pages already mapped is not counted twice; the
// same program natively prints the same.
func TestRLIMIT_ASRefusesMappingsLikeLinux(t *testing.T) {
	prog := buildC(t, "memhog")
	native, err := exec.Command(prog, "aslimit", "64").Output()
	if err != nil {
		t.Fatalf("native: %v %q", err, native)
	}
	if !strings.Contains(string(native), "mmap limit: Cannot allocate memory\n") {
		t.Fatalf("native run does not show the refusal this test is about: %q", native)
	}
	got := sentry(t, "run", prog, "aslimit", "64")
	if got.status != 0 || got.stdout != string(native) {
		t.Errorf("status %d stdout %q, native %q; stderr %q", got.status, got.stdout, native, got.stderr)
	}
}

// TestVmRSSCountsTouchedPagesNotMappings: /proc/PID/status's VmRSS (what
// the OOM killer compares) grows when memory is touched, not when it is
// mapped, as natively.
func TestVmRSSCountsTouchedPagesNotMappings(t *testing.T) {
	prog := buildC(t, "memhog")
	native, err := exec.Command(prog, "rss", "64").Output()
	if err != nil || string(native) != "mapping counted: no\ntouching counted: yes\n" {
		t.Fatalf("native: %v %q", err, native)
	}
	got := sentry(t, "run", prog, "rss", "64")
	if got.status != 0 || got.stdout != string(native) {
		t.Errorf("status %d stdout %q, native %q; stderr %q", got.status, got.stdout, native, got.stderr)
	}
}

// TestOOMKillerWeighsOOMScoreAdj: a shell that set its oom_score_adj to
// 1000 is killed before the larger hog it started with 0, as Linux's
// badness adds oom_score_adj thousandths of the limit to the RSS.
func TestOOMKillerWeighsOOMScoreAdj(t *testing.T) {
	prog := buildC(t, "memhog")
	script := "echo 1000 > /proc/self/oom_score_adj; /bin/sh -c 'echo 0 > /proc/self/oom_score_adj; exec " + prog + " hold 128'"
	got := sentry(t, "run", "--memory", "64m", "/bin/sh", "-c", script)
	m := regexp.MustCompile(`(?m)^sentry: out of memory: killed process (\d+) \((\w+)\), RSS \d+ kB$`).FindStringSubmatch(got.stderr)
	if got.status != 137 || m == nil || m[1] != "1" || m[2] == "memhog" {
		t.Errorf("want the shell (PID 1) killed first: status %d stdout %q stderr %q", got.status, got.stdout, got.stderr)
	}
}
