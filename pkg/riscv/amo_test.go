package riscv

import (
	"encoding/binary"
	"sync"
	"testing"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

func btype(off int32, rs2, rs1, f3 uint32) uint32 {
	u := uint32(off)
	return (u>>12&1)<<31 | (u>>5&0x3f)<<25 | rs2<<20 | rs1<<15 | f3<<12 | (u>>1&0xf)<<8 | (u>>11&1)<<7 | 0x63
}

func amo(f5, rs2, rs1, f3, rd uint32) uint32 { return rtype(f5<<2|3, rs2, rs1, f3, rd, opAMO) } // aq|rl

// TestAtomicsAcrossThreads runs threads that increment one counter with
// amoadd.d and others with an lr.d/sc.d loop; no increment may be lost.
func TestAtomicsAcrossThreads(t *testing.T) {
	m := newMachine(t)
	const iters = 20000
	const threads = 4
	// amoadd thread at codeBase:        amoadd.d x0, a2, (a1); addi a3,a3,-1; bnez a3, -8; ecall
	// lr/sc thread at codeBase+0x100:   lr.d t0,(a1); addi t0,t0,1; sc.d t1,t0,(a1); bnez t1,-12;
	//                                   addi a3,a3,-1; bnez a3,-20; ecall
	put := func(off int, code ...uint32) {
		for i, c := range code {
			binary.LittleEndian.PutUint32(m.data[codeOff+off+4*i:], c)
		}
	}
	put(0, amo(0, 12, 11, 3, 0), addi(13, 13, -1), btype(-8, 0, 13, 1), insnEcall)
	put(0x100, amo(2, 0, 11, 3, 5), addi(5, 5, 1), amo(3, 5, 11, 3, 6), btype(-12, 0, 6, 1),
		addi(13, 13, -1), btype(-20, 0, 13, 1), insnEcall)
	// 32-bit AMOs on a second word: amoadd.w with a negative addend.
	put(0x200, amo(0, 12, 11, 2, 0), addi(13, 13, -1), btype(-8, 0, 13, 1), insnEcall)
	m.as.MapFile(codeBase, 0x10000, codeOff, platform.Perms{Read: true, Execute: true})

	var wg sync.WaitGroup
	for i := 0; i < threads; i++ {
		st, err := m.as.NewThread()
		if err != nil {
			t.Fatal(err)
		}
		ctx, err := st.Start()
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func(i int, ctx platform.Context) {
			defer wg.Done()
			defer ctx.Release()
			var r arch.Regs
			r.Arch = arch.RISCV64
			r.RISCV64.PC = codeBase + uint64(0x100*(i%3))
			r.RISCV64.X[11] = dataBase
			if i%3 == 2 {
				r.RISCV64.X[11] = dataBase + 8
				r.RISCV64.X[12] = ^uint64(0) // -1
			} else {
				r.RISCV64.X[12] = 1
			}
			r.RISCV64.X[13] = iters
			for {
				ev, err := ctx.Switch(&r)
				if err != nil {
					t.Error(err)
					return
				}
				if ev.Kind == platform.EventSyscall {
					return
				}
				if ev.Kind != platform.EventInterrupted {
					t.Errorf("thread %d: %+v at %#x", i, ev, r.RISCV64.PC)
					return
				}
			}
		}(i, ctx)
	}
	wg.Wait()
	got := binary.LittleEndian.Uint64(m.data[dataOff:])
	// threads 0,1,3 increment the 64-bit counter; thread 2 the 32-bit one.
	if got != 3*iters {
		t.Errorf("64-bit counter = %d, want %d", got, 3*iters)
	}
	if w := int32(binary.LittleEndian.Uint32(m.data[dataOff+8:])); w != -iters {
		t.Errorf("32-bit counter = %d, want %d", w, -iters)
	}
}

// TestUnmapInvalidatesDecodedCode rewrites code through a remap: the new
// instructions must run, not the decoded old ones.
func TestUnmapInvalidatesDecodedCode(t *testing.T) {
	m := newMachine(t)
	r := m.exec(nil, addi(10, 0, 1))
	if r.RISCV64.X[10] != 1 {
		t.Fatalf("a0 = %d", r.RISCV64.X[10])
	}
	binary.LittleEndian.PutUint32(m.data[codeOff:], addi(10, 0, 2))
	if err := m.as.Unmap(codeBase, 0x1000); err != nil {
		t.Fatal(err)
	}
	var regs arch.Regs
	if ev := m.run(&regs); ev.Kind != platform.EventFault || ev.Addr != codeBase {
		t.Fatalf("after unmap: %+v", ev)
	}
	m.as.MapFile(codeBase, 0x1000, codeOff, platform.Perms{Read: true, Execute: true})
	regs = arch.Regs{}
	if ev := m.run(&regs); ev.Kind != platform.EventSyscall || regs.RISCV64.X[10] != 2 {
		t.Fatalf("after remap: %+v a0=%d", ev, regs.RISCV64.X[10])
	}
}

// TestInterruptStopsALoop: a thread spinning in `j .` returns
// EventInterrupted when another goroutine interrupts it.
func TestInterruptStopsALoop(t *testing.T) {
	m := newMachine(t)
	m.load(0x0000006f) // jal x0, 0
	done := make(chan platform.Event)
	go func() {
		var r arch.Regs
		ev, _ := m.ctx.Switch(&arch.Regs{Arch: arch.RISCV64, RISCV64: arch.RISCV64Regs{PC: codeBase}})
		_ = r
		done <- ev
	}()
	m.ctx.Interrupt()
	if ev := <-done; ev.Kind != platform.EventInterrupted {
		t.Errorf("got %+v", ev)
	}
}

// TestFlushICacheRunsRewrittenCode: code rewritten in place runs after
// FlushICache (riscv_flush_icache), with no mapping change.
func TestFlushICacheRunsRewrittenCode(t *testing.T) {
	m := newMachine(t)
	if r := m.exec(nil, addi(10, 0, 1)); r.RISCV64.X[10] != 1 {
		t.Fatalf("a0 = %d", r.RISCV64.X[10])
	}
	binary.LittleEndian.PutUint32(m.data[codeOff:], addi(10, 0, 3))
	var r arch.Regs
	m.run(&r)
	if r.RISCV64.X[10] != 1 {
		t.Fatalf("decoded code was not cached: a0 = %d", r.RISCV64.X[10])
	}
	m.as.FlushICache()
	r = arch.Regs{}
	m.run(&r)
	if r.RISCV64.X[10] != 3 {
		t.Fatalf("after FlushICache a0 = %d, want 3", r.RISCV64.X[10])
	}
}
