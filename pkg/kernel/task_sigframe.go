package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
	"sentry/pkg/signals"
)

// Signal frames: what the handler sees on its stack and what rt_sigreturn
// takes back. The layouts are pkg/arch's; this file decides where the
// frame goes (the alternate stack or below the red zone) and which parts
// of a returned context the application may change.

// stackT is a stack_t (sigaltstack).
type stackT struct {
	sp    uint64
	flags uint32
	size  uint64
}

const (
	ssOnStack    = 1
	ssDisable    = 2
	ssAutodisarm = 1 << 31
)

// onAltStack reports whether sp lies on the task's alternate stack.
func (t *Task) onAltStack(sp uint64) bool {
	s := t.altStack
	return s.size != 0 && s.flags&ssDisable == 0 && sp > s.sp && sp-s.sp <= s.size
}

// altStackFlags is ss_flags as sigaltstack and uc_stack report them.
func (t *Task) altStackFlags(sp uint64) uint32 {
	switch {
	case t.altStack.size == 0 || t.altStack.flags&ssDisable != 0:
		return ssDisable
	case t.onAltStack(sp):
		return ssOnStack
	}
	return t.altStack.flags & ssAutodisarm
}

// errNoFrames: the architecture has no signal frames in the sentry yet.
var errNoFrames = errors.New("signal handlers are not supported on this architecture yet")

// pushSignalFrame builds the frame for info's handler and points the
// registers at the handler. A bad stack is an errno (the caller kills the
// task with SIGSEGV).
func (t *Task) pushSignalFrame(info *signals.Info, act *signals.Action, oldMask signals.Set) error {
	switch t.regs.Arch {
	case arch.AMD64:
	case arch.RISCV64:
		return t.pushSignalFrameRISCV64(info, act, oldMask)
	default:
		return errNoFrames
	}
	r := &t.regs.AMD64
	sp := r.Rsp - arch.AMD64RedZone
	uStack := t.altStack
	altFlags := t.altStackFlags(sp)
	if act.Flags&signals.SAOnStack != 0 && altFlags&^ssAutodisarm == 0 {
		sp = t.altStack.sp + t.altStack.size
	}
	if t.altStack.flags&ssAutodisarm != 0 {
		t.altStack = stackT{flags: ssDisable}
	}
	uStack.flags = altFlags &^ ssAutodisarm

	fp, fpFromPlatform := t.fpState()
	fpSize := uint64(len(fp)) + 4 // FP_XSTATE_MAGIC2
	fpAddr := (sp - fpSize) &^ 63
	frame := ((fpAddr - arch.AMD64FrameSize) &^ 15) - 8
	if act.Flags&signals.SARestorer == 0 {
		return unix.EFAULT // amd64 has no fallback trampoline (Linux: SIGSEGV too)
	}

	le := binary.LittleEndian
	xfeatures := le.Uint64(fp[arch.AMD64FPSwBytes:]) // ptrace leaves XCR0 there
	sw := fp[arch.AMD64FPSwBytes : arch.AMD64FPSwBytes+48]
	clear(sw)
	le.PutUint32(sw[0:], arch.AMD64FPXStateMagic1)
	le.PutUint32(sw[4:], uint32(fpSize))
	le.PutUint64(sw[8:], xfeatures)
	le.PutUint32(sw[16:], uint32(len(fp)))
	fpBuf := make([]byte, fpSize)
	copy(fpBuf, fp)
	le.PutUint32(fpBuf[len(fp):], arch.AMD64FPXStateMagic2)

	b := make([]byte, arch.AMD64FrameSize)
	le.PutUint64(b[0:], act.Restorer)
	uc := b[arch.AMD64FrameUContext:]
	ucFlags := uint64(arch.AMD64UCSigcontextSS | arch.AMD64UCStrictRestoreSS)
	if fpFromPlatform {
		ucFlags |= arch.AMD64UCFPXState
	}
	le.PutUint64(uc[0:], ucFlags)
	le.PutUint64(uc[arch.AMD64UCStack:], uStack.sp)
	le.PutUint32(uc[arch.AMD64UCStack+8:], uint32(uStack.flags))
	le.PutUint64(uc[arch.AMD64UCStack+16:], uStack.size)
	sc := arch.AMD64SigContext{Oldmask: uint64(oldMask), FPState: fpAddr}
	if info.Signo == signals.SIGSEGV && info.IsFault() {
		sc.Cr2, sc.Trapno, sc.Err = info.Addr, 14, 4 // #PF from user mode
	}
	mc := arch.EncodeAMD64SigContext(r, sc)
	copy(uc[arch.AMD64UCMContext:], mc[:])
	le.PutUint64(uc[arch.AMD64UCSigmask:], uint64(oldMask))
	si := info.Encode()
	copy(b[arch.AMD64FrameInfo:], si[:])

	if err := t.copyOut(fpAddr, fpBuf); err != nil {
		return err
	}
	if err := t.copyOut(frame, b); err != nil {
		return err
	}
	r.Rdi = uint64(info.Signo)
	r.Rsi = frame + arch.AMD64FrameInfo
	r.Rdx = frame + arch.AMD64FrameUContext
	r.Rax = 0
	r.Rsp = frame
	r.Rip = act.Handler
	r.Eflags &^= arch.AMD64HandlerClearEflags
	r.OrigRax = ^uint64(0)
	return nil
}

