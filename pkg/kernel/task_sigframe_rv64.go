package kernel

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
	"sentry/pkg/signals"
	"sentry/pkg/vm"
)

// riscv64 signal frames and the sentry's vDSO page. riscv64 has no
// SA_RESTORER: Linux points ra at rt_sigreturn code in its vDSO, and the
// sentry maps a page of its own holding that code (arch.
// RISCV64SigreturnTrampoline) into every riscv64 process.

// mapSigTramp maps the [vdso] page holding the rt_sigreturn trampoline
// and returns the trampoline's address.
func mapSigTramp(mm *vm.MM) (uint64, error) {
	addr, err := mm.Mmap(vm.MmapOpts{
		Length: vm.PageSize,
		Prot:   unix.PROT_READ | unix.PROT_EXEC,
		Flags:  unix.MAP_PRIVATE | unix.MAP_ANONYMOUS,
		Name:   "[vdso]",
	})
	if err != nil {
		return 0, err
	}
	if _, err := mm.ForceCopyOut(addr, arch.RISCV64SigreturnTrampoline); err != nil {
		return 0, err
	}
	return addr, nil
}

// sigTrampAddr returns the trampoline of the task's address space. The
// address recorded at exec is checked against the mappings: after a
// fork the child's copy of the [vdso] page is found by name, and an
// address space without one (an exec path that did not map it, or an
// application that unmapped it) gets a new one.
func (t *Task) sigTrampAddr() (uint64, error) {
	tg := t.tg
	tg.mu.Lock()
	addr := tg.sigTramp
	tg.mu.Unlock()
	found := uint64(0)
	for _, v := range tg.mm.Maps() {
		if v.Name == "[vdso]" && v.Prot&unix.PROT_EXEC != 0 {
			if v.Start == addr {
				return addr, nil
			}
			if found == 0 {
				found = v.Start
			}
		}
	}
	if found == 0 {
		var err error
		if found, err = mapSigTramp(tg.mm); err != nil {
			return 0, err
		}
	}
	tg.mu.Lock()
	tg.sigTramp = found
	tg.mu.Unlock()
	return found, nil
}

func (t *Task) pushSignalFrameRISCV64(info *signals.Info, act *signals.Action, oldMask signals.Set) error {
	r := &t.regs.RISCV64
	sp := r.X[2]
	uStack := t.altStack
	altFlags := t.altStackFlags(sp)
	if act.Flags&signals.SAOnStack != 0 && altFlags&^ssAutodisarm == 0 {
		sp = t.altStack.sp + t.altStack.size
	}
	if t.altStack.flags&ssAutodisarm != 0 {
		t.altStack = stackT{flags: ssDisable}
	}
	uStack.flags = altFlags &^ ssAutodisarm
	frame := (sp - arch.RISCV64FrameSize) &^ 15
	var tramp uint64
	if act.Flags&signals.SARestorer != 0 && act.Restorer != 0 {
		tramp = act.Restorer
	} else {
		var err error
		if tramp, err = t.sigTrampAddr(); err != nil {
			return unix.EFAULT
		}
	}

	var fp []byte
	if fc, ok := t.ctx.(platform.FPUContext); ok {
		fp, _ = fc.FPState()
	}
	le := binary.LittleEndian
	b := make([]byte, arch.RISCV64FrameSize)
	si := info.Encode()
	copy(b[arch.RISCV64FrameInfo:], si[:])
	uc := b[arch.RISCV64FrameUContext:]
	le.PutUint64(uc[arch.RISCV64UCStack:], uStack.sp)
	le.PutUint32(uc[arch.RISCV64UCStack+8:], uStack.flags)
	le.PutUint64(uc[arch.RISCV64UCStack+16:], uStack.size)
	le.PutUint64(uc[arch.RISCV64UCSigmask:], uint64(oldMask))
	mc := arch.EncodeRISCV64SigContext(r, fp)
	copy(uc[arch.RISCV64UCMContext:], mc[:])
	if err := t.copyOut(frame, b); err != nil {
		return err
	}
	r.X[10] = uint64(info.Signo)
	r.X[11] = frame + arch.RISCV64FrameInfo
	r.X[12] = frame + arch.RISCV64FrameUContext
	r.X[1] = tramp
	r.X[2] = frame
	r.PC = act.Handler
	return nil
}

func (t *Task) sigreturnRISCV64() error {
	r := &t.regs.RISCV64
	frame := r.X[2]
	uc := make([]byte, arch.RISCV64UContextSize)
	if err := t.copyIn(frame+arch.RISCV64FrameUContext, uc); err != nil {
		return err
	}
	nr := *r
	fp := arch.DecodeRISCV64SigContext(uc[arch.RISCV64UCMContext:], &nr)
	if fc, ok := t.ctx.(platform.FPUContext); ok {
		if err := fc.SetFPState(fp); err != nil {
			return err
		}
	}
	*r = nr
	le := binary.LittleEndian
	mask := signals.Set(le.Uint64(uc[arch.RISCV64UCSigmask:])) &^ signals.Unblockable
	t.tg.mu.Lock()
	t.sigMask = mask
	t.tg.mu.Unlock()
	st := stackT{le.Uint64(uc[arch.RISCV64UCStack:]), le.Uint32(uc[arch.RISCV64UCStack+8:]), le.Uint64(uc[arch.RISCV64UCStack+16:])}
	_ = t.setAltStack(st, r.X[2])
	return nil
}
