package main

import (
	"bytes"
	"os"
	"testing"
)

// TestCommittedFileIsGenerated keeps sysno_gen.go a pure output of the
// generator: a hand edit, or an x/sys upgrade without `go generate`, fails.
func TestCommittedFileIsGenerated(t *testing.T) {
	dir, version, err := xsysDir()
	if err != nil {
		t.Fatal(err)
	}
	want, err := generate(dir, version)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../sysno_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("pkg/arch/sysno_gen.go differs from the generator's output; run `go generate ./pkg/arch`")
	}
}

func TestGoName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"read", "SysRead"},
		{"rt_sigaction", "SysRtSigaction"},
		{"epoll_create1", "SysEpollCreate1"},
		{"_sysctl", "SysSysctl"},
		{"riscv_hwprobe", "SysRiscvHwprobe"},
	} {
		if got := goName(c.in); got != c.want {
			t.Errorf("goName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
