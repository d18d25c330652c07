package signals

import (
	"encoding/binary"

	"gvisor.dev/gvisor/pkg/abi/linux"
)

// Handler values with a meaning of their own.
const (
	SigDfl = 0
	SigIgn = 1
)

// sa_flags bits (gVisor's abi/linux names all but the two probe bits of
// Linux 5.11, which asm-generic/signal-defs.h defines).
const (
	SANoCldStop     = linux.SA_NOCLDSTOP
	SANoCldWait     = linux.SA_NOCLDWAIT
	SASigInfo       = linux.SA_SIGINFO
	SAUnsupported   = 0x400
	SAExposeTagBits = 0x800
	SARestorer      = linux.SA_RESTORER
	SAOnStack       = linux.SA_ONSTACK
	SARestart       = linux.SA_RESTART
	SANoDefer       = linux.SA_NODEFER
	SAResetHand     = linux.SA_RESETHAND
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
var (
	ActionSizeRestorer   = (*linux.SigAction)(nil).SizeBytes()
	ActionSizeNoRestorer = binary.Size(actionNoRestorer{})
)

// actionNoRestorer is asm-generic's struct sigaction as the kernel copies
// it on an architecture without SA_RESTORER (riscv64); gVisor's
// linux.SigAction is the other layout (amd64).
type actionNoRestorer struct {
	Handler, Flags, Mask uint64
}

// DecodeAction reads a kernel_sigaction; withRestorer says whether the
// architecture's layout has sa_restorer (handler, flags, restorer, mask)
// or not (handler, flags, mask).
func DecodeAction(b []byte, withRestorer bool) Action {
	if withRestorer {
		var sa linux.SigAction
		sa.UnmarshalBytes(b)
		return Action{Handler: sa.Handler, Flags: sa.Flags, Restorer: sa.Restorer, Mask: Set(sa.Mask)}
	}
	var sa actionNoRestorer
	_, _ = binary.Decode(b, binary.LittleEndian, &sa) // the caller read ActionSizeNoRestorer bytes
	return Action{Handler: sa.Handler, Flags: sa.Flags, Mask: Set(sa.Mask)}
}

// Encode writes a in the layout DecodeAction reads.
func (a Action) Encode(withRestorer bool) []byte {
	if withRestorer {
		sa := linux.SigAction{Handler: a.Handler, Flags: a.Flags, Restorer: a.Restorer, Mask: linux.SignalSet(a.Mask)}
		b := make([]byte, sa.SizeBytes())
		sa.MarshalBytes(b)
		return b
	}
	b, _ := binary.Append(nil, binary.LittleEndian, actionNoRestorer{a.Handler, a.Flags, uint64(a.Mask)})
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
