package kernel

import (
	"fmt"

	"sentry/pkg/arch"
	tr "sentry/pkg/strace"
)

// Support says how completely the sentry implements a syscall.
type Support int

const (
	// Unsupported: ENOSYS, with a warning the first time.
	Unsupported Support = iota
	// Partial: implemented with the limits in Note.
	Partial
	// Full: implemented as Linux documents it.
	Full
)

func (s Support) String() string {
	return [...]string{"unsupported", "partial", "full"}[s]
}

// handler serves one syscall: a result, or an error that is a Linux
// errno (or errExited when the task is gone).
type handler func(t *Task, a [6]uint64) (uint64, error)

// Syscall describes one syscall once: dispatch, --strace and the
// compatibility table all read it.
type Syscall struct {
	tr.Desc
	Sysno   arch.Sysno
	Fn      handler
	Support Support
	Note    string
	// Quiet marks a deliberate ENOSYS that C libraries probe for and
	// handle (rseq): no warning, still counted.
	Quiet bool
}

// syscallTable indexes the descriptions by neutral number.
type syscallTable struct {
	bySysno [arch.NumSysno]*Syscall
}

// newSyscallTable indexes descs. A name that matches no syscall, or one
// described twice, is an error: a misspelt entry would otherwise leave
// its syscall unsupported without a word.
func newSyscallTable(descs []Syscall) (*syscallTable, error) {
	st := &syscallTable{}
	for _, sc := range descs {
		s, ok := arch.SysnoByName(sc.Name)
		if !ok {
			return nil, fmt.Errorf("syscall table: %q matches no syscall", sc.Name)
		}
		if st.bySysno[s] != nil {
			return nil, fmt.Errorf("syscall table: %q is described twice", sc.Name)
		}
		sc.Sysno = s
		if d, ok := tr.Describe(s); ok {
			sc.Desc = d
		}
		st.bySysno[s] = &sc
	}
	return st, nil
}

// lookup finds the description for number nr of architecture a. Numbers
// the architecture does not have get a description that only names them.
func (st *syscallTable) lookup(a arch.Arch, nr uint64) *Syscall {
	s, ok := arch.Lookup(a, nr)
	if !ok {
		return &Syscall{Desc: tr.Desc{Name: fmt.Sprintf("syscall_%#x", nr), Args: hexArgs}}
	}
	if sc := st.bySysno[s]; sc != nil {
		return sc
	}
	d, _ := tr.Describe(s)
	return &Syscall{Desc: d, Sysno: s}
}

var hexArgs = []tr.Arg{{Name: "a0"}, {Name: "a1"}, {Name: "a2"}, {Name: "a3"}, {Name: "a4"}, {Name: "a5"}}

// SyscallInfo is one row of the compatibility table.
type SyscallInfo struct {
	Name    string
	Number  uint64
	Support Support
	Note    string
}

// Syscalls lists every syscall architecture a has, with its support.
func Syscalls(a arch.Arch) ([]SyscallInfo, error) {
	st, err := newSyscallTable(syscalls)
	if err != nil {
		return nil, err
	}
	var out []SyscallInfo
	for s := arch.Sysno(1); s < arch.NumSysno; s++ {
		nr, ok := arch.Number(a, s)
		if !ok {
			continue
		}
		info := SyscallInfo{Name: s.Name(), Number: nr}
		if sc := st.bySysno[s]; sc != nil {
			info.Support, info.Note = sc.Support, sc.Note
			if sc.Fn == nil {
				info.Support = Unsupported
			}
		}
		out = append(out, info)
	}
	return out, nil
}
