package signals

import "encoding/binary"

// Handler values with a meaning of their own.
const (
	SigDfl = 0
	SigIgn = 1
)

// sa_flags bits.
const (
	SANoCldStop     = 0x1
	SANoCldWait     = 0x2
	SASigInfo       = 0x4
	SAUnsupported   = 0x400
	SAExposeTagBits = 0x800
	SARestorer      = 0x04000000
	SAOnStack       = 0x08000000
	SARestart       = 0x10000000
	SANoDefer       = 0x40000000
	SAResetHand     = 0x80000000
)

// Action is a disposition: struct kernel_sigaction.
type Action struct {
	Handler  uint64
	Flags    uint64
	Restorer uint64
	Mask     Set
}

// Size of struct kernel_sigaction with and without sa_restorer (riscv64
// has none).
const (
	ActionSizeRestorer   = 32
	ActionSizeNoRestorer = 24
)

// DecodeAction reads a kernel_sigaction; withRestorer says whether the
// architecture's layout has sa_restorer (handler, flags, restorer, mask)
// or not (handler, flags, mask).
func DecodeAction(b []byte, withRestorer bool) Action {
	le := binary.LittleEndian
	a := Action{Handler: le.Uint64(b[0:]), Flags: le.Uint64(b[8:])}
	if withRestorer {
		a.Restorer = le.Uint64(b[16:])
		a.Mask = Set(le.Uint64(b[24:]))
	} else {
		a.Mask = Set(le.Uint64(b[16:]))
	}
	return a
}

// Encode writes a in the layout DecodeAction reads.
func (a Action) Encode(withRestorer bool) []byte {
	le := binary.LittleEndian
	if withRestorer {
		b := make([]byte, ActionSizeRestorer)
		le.PutUint64(b[0:], a.Handler)
		le.PutUint64(b[8:], a.Flags)
		le.PutUint64(b[16:], a.Restorer)
		le.PutUint64(b[24:], uint64(a.Mask))
		return b
	}
	b := make([]byte, ActionSizeNoRestorer)
	le.PutUint64(b[0:], a.Handler)
	le.PutUint64(b[8:], a.Flags)
	le.PutUint64(b[16:], uint64(a.Mask))
	return b
}

// DefaultAction is what SIG_DFL does with a signal.
type DefaultAction int

const (
	ActTerminate DefaultAction = iota
	ActCore                    // terminate "with core dump"
	ActIgnore
	ActStop
	ActContinue
)

// Default is sig's default action (signal(7)).
func Default(sig int) DefaultAction {
	switch sig {
	case SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS:
		return ActCore
	case SIGCHLD, SIGURG, SIGWINCH:
		return ActIgnore
	case SIGCONT:
		return ActContinue
	case SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU:
		return ActStop
	}
	return ActTerminate
}

// Ignored reports whether a is ignoring sig: SIG_IGN, or SIG_DFL for a
// signal whose default is to ignore. SIGKILL and SIGSTOP never are.
func (a Action) Ignored(sig int) bool {
	if Unblockable.Has(sig) {
		return false
	}
	return a.Handler == SigIgn || (a.Handler == SigDfl && Default(sig) == ActIgnore)
}
