package tracediff

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"sentry/pkg/arch"
	"sentry/pkg/strace"
)

// memory is application memory for the tracer: a few buffers by address.
type memory map[uint64][]byte

func (m memory) CopyIn(addr uint64, dst []byte) (int, error) {
	for a, b := range m {
		if addr >= a && addr < a+uint64(len(b)) {
			return copy(dst, b[addr-a:]), nil
		}
	}
	return 0, errors.New("EFAULT")
}

func (m memory) CopyInString(addr uint64, max int) (string, error) {
	b := make([]byte, max)
	n, err := m.CopyIn(addr, b)
	if i := bytes.IndexByte(b[:n], 0); i >= 0 {
		return string(b[:i]), nil
	}
	return string(b[:n]), err
}

// TestFormatsRoundTrip writes one session with the tracer in each of its
// formats and reads it back with this package's parser: every call comes
// back with its name, thread, fd, result or errno, and the bytes it moved
// (where the format carries them), and the signal and the exit come back
// as events. The two packages share each format's definition; this
// catches the writer and the reader drifting apart.
func TestFormatsRoundTrip(t *testing.T) {
	const (
		atFDCWD = uint64(0xffffffffffffff9c)
		path    = 0x1000
		missing = 0x1100
		rbuf    = 0x2000
		wbuf    = 0x3000
	)
	type want struct {
		name  string
		tid   int
		fd    int
		ret   int64
		errno string
		data  string
	}
	wants := []want{
		{"openat", 1, -1, 0, "ENOENT", ""},
		{"openat", 1, -1, 3, "", ""},
		{"write", 1, 1, 3, "", "hi\n"},
		{"read", 2, 3, 5, "", "hello"},
		{"mmap", 2, -2, 0x7f0000000000, "", ""}, // -2: its first argument is no fd
		{"close", 1, 3, 0, "", ""},
	}
	for _, format := range []string{strace.FormatStrace, strace.FormatJSONL, strace.FormatMaturin} {
		t.Run(format, func(t *testing.T) {
			mem := memory{path: []byte("/etc/hosts\x00"), missing: []byte("/nonexist\x00"), rbuf: make([]byte, 16), wbuf: []byte("hi\n")}
			var out bytes.Buffer
			tr := strace.NewTracer(&out, strace.Options{Format: format, Arch: arch.AMD64})
			call := func(tid int, s arch.Sysno, args ...uint64) *strace.Pending {
				d, ok := strace.Describe(s)
				if !ok {
					t.Fatalf("no description of %v", s)
				}
				var a [6]uint64
				copy(a[:], args)
				nr, _ := arch.Number(arch.AMD64, s)
				return tr.EnterCall(1, tid, s, nr, &d, a, mem)
			}
			tr.Exit(call(1, arch.SysOpenat, atFDCWD, missing, 0), uint64(0xfffffffffffffffe))
			tr.Exit(call(1, arch.SysOpenat, atFDCWD, path, 0), 3)
			// A read that waits while another thread writes: strace
			// shows it unfinished and resumed.
			read := call(2, arch.SysRead, 3, rbuf, 16)
			tr.Blocking(read)
			tr.Exit(call(1, arch.SysWrite, 1, wbuf, 3), 3)
			copy(mem[rbuf], "hello")
			tr.Exit(read, 5)
			tr.Exit(call(2, arch.SysMmap, 0, 4096, 3, 0x22, 0xffffffffffffffff, 0), 0x7f0000000000)
			tr.Exit(call(1, arch.SysClose, 3), 0)
			tr.Signal(1, &strace.SigInfo{Signo: 15})
			tr.Exited(1, 0)

			got, err := Parse(out.Bytes())
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if got.Format != format {
				t.Errorf("detected as %s", got.Format)
			}
			var calls []Event
			var signal, exit bool
			for _, e := range got.Events {
				switch e.Kind {
				case EvCall:
					calls = append(calls, e)
				case EvSignal:
					signal = e.Signal == "SIGTERM"
				case EvExit:
					exit = true
				}
			}
			if !signal || !exit {
				t.Errorf("signal %v, exit %v read back", signal, exit)
			}
			if len(calls) != len(wants) {
				t.Fatalf("%d calls read back, want %d:\n%s", len(calls), len(wants), out.String())
			}
			// The order differs only by the read, which strace shows
			// where it started and the others where it ended.
			byName := map[string][]Event{}
			for _, e := range calls {
				byName[e.Raw] = append(byName[e.Raw], e)
			}
			for _, w := range wants {
				if len(byName[w.name]) == 0 {
					t.Errorf("%s not read back", w.name)
					continue
				}
				e := byName[w.name][0]
				byName[w.name] = byName[w.name][1:]
				tid, fd, data := w.tid, w.fd, w.data
				if format == strace.FormatMaturin {
					tid, data = 0, "" // the format shows neither
				}
				if fd == -2 {
					fd = e.FD
				}
				g := want{e.Raw, e.TID, e.FD, e.Ret, e.Errno, string(e.Data)}
				if format == strace.FormatStrace {
					g.tid = e.PID // strace -f shows the thread there
				}
				if g != (want{w.name, tid, fd, w.ret, w.errno, data}) {
					t.Errorf("%s read back as %+v, want %+v", w.name, g, want{w.name, tid, fd, w.ret, w.errno, data})
				}
				if !e.HasRet {
					t.Errorf("%s read back without a result", w.name)
				}
				if format == strace.FormatJSONL && (!e.HasTime || e.Dur < 0 || e.At < 0) {
					t.Errorf("%s read back with time %d+%d (has %v)", w.name, e.At, e.Dur, e.HasTime)
				}
			}
			if t.Failed() {
				t.Logf("the trace:\n%s", out.String())
			}
		})
	}
}

// TestJSONLRecordRoundTrip: every kind of jsonl line decodes to the
// record it was encoded from.
func TestJSONLRecordRoundTrip(t *testing.T) {
	data := `a "quoted" <tag> \x00`
	for _, r := range []strace.Record{
		{T: 1, PID: 2, TID: 3, Dur: 4, Arch: "amd64", Nr: 257, Name: "openat", Args: []uint64{1, 2, 3, 4, 5, 1 << 63},
			Text: `AT_FDCWD, "/x"`, Ret: -2, Errno: "ENOENT"},
		{T: 5, PID: 1, TID: 1, Arch: "riscv64", Nr: 63, Name: "read", Args: make([]uint64, 6), Text: "3, ...", Ret: 20, Data: &data},
		{T: 6, PID: 1, TID: 1, Event: "signal", Signal: "SIGSEGV", Siginfo: "{si_signo=SIGSEGV}"},
		{T: 7, PID: 1, TID: 1, Event: "exit", Status: 3},
		{T: 8, PID: 1, TID: 4, Event: "exit", Status: 139, Signal: "SIGSEGV", Core: true},
	} {
		line := strace.AppendJSONL(nil, &r)
		got, err := strace.DecodeJSONL(line)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if deref(got.Data) != deref(r.Data) {
			t.Errorf("%s: data decoded as %q", line, deref(got.Data))
		}
		got.Data, r.Data = nil, nil
		if !reflect.DeepEqual(got, r) {
			t.Errorf("%s decoded as %+v", line, got)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
