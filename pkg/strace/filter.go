package strace

import (
	"fmt"
	"strings"

	"sentry/pkg/arch"
)

// filter is the set of syscalls a Tracer shows, one bit per Sysno, so
// that the per-call test is a shift and a mask.
type filter [(arch.NumSysno + 63) / 64]uint64

func (f *filter) set(s arch.Sysno, on bool) {
	if s <= 0 || s >= arch.NumSysno {
		return
	}
	if on {
		f[s/64] |= 1 << (s % 64)
	} else {
		f[s/64] &^= 1 << (s % 64)
	}
}

func (f *filter) has(s arch.Sysno) bool {
	if s <= 0 || s >= arch.NumSysno {
		// Numbers no arch names (unknown syscalls) are shown unless a
		// list of names to show was given.
		return f[0]&1 != 0
	}
	return f[s/64]&(1<<(s%64)) != 0
}

// newFilter builds the filter of Options.Syscalls and Options.Exclude.
func newFilter(only, exclude []string) (filter, error) {
	var f filter
	if len(only) == 0 {
		for i := range f {
			f[i] = ^uint64(0)
		}
	}
	for _, n := range only {
		s, ok := arch.SysnoByName(strings.TrimSpace(n))
		if !ok {
			return f, fmt.Errorf("strace: unknown syscall %q in the list to trace", n)
		}
		f.set(s, true)
	}
	for _, n := range exclude {
		s, ok := arch.SysnoByName(strings.TrimSpace(n))
		if !ok {
			return f, fmt.Errorf("strace: unknown syscall %q in the list to exclude", n)
		}
		f.set(s, false)
	}
	return f, nil
}
