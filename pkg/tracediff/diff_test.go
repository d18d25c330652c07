package tracediff

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var seedPhases = []string{"startup", "idle", "connect", "command:COMMAND", "command:KEYS", "command:SET",
	"command:GET", "command:PING", "command:CONFIG", "command:INFO", "command:SAVE", "shutdown"}

func phaseNames(ps []Phase) []string {
	var n []string
	for _, p := range ps {
		n = append(n, p.Name)
	}
	return n
}

// TestSplitSeedSession: the recorded session splits into the same phases
// whether the commands come from the bytes read (strace) or from a
// session list (qemu, which shows no bytes).
func TestSplitSeedSession(t *testing.T) {
	for _, c := range []struct {
		file    string
		session bool
	}{
		{"redis-native-amd64.strace", false},
		{"redis-qemu-amd64.qemu", true},
		{"redis-qemu-riscv64.qemu", true},
	} {
		var s []string
		if c.session {
			s = readSession(t)
		}
		got := phaseNames(Split(parseRef(t, c.file), s))
		if strings.Join(got, " ") != strings.Join(seedPhases, " ") {
			t.Errorf("%s: phases %v\nwant %v", c.file, got, seedPhases)
		}
	}
	// The first wait for events ends startup; the read of the command
	// and the reply are in the command's phase.
	ps := Split(parseRef(t, "redis-native-amd64.strace"), nil)
	for _, p := range ps {
		if p.Name == "startup" {
			if last := p.Calls[len(p.Calls)-1]; last.Name == "epoll_wait" {
				t.Errorf("startup ends with epoll_wait")
			}
		}
		if p.Name == "command:SET" {
			var n []string
			for _, e := range p.Calls {
				n = append(n, e.Name)
			}
			// A timer tick of the server can add calls in between.
			if j := strings.Join(n, " "); !strings.HasPrefix(j, "read ") || !strings.HasSuffix(j, " write") {
				t.Errorf("command:SET calls %v", n)
			}
		}
	}
}

// TestSplitMaturinExcerpt: the seed notes' excerpt yields the KEYS and
// SET phases from its prompt lines, with the calls the notes list.
func TestSplitMaturinExcerpt(t *testing.T) {
	ps := Split(parseRef(t, "maturin-excerpt.log"), nil)
	if got := phaseNames(ps); strings.Join(got, " ") != "command:KEYS command:SET" {
		t.Fatalf("phases %v", got)
	}
	want := map[string]string{"command:KEYS": "mmap read mmap write munmap", "command:SET": "mmap read mmap write munmap"}
	for _, p := range ps {
		var n []string
		for _, e := range p.Calls {
			n = append(n, e.Name)
		}
		if strings.Join(n, " ") != want[p.Name] {
			t.Errorf("%s: %v, want %s", p.Name, n, want[p.Name])
		}
	}
}

// TestSelfDiff: every reference log matches itself.
func TestSelfDiff(t *testing.T) {
	for _, f := range []string{"redis-native-amd64.strace", "redis-cli-amd64.strace", "redis-qemu-amd64.qemu", "redis-qemu-riscv64.qemu", "maturin-excerpt.log", "sh-sentry-amd64.jsonl"} {
		tr := parseRef(t, f)
		r := Compare(tr, tr, Options{Session: readSession(t)})
		if r.Verdict != Match {
			t.Errorf("%s: %s", f, r.Verdict)
		}
		for _, p := range r.Phases {
			if len(p.Missing)+len(p.Extra) > 0 || !p.InRef || !p.InRun {
				t.Errorf("%s: %+v", f, p)
			}
		}
	}
}

// removeLine drops the first line of the file matching re.
func removeLine(t *testing.T, file string, re string) *Trace {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(refDir, file))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	rx := regexp.MustCompile(re)
	for i, l := range lines {
		if rx.MatchString(l) {
			tr, err := Parse([]byte(strings.Join(append(lines[:i:i], lines[i+1:]...), "")))
			if err != nil {
				t.Fatal(err)
			}
			return tr
		}
	}
	t.Fatalf("%s: no line matches %s", file, re)
	return nil
}

// TestOneCallRemoved: a run lacking one call of the reference is reported
// missing that call in the phase it belongs to, and only there.
func TestOneCallRemoved(t *testing.T) {
	for _, c := range []struct{ file, line, phase, name string }{
		{"redis-native-amd64.strace", ` getcwd\(`, "command:CONFIG", "getcwd"},
		{"redis-native-amd64.strace", ` fsync\(`, "command:SAVE", "fsync"},
		{"redis-native-amd64.strace", ` uname\(`, "command:INFO", "uname"},
		{"maturin-excerpt.log", `Syscall WRITEV`, "command:KEYS", "write"},
	} {
		ref := parseRef(t, c.file)
		run := removeLine(t, c.file, c.line)
		r := Compare(ref, run, Options{})
		if r.Verdict != Differ {
			t.Errorf("%s without %s: verdict %s", c.file, c.name, r.Verdict)
		}
		for _, p := range r.Phases {
			want := ""
			if p.Name == c.phase {
				want = c.name
			}
			if strings.Join(p.Missing, ",") != want {
				t.Errorf("%s without %s: phase %s missing %v", c.file, c.name, p.Name, p.Missing)
			}
		}
	}
}

