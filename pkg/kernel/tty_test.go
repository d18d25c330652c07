package kernel

import (
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/signals"
)

// TestPtyLineDiscipline feeds master input through the line discipline
// and checks what a slave read and the master (echo) would see.
func TestPtyLineDiscipline(t *testing.T) {
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
			p := &pty{termios: stdTermios(), masterOpen: true}
			if tc.raw {
				tio := p.termios
				tio.Lflag &^= unix.ICANON
				p.setTermiosLocked(tio)
			}
			n, sig := p.receiveLocked([]byte(tc.in))
			want := tc.consumed
			if want == 0 {
				want = len(tc.in)
			}
			if n != want || sig != tc.sig {
				t.Fatalf("took %d bytes, signal %d; want %d, %d", n, sig, want, tc.sig)
			}
			if string(p.out) != tc.echo {
				t.Errorf("echo %q, want %q", p.out, tc.echo)
			}
			s := &ptySlave{p: p}
			for _, w := range tc.reads {
				b := make([]byte, 64)
				n, err := s.ReadAt(b, 0)
				if err != nil || string(b[:n]) != w {
					t.Fatalf("read %q, %v; want %q", b[:n], err, w)
				}
			}
			if _, err := s.ReadAt(make([]byte, 64), 0); err != unix.EAGAIN {
				t.Errorf("read after the expected ones: %v, want EAGAIN", err)
			}
		})
	}
}
