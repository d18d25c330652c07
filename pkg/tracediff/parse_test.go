package tracediff

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const refDir = "../../testdata/ref"

func parseRef(t *testing.T, name string) *Trace {
	t.Helper()
	tr, err := ParseFile(filepath.Join(refDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func readSession(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(refDir, "seed-session-server.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// find returns the first call named name (normalised) at or after from.
func find(tr *Trace, name string) *Event {
	for i := range tr.Events {
		if tr.Events[i].Kind == EvCall && tr.Events[i].Name == name {
			return &tr.Events[i]
		}
	}
	return nil
}

// TestParseRealLogs parses the logs `make refs` recorded and checks what
// each must yield: format, first call, errors, data, signals, and that
// split (unfinished/resumed) calls became one event with a result.
func TestParseRealLogs(t *testing.T) {
	for _, c := range []struct {
		file, format, first string
		pids                bool // lines carry pids
		data                bool // reads show their bytes
		signal              string
	}{
		{"redis-native-amd64.strace", FormatStrace, "execve", true, true, "SIGTERM"},
		{"redis-cli-amd64.strace", FormatStrace, "execve", false, true, ""},
		{"redis-qemu-amd64.qemu", FormatQemu, "brk", true, false, "SIGTERM"},
		{"redis-qemu-riscv64.qemu", FormatQemu, "brk", true, false, "SIGTERM"},
		{"maturin-excerpt.log", FormatMaturin, "mmap", false, false, ""},
		{"sh-sentry-amd64.jsonl", FormatJSONL, "execve", true, true, ""},
	} {
		t.Run(c.file, func(t *testing.T) {
			tr := parseRef(t, c.file)
			if tr.Format != c.format {
				t.Fatalf("format %q, want %q", tr.Format, c.format)
			}
			var first *Event
			calls, withRet, sig := 0, 0, ""
			for i := range tr.Events {
				e := &tr.Events[i]
				switch e.Kind {
				case EvCall:
					calls++
					if first == nil {
						first = e
					}
					if e.HasRet || noResult[e.Name] {
						withRet++
					}
					if (e.PID != 0) != c.pids {
						t.Fatalf("line %d: pid %d", e.Line, e.PID)
					}
				case EvSignal:
					sig = e.Signal
				}
			}
			if first == nil || first.Raw != c.first {
				t.Fatalf("first call %+v, want %s", first, c.first)
			}
			// Every call but those still blocked at the end shows a
			// result (qemu loses a few to interleaved lines).
			if calls < 5 || withRet < calls*98/100 {
				t.Errorf("%d calls, %d with results", calls, withRet)
			}
			if sig != c.signal {
				t.Errorf("signal %q, want %q", sig, c.signal)
			}
			r := find(tr, "read")
			if r == nil || !r.HasRet || r.FD < 0 {
				t.Fatalf("read: %+v", r)
			}
			if (r.Data != nil) != c.data {
				t.Errorf("read data %q", r.Data)
			}
		})
	}
}

// TestParseDetails checks values taken from the real logs.
func TestParseDetails(t *testing.T) {
	native := parseRef(t, "redis-native-amd64.strace")
	if e := find(native, "access"); e == nil || e.Errno != "ENOENT" || e.Raw != "access" {
		t.Errorf("access: %+v", e)
	}
	// The first epoll_wait is split: "epoll_wait(5,  <unfinished ...>" and
	// "<... epoll_wait resumed>[], 10128, 0) = 0".
	if e := find(native, "epoll_wait"); e == nil || !e.HasRet || e.Ret != 0 || e.FD != 5 {
		t.Errorf("epoll_wait: %+v", e)
	}
	var keys *Event
	for i := range native.Events {
		if e := &native.Events[i]; e.Name == "read" && strings.Contains(string(e.Data), "keys") {
			keys = e
			break
		}
	}
	if keys == nil || string(keys.Data) != "*2\r\n$4\r\nkeys\r\n$1\r\n*\r\n" || keys.Ret != 21 {
		t.Errorf("keys read: %+v", keys)
	}
	cli := parseRef(t, "redis-cli-amd64.strace")
	if e := find(cli, "connect"); e == nil || !e.HasRet {
		t.Errorf("cli connect (with -T times): %+v", e)
	}
	qemu := parseRef(t, "redis-qemu-amd64.qemu")
	if e := find(qemu, "access"); e == nil || e.Errno != "ENOENT" {
		t.Errorf("qemu errno=2: %+v", e)
	}
	if e := find(qemu, "open"); e == nil || e.Raw != "openat" {
		t.Errorf("qemu openat: %+v", e)
	}
	mat := parseRef(t, "maturin-excerpt.log")
	var names []string
	for _, e := range mat.Events {
		switch e.Kind {
		case EvCall:
			names = append(names, e.Name)
		case EvCommand:
			names = append(names, "<"+e.Command+">")
		}
	}
	want := "<keys *> mmap read mmap write munmap <set mycsv 1,mydata,10> mmap read mmap write munmap"
	if strings.Join(names, " ") != want {
		t.Errorf("maturin events:\n%s\nwant\n%s", strings.Join(names, " "), want)
	}
	if e := find(mat, "mmap"); e == nil || e.Ret != 13930496 {
		t.Errorf("maturin mmap: %+v", e)
	}
}

// TestParseSnippets covers shapes the recorded logs may not hold.
func TestParseSnippets(t *testing.T) {
	for _, c := range []struct {
		name, log, format string
		want              []string // name:outcome per call
	}{
		{"strace pid prefixes", "[pid  12] openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOENT (No such file or directory)\n[pid  12] read(3, \"a)b\", 3) = 3\n",
			FormatStrace, []string{"open:ENOENT", "read:3"}},
		{"strace -y", "3 read(3</proc/self/stat>, \"x\", 1) = 1\n",
			FormatStrace, []string{"read:1"}},
		{"strace -ttt -T", "1700000000.123456 close(3) = 0 <0.000012>\n1700000000.123460 exit_group(0) = ?\n",
			FormatStrace, []string{"close:0", "exit_group:-"}},
		{"strace restart", "5 epoll_wait(3,  <unfinished ...>\n6 futex(0x1, FUTEX_WAKE, 1) = 0\n5 <... epoll_wait resumed>0x7f, 10, 100) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n",
			FormatStrace, []string{"epoll_wait:ERESTARTSYS", "futex:0"}},
		{"qemu glued", "7 mmap(NULL,8192,PROT_NONE,MAP_PRIVATE,-1,0)7 futex(0x4,FUTEX_WAKE,1,NULL,NULL,0) = 1\n = 0x4000\n7 Unknown syscall 435\n7 pipe2(0x10,0) = -1 errno=24 (Too many open files)\n",
			FormatQemu, []string{"mmap:16384", "futex:1", "clone:-", "pipe:EMFILE"}},
		{"qemu unknown numbers by arch", "7 arch_prctl(4098,0x1) = 0\n7 Unknown syscall 334\n7 Unknown syscall 9999\n",
			FormatQemu, []string{"arch_prctl:0", "rseq:-", "syscall_9999:-"}},
		{"qemu riscv64 unknown", "7 faccessat(AT_FDCWD,\"/x\",R_OK,0) = 0\n7 Unknown syscall 258\n",
			FormatQemu, []string{"access:0", "riscv_hwprobe:-"}},
		{"maturin shared line", "Syscall CLOCK_GET_TIME, [1, 3fffb000, 0, 0, 0, 0] Syscall EPOLL_WAIT, [3, 3fffb100, 80, 64, 0, 0] ...ret -> 0(0x0)\nSyscall OPEN, [ffffffffffffff9c, 3fff, 0, 0, 0, 0]\n ...ret -> ENOENT\n",
			FormatMaturin, []string{"clock_gettime:-", "epoll_wait:0", "open:ENOENT"}},
		{"jsonl", `{"t":1,"pid":1,"tid":1,"arch":"amd64","nr":0,"name":"read","args":[3,0,0,0,0,0],"text":"","ret":-11,"errno":"EAGAIN"}` + "\n",
			FormatJSONL, []string{"read:EAGAIN"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, err := Parse([]byte(c.log))
			if err != nil {
				t.Fatal(err)
			}
			if tr.Format != c.format {
				t.Fatalf("format %q", tr.Format)
			}
			var got []string
			for _, e := range tr.Events {
				if e.Kind != EvCall {
					continue
				}
				o := "-"
				switch {
				case e.Errno != "":
					o = e.Errno
				case e.HasRet:
					o = itoa(e.Ret)
				}
				got = append(got, e.Name+":"+o)
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("got  %v\nwant %v", got, c.want)
			}
		})
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// TestDetectRejects: a file in no known format is an error.
func TestDetectRejects(t *testing.T) {
	for _, s := range []string{"", "hello\nworld\n", "keys *\nset a b\n", "{\"x\":1}\n", "\x00\x01\x02",
		"see read(2), write(2) and\nclose(fd) for details\n"} {
		if f, err := Detect([]byte(s)); err == nil {
			t.Errorf("%q detected as %s", s, f)
		}
	}
}

// FuzzParse: no input makes a parser or the phase splitter panic.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"redis-native-amd64.strace", "redis-qemu-amd64.qemu", "maturin-excerpt.log", "sh-sentry-amd64.jsonl"} {
		b, err := os.ReadFile(filepath.Join(refDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 4000)])
	}
	f.Add([]byte("1 read(\"\\"))
	f.Add([]byte("Syscall READ, [] ...ret -> E\n127.0.0.1:1> x\n"))
	f.Add([]byte("1 x( = -1 errno=99999999999999999999\n = \n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := Parse(b)
		if err != nil {
			return
		}
		Compare(tr, tr, Options{Session: []string{"GET"}})
	})
}