// fpState is the task's FPU state for a frame, and whether it is real; a
// platform without FPUContext gets a freshly initialised one.
func (t *Task) fpState() ([]byte, bool) {
	if fc, ok := t.ctx.(platform.FPUContext); ok {
		if fp, err := fc.FPState(); err == nil && len(fp) >= arch.AMD64FXSaveSize+64 {
			return fp, true
		}
	}
	fp := make([]byte, arch.AMD64FXSaveSize+64)
	binary.LittleEndian.PutUint16(fp[0:], 0x37f)   // fcw
	binary.LittleEndian.PutUint32(fp[24:], 0x1f80) // mxcsr
	binary.LittleEndian.PutUint32(fp[28:], 0xffff) // mxcsr_mask
	binary.LittleEndian.PutUint64(fp[arch.AMD64FPSwBytes:], 3)
	return fp, false
}

// sysRtSigreturn restores the context the handler's frame holds. A frame
// that cannot be read or holds a state the CPU would refuse is a SIGSEGV.
func sysRtSigreturn(t *Task, a [6]uint64) (uint64, error) {
	sigreturn := t.sigreturnAMD64
	switch t.regs.Arch {
	case arch.AMD64:
	case arch.RISCV64:
		sigreturn = t.sigreturnRISCV64
	default:
		return 0, unix.ENOSYS
	}
	if err := sigreturn(); err != nil {
		if _, ok := err.(unix.Errno); !ok {
			fmt.Fprintf(t.k.cfg.Warn, "sentry: task %d: rt_sigreturn: %v\n", t.tid, err)
		}
		t.forceSignal(signals.Info{Signo: signals.SIGSEGV, Code: signals.SIKernel})
		return t.regs.Return(), nil
	}
	return t.regs.Return(), nil
}

func (t *Task) sigreturnAMD64() error {
	r := &t.regs.AMD64
	ucAddr := r.Rsp // the handler's ret popped pretcode
	uc := make([]byte, arch.AMD64UContextSize)
	if err := t.copyIn(ucAddr, uc); err != nil {
		return err
	}
	le := binary.LittleEndian
	nr := *r
	eflags, fpAddr := arch.DecodeAMD64SigContext(uc[arch.AMD64UCMContext:], &nr)
	nr.Eflags = r.Eflags&^arch.AMD64UserEflags | eflags&arch.AMD64UserEflags
	nr.OrigRax = ^uint64(0) // no syscall to restart: keep the host's restart logic out
	if nr.Rip >= 1<<47 {
		return unix.EFAULT
	}
	if fpAddr != 0 {
		if err := t.restoreFP(fpAddr); err != nil {
			return err
		}
	}
	*r = nr
	mask := signals.Set(le.Uint64(uc[arch.AMD64UCSigmask:])) &^ signals.Unblockable
	t.tg.mu.Lock()
	t.sigMask = mask
	t.tg.mu.Unlock()
	// restore_altstack: errors are ignored, as Linux does.
	st := stackT{le.Uint64(uc[arch.AMD64UCStack:]), le.Uint32(uc[arch.AMD64UCStack+8:]), le.Uint64(uc[arch.AMD64UCStack+16:])}
	_ = t.setAltStack(st, r.Rsp)
	return nil
}

// restoreFP loads the FPU state at fpAddr: a full XSAVE area when its
// software bytes say so, else the legacy FXSAVE region over the current
// extended state.
func (t *Task) restoreFP(fpAddr uint64) error {
	if fpAddr%64 != 0 {
		return unix.EFAULT
	}
	fc, ok := t.ctx.(platform.FPUContext)
	if !ok {
		return nil
	}
	legacy := make([]byte, arch.AMD64FXSaveSize)
	if err := t.copyIn(fpAddr, legacy); err != nil {
		return err
	}
	le := binary.LittleEndian
	sw := legacy[arch.AMD64FPSwBytes:]
	cur, err := fc.FPState()
	if err != nil {
		return err
	}
	area := cur
	size := uint64(le.Uint32(sw[16:]))
	if le.Uint32(sw[0:]) == arch.AMD64FPXStateMagic1 && size >= arch.AMD64FXSaveSize+64 && size <= uint64(len(cur)) {
		area = make([]byte, size+4)
		if err := t.copyIn(fpAddr, area); err != nil {
			return err
		}
		if le.Uint32(area[size:]) != arch.AMD64FPXStateMagic2 {
			return unix.EFAULT
		}
		area = area[:size]
		full := append([]byte(nil), cur...)
		copy(full, area[:size])
		area = full
	} else {
		copy(area[:arch.AMD64FPSwBytes], legacy)
	}
	// The host wants its own software bytes back (XCR0 first).
	copy(area[arch.AMD64FPSwBytes:arch.AMD64FXSaveSize], cur[arch.AMD64FPSwBytes:arch.AMD64FXSaveSize])
	if err := fc.SetFPState(area); err != nil {
		if errors.Is(err, unix.EINVAL) {
			return unix.EFAULT // a corrupted XSAVE header
		}
		return err
	}
	return nil
}
