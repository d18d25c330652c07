package tty

import (
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/signals"
)

// TestLineDiscipline feeds master input through the line discipline and
// checks what a slave read and the master (echo) would see.
func TestLineDiscipline(t *testing.T) {
	for _, tc := range []struct {
		name     string
		raw      bool
		in       string
		reads    []string // successive slave reads
		echo     string
		sig      int
		consumed int
	}{
		{name: "line with CR", in: "ab\r", reads: []string{"ab\n"}, echo: "ab\r\n"},
		{name: "partial line is not readable", in: "ab", reads: nil, echo: "ab"},
		{name: "erase", in: "abc\x7f\n", reads: []string{"ab\n"}, echo: "abc\b \b\r\n"},
		{name: "kill", in: "abc\x15d\n", reads: []string{"d\n"}, echo: "abc\r\nd\r\n"},
		{name: "EOF ends a line without itself", in: "ab\x04\x04", reads: []string{"ab", ""}, echo: "ab"},
		{name: "two lines read one at a time", in: "a\nb\n", reads: []string{"a\n", "b\n"}, echo: "a\r\nb\r\n"},
		{name: "raw", raw: true, in: "ab\x7f", reads: []string{"ab\x7f"}, echo: "ab^?"},
		{name: "Ctrl-C", in: "ab\x03cd", echo: "ab^C", sig: signals.SIGINT, consumed: 3},
		{name: "Ctrl-Z", in: "\x1a", echo: "^Z", sig: signals.SIGTSTP, consumed: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New()
			if tc.raw {
				tio := l.Termios()
				tio.LocalFlags &^= unix.ICANON
				l.SetTermios(tio)
			}
			n, sig := l.Receive([]byte(tc.in))
			want := tc.consumed
			if want == 0 {
				want = len(tc.in)
			}
			if n != want || sig != tc.sig {
				t.Fatalf("took %d bytes, signal %d; want %d, %d", n, sig, want, tc.sig)
			}
			echo := make([]byte, 64)
			if got := echo[:l.ReadOutput(echo)]; string(got) != tc.echo {
				t.Errorf("echo %q, want %q", got, tc.echo)
			}
			for _, w := range tc.reads {
				b := make([]byte, 64)
				n, ok := l.ReadInput(b)
				if !ok || string(b[:n]) != w {
					t.Fatalf("read %q, %v; want %q", b[:n], ok, w)
				}
			}
			if n, ok := l.ReadInput(make([]byte, 64)); ok {
				t.Errorf("a read after the expected ones returned %d bytes", n)
			}
		})
	}
}

// TestLeavingCanonicalModeHandsThePartialLineToRawReads: as n_tty, the
// lines and the line being edited become raw input when ICANON goes off,
// and raw input becomes the line being edited when it comes back.
func TestLeavingCanonicalModeHandsThePartialLineToRawReads(t *testing.T) {
	l := New()
	l.Receive([]byte("one\ntw"))
	tio := l.Termios()
	tio.LocalFlags &^= unix.ICANON
	l.SetTermios(tio)
	b := make([]byte, 64)
	if n, ok := l.ReadInput(b); !ok || string(b[:n]) != "one\ntw" {
		t.Fatalf("raw read %q %v", b[:n], ok)
	}
	l.Receive([]byte("xy"))
	tio.LocalFlags |= unix.ICANON
	l.SetTermios(tio)
	if l.Readable() {
		t.Fatal("a partial line is readable in canonical mode")
	}
	l.Receive([]byte("z\n"))
	if n, ok := l.ReadInput(b); !ok || string(b[:n]) != "xyz\n" {
		t.Fatalf("canonical read %q %v", b[:n], ok)
	}
}
