package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const refDir = "../testdata/ref"

// TestTraceDiffExitStatus: trace-diff exits 0 on a match, 1 when a call
// of the reference is missing from the run, 2 on a file in no known
// format, with a one-line error.
func TestTraceDiffExitStatus(t *testing.T) {
	native := filepath.Join(refDir, "redis-native-amd64.strace")
	b, err := os.ReadFile(native)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	removed := false
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !removed && strings.Contains(l, " fsync(") {
			removed = true
			continue
		}
		kept = append(kept, l)
	}
	lacking := filepath.Join(t.TempDir(), "lacking.strace")
	garbage := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(lacking, []byte(strings.Join(kept, "")), 0o644)
	os.WriteFile(garbage, []byte("keys *\nset mycsv 1,mydata,10\n"), 0o644)

	r := sentry(t, "trace-diff", "--ref", native, native)
	if r.status != 0 || !strings.HasSuffix(r.stdout, "verdict: match (every ref phase is in run with no call missing)\n") {
		t.Errorf("self-diff: status %d\n%s%s", r.status, r.stdout, r.stderr)
	}
	r = sentry(t, "trace-diff", "--ref", native, lacking)
	if r.status != 1 || !strings.Contains(r.stdout, "\n  fsync                         1      0   MISSING\n") ||
		!strings.HasSuffix(r.stdout, "verdict: differ (missing calls or phases in: command:SAVE)\n") {
		t.Errorf("one call removed: status %d\n%s%s", r.status, r.stdout, r.stderr)
	}
	r = sentry(t, "trace-diff", "--format", "json", "--ref", native, lacking)
	var rep struct {
		Phases []struct {
			Name    string
			Missing []string
		}
		Verdict string
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.status != 1 || rep.Verdict != "differ" {
		t.Errorf("json: status %d, %v\n%s", r.status, err, r.stdout)
	}
	for _, p := range rep.Phases {
		if (p.Name == "command:SAVE") != (strings.Join(p.Missing, ",") == "fsync") {
			t.Errorf("json phase %s missing %v", p.Name, p.Missing)
		}
	}
	r = sentry(t, "trace-diff", "--ref", native, garbage)
	if r.status != 2 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "not a trace in a known format") {
		t.Errorf("garbage: status %d, stderr %q", r.status, r.stderr)
	}
	r = sentry(t, "trace-diff", native)
	if r.status != 2 {
		t.Errorf("no --ref: status %d", r.status)
	}
	// qemu shows no bytes read: the session file names the commands.
	r = sentry(t, "trace-diff", "--session", filepath.Join(refDir, "seed-session-server.txt"),
		"--ref", native, filepath.Join(refDir, "redis-qemu-amd64.qemu"))
	for _, want := range []string{"\nphase command:KEYS\n", "\nphase command:SAVE\n", "\nphase shutdown\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("native vs qemu lacks %q:\n%s", want, r.stdout)
		}
	}
}

// readJSONL parses a jsonl trace into its objects.
func readJSONL(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// TestStraceJSONLRun: --strace-format jsonl writes one object per call
// with the fields, starting with the program's execve, and two
// runs of one program diff as a match.
func TestStraceJSONLRun(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	for _, f := range []string{a, b} {
		r := sentry(t, "run", "--strace-format", "jsonl", "--strace-output", f, "/bin/sh", "-c", "echo hi")
		if r.status != 0 || r.stdout != "hi\n" || r.stderr != "" {
			t.Fatalf("run: status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
		}
	}
	lines := readJSONL(t, a)
	if len(lines) < 10 || lines[0]["name"] != "execve" || lines[0]["nr"] != 59.0 {
		t.Fatalf("first line %v", lines[0])
	}
	var write map[string]any
	for _, l := range lines {
		if l["name"] == "write" {
			write = l
		}
	}
	for _, k := range []string{"t", "pid", "tid", "arch", "nr", "name", "args", "text", "ret", "data"} {
		if _, ok := write[k]; !ok {
			t.Errorf("write lacks %q: %v", k, write)
		}
	}
	if write["data"] != `hi\n` || write["text"] != `1, "hi\n", 3` || write["arch"] != "amd64" || len(write["args"].([]any)) != 6 {
		t.Errorf("write: %v", write)
	}
	if last := lines[len(lines)-1]; last["event"] != "exit" || last["status"] != 0.0 {
		t.Errorf("last line %v", last)
	}
	if r := sentry(t, "trace-diff", "--ref", a, b); r.status != 0 {
		t.Errorf("two runs differ:\n%s%s", r.stdout, r.stderr)
	}
}

// TestStraceFilterAndVDSO: --strace-syscalls and --strace-exclude choose
// what is traced; --vdso=off makes time calls visible syscalls.
func TestStraceFilterAndVDSO(t *testing.T) {
	calls := func(args ...string) map[string]int {
		t.Helper()
		out := filepath.Join(t.TempDir(), "trace")
		r := sentry(t, append([]string{"run", "--strace-output", out}, args...)...)
		if r.status != 0 {
			t.Fatalf("%v: status %d, stderr %s", args, r.status, r.stderr)
		}
		b, _ := os.ReadFile(out)
		n := map[string]int{}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			f := strings.Fields(l)
			if len(f) > 1 {
				if i := strings.IndexByte(f[1], '('); i > 0 {
					n[f[1][:i]]++
				}
			}
		}
		return n
	}
	if n := calls("--strace-syscalls", "write,exit_group", "/bin/echo", "hi"); len(n) != 2 || n["write"] != 1 || n["exit_group"] != 1 {
		t.Errorf("--strace-syscalls write,exit_group: %v", n)
	}
	if n := calls("--strace-exclude", "mmap,openat", "/bin/echo", "hi"); n["mmap"]+n["openat"] != 0 || n["write"] != 1 || n["execve"] != 1 {
		t.Errorf("--strace-exclude mmap,openat: %v", n)
	}
	if n := calls("--strace-syscalls", "clock_gettime", "/bin/date"); n["clock_gettime"] != 0 {
		t.Errorf("vdso on: %v", n)
	}
	if n := calls("--vdso=off", "--strace-syscalls", "clock_gettime", "/bin/date"); n["clock_gettime"] == 0 {
		t.Errorf("vdso off: %v", n)
	}
	r := sentry(t, "run", "--strace-syscalls", "nosuchcall", "/bin/true")
	if r.status == 0 || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("unknown name: status %d stderr %q", r.status, r.stderr)
	}
}