// TestVDSOAndIgnore: time calls a vDSO serves are not missing unless
// strict; ignored names are left out.
func TestVDSOAndIgnore(t *testing.T) {
	ref, _ := Parse([]byte("1 clock_gettime(CLOCK_MONOTONIC, {tv_sec=1, tv_nsec=2}) = 0\n1 getpid() = 1\n1 epoll_wait(3, [], 10, 0) = 0\n"))
	run, _ := Parse([]byte("1 epoll_wait(3, [], 10, 0) = 0\n"))
	if r := Compare(ref, run, Options{}); r.Verdict != Differ || strings.Join(r.Phases[0].Missing, ",") != "getpid" {
		t.Errorf("default: %+v", r.Phases)
	}
	if r := Compare(ref, run, Options{StrictVDSO: true}); strings.Join(r.Phases[0].Missing, ",") != "clock_gettime,getpid" {
		t.Errorf("strict: %+v", r.Phases)
	}
	if r := Compare(ref, run, Options{Ignore: []string{"getpid"}}); r.Verdict != Match {
		t.Errorf("ignore: %+v", r.Phases)
	}
}

// TestReportFormats: the JSON has exactly the fields; the text
// has a table per phase and the verdict.
func TestReportFormats(t *testing.T) {
	ref := parseRef(t, "redis-native-amd64.strace")
	run := removeLine(t, "redis-native-amd64.strace", ` getcwd\(`)
	r := Compare(ref, run, Options{})
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Ref, Run map[string]any
		Phases   []map[string]any
		Verdict  string
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Ref["format"] != "strace" || got.Run["syscalls"] == nil || got.Verdict != "differ" || len(got.Phases) != len(seedPhases) {
		t.Errorf("json: %s", js.String()[:200])
	}
	for _, p := range got.Phases {
		var keys []string
		for k := range p {
			keys = append(keys, k)
		}
		if len(keys) != 5 || p["name"] == nil || p["ref_counts"] == nil || p["run_counts"] == nil || p["missing"] == nil || p["extra"] == nil {
			t.Errorf("phase keys %v", keys)
		}
	}
	var txt bytes.Buffer
	if err := r.WriteText(&txt, "REF", "RUN"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ref: REF (strace, ", "run: RUN (strace, ",
		"\nphase command:CONFIG\n  syscall                     ref    run\n",
		"\n  getcwd                        1      0   MISSING\n",
		"\nverdict: differ (missing calls or phases in: command:CONFIG)\n",
	} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, txt.String())
		}
	}
}

// TestCrossArch: qemu's riscv64 log (generic syscall numbering:
// epoll_pwait, faccessat, openat only) and native amd64 strace agree
// on what the simple commands need once names are normalised.
func TestCrossArch(t *testing.T) {
	ref := parseRef(t, "redis-qemu-riscv64.qemu")
	run := parseRef(t, "redis-native-amd64.strace")
	r := Compare(ref, run, Options{Session: readSession(t)})
	for _, p := range r.Phases {
		switch p.Name {
		case "connect", "command:KEYS", "command:GET", "command:PING":
			if len(p.Missing) > 0 || !p.InRun || !p.InRef {
				t.Errorf("%s: %+v", p.Name, p)
			}
		}
		if p.RefCounts["epoll_pwait"]+p.RefCounts["faccessat"]+p.RefCounts["openat"] > 0 {
			t.Errorf("%s: names not normalised: %v", p.Name, p.RefCounts)
		}
	}
}

// TestSplitAcrossThreads: strace -f prefixes thread ids; a connection
// accepted on one thread and read on another still starts a command
// phase, and a file that reuses a closed client fd does not.
func TestSplitAcrossThreads(t *testing.T) {
	tr, err := Parse([]byte(`10 epoll_wait(3, [{events=EPOLLIN, data={u32=5, u64=5}}], 128, -1) = 1
10 accept4(5, NULL, NULL, SOCK_CLOEXEC) = 7
11 read(7, "PING\r\n", 16384) = 6
11 write(7, "+PONG\r\n", 7) = 7
11 close(7) = 0
10 openat(AT_FDCWD, "/proc/self/stat", O_RDONLY) = 7
10 read(7, "1 (x) R", 4095) = 7
10 --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=1, si_uid=0} ---
10 exit_group(0) = ?
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range Split(tr, nil) {
		var n []string
		for _, e := range p.Calls {
			n = append(n, e.Name)
		}
		got = append(got, p.Name+"="+strings.Join(n, ","))
	}
	want := "idle=epoll_wait connect=accept command:PING=read,write,close,open,read shutdown=exit_group"
	if strings.Join(got, " ") != want {
		t.Errorf("phases %v\nwant %s", got, want)
	}
}