// TestTraceFormatsDiffAlike: one program traced in each of the sentry's
// formats gives three logs trace-diff reads (each detected as its format)
// and finds alike.
func TestTraceFormatsDiffAlike(t *testing.T) {
	dir := t.TempDir()
	formats := []string{"strace", "maturin", "jsonl"}
	for _, f := range formats {
		r := sentry(t, "run", "--strace-format", f, "--strace-output", filepath.Join(dir, f), "/bin/ls", "/")
		if r.status != 0 {
			t.Fatalf("%s: status %d, stderr %s", f, r.status, r.stderr)
		}
	}
	for _, a := range formats {
		for _, b := range formats {
			r := sentry(t, "trace-diff", "--ref", filepath.Join(dir, a), filepath.Join(dir, b))
			if r.status != 0 || !strings.HasPrefix(r.stdout, "ref: "+filepath.Join(dir, a)+" ("+a+", ") {
				t.Errorf("%s vs %s: status %d\n%s%s", a, b, r.status, r.stdout, r.stderr)
			}
		}
	}
}

// TestStraceUnfinishedOnlyForLongWaits: a call that waits long shows as
// "<unfinished ...>" then "<... resumed>", so the trace says what the
// thread waits in; a short wait is one whole line, as strace writes it.
func TestStraceUnfinishedOnlyForLongWaits(t *testing.T) {
	trace := func(d string) []string {
		out := filepath.Join(t.TempDir(), "trace")
		r := sentry(t, "run", "--strace-output", out, "--strace-syscalls", "nanosleep,clock_nanosleep", "/bin/sleep", d)
		if r.status != 0 {
			t.Fatalf("sleep %s: status %d, stderr %s", d, r.status, r.stderr)
		}
		b, _ := os.ReadFile(out)
		var calls []string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if !strings.Contains(l, " +++ ") {
				calls = append(calls, l)
			}
		}
		return calls
	}
	if l := trace("0.01"); len(l) != 1 || !strings.Contains(l[0], "tv_nsec=10000000}") || !strings.HasSuffix(l[0], " = 0") {
		t.Errorf("short sleep:\n%s", strings.Join(l, "\n"))
	}
	if l := trace("1.2"); len(l) != 2 || !strings.Contains(l[0], "{tv_sec=1, tv_nsec=200000000}") || !strings.HasSuffix(l[0], " <unfinished ...>") ||
		!strings.Contains(l[1], " resumed>") || !strings.HasSuffix(l[1], " = 0") {
		t.Errorf("long sleep:\n%s", strings.Join(l, "\n"))
	}
}

// TestStraceFollowsTheProgramsArch: a riscv64 program's calls are
// decoded and numbered as riscv64 calls.
func TestStraceFollowsTheProgramsArch(t *testing.T) {
	root := riscvRoot(t)
	out := filepath.Join(t.TempDir(), "trace.jsonl")
	r := sentry(t, "run", "--root", root, "--strace-format", "jsonl", "--strace-output", out,
		"--strace-syscalls", "execve,write", "/bin/busybox", "echo", "hi")
	if r.status != 0 || r.stdout != "hi\n" {
		t.Fatalf("status %d stdout %q stderr %q", r.status, r.stdout, r.stderr)
	}
	lines := readJSONL(t, out)
	if len(lines) != 3 {
		t.Fatalf("%d lines: %v", len(lines), lines)
	}
	for i, want := range []struct {
		name string
		nr   float64
	}{{"execve", 221}, {"write", 64}} {
		if l := lines[i]; l["arch"] != "riscv64" || l["name"] != want.name || l["nr"] != want.nr {
			t.Errorf("line %d: %v", i, l)
		}
	}
	if lines[1]["text"] != `1, "hi\n", 3` {
		t.Errorf("write: %v", lines[1])
	}
}
