package riscv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

// TestWriteProtectHoldsWhenMapFileReturns: a thread stores a counter over
// a page in a long run of stores without a branch while another goroutine
// takes write access away. Once MapFile returns, no store may land there
// (fork relies on it: the page is the child's too from then on), although
// the thread cached the page's translation as writable.
func TestWriteProtectHoldsWhenMapFileReturns(t *testing.T) {
	for _, jit := range []bool{false, true} {
		t.Run(fmt.Sprint("jit=", jit), func(t *testing.T) {
			m := newBareMachine(t, jit)
			rw, ro := platform.Perms{Read: true, Write: true}, platform.Perms{Read: true}
			if err := m.as.MapFile(dataBase, 0x1000, dataOff, rw); err != nil {
				t.Fatal(err)
			}
			// loop: addi t0,t0,1; sd t0,-2000(a1) ... sd t0,1992(a1); j loop
			const stores = 250
			code := []uint32{addi(5, 5, 1)}
			for k := 0; k < stores; k++ {
				code = append(code, stype(int32(-2000+8*k), 5, 11, 3, opStore))
			}
			code = append(code, jal(0, -4*int32(len(code))))
			for i, c := range code {
				binary.LittleEndian.PutUint32(m.data[codeOff+4*i:], c)
			}
			if err := m.as.MapFile(codeBase, 0x10000, codeOff, platform.Perms{Read: true, Execute: true}); err != nil {
				t.Fatal(err)
			}
			st, err := m.as.NewThread()
			if err != nil {
				t.Fatal(err)
			}
			ctx, err := st.Start()
			if err != nil {
				t.Fatal(err)
			}
			events := make(chan platform.Event)
			resume := make(chan bool)
			go func() {
				defer ctx.Release()
				r := arch.Regs{Arch: arch.RISCV64}
				r.RISCV64.PC = codeBase
				r.RISCV64.X[11] = dataBase + 2048
				for {
					ev, err := ctx.Switch(&r)
					if err != nil {
						t.Error(err)
						ev = platform.Event{Kind: -1}
					}
					events <- ev
					if !<-resume {
						return
					}
				}
			}()
			defer close(resume)
			page := m.data[dataOff : dataOff+0x1000]
			const rounds = 300
			for i := 0; i < rounds; i++ {
				// Let the thread get going, then write-protect.
				time.Sleep(time.Duration(i%4) * 10 * time.Microsecond)
				if err := m.as.MapFile(dataBase, 0x1000, dataOff, ro); err != nil {
					t.Fatal(err)
				}
				snap := append([]byte(nil), page...)
				ev := <-events
				if ev.Kind != platform.EventFault || ev.Addr < dataBase || ev.Addr >= dataBase+0x1000 {
					t.Fatalf("round %d: stopped with %+v, want a write fault on the data page", i, ev)
				}
				if !bytes.Equal(page, snap) {
					t.Fatalf("round %d: the page changed after MapFile took write access away", i)
				}
				if i == rounds-1 {
					break // the thread stays stopped; close(resume) ends it
				}
				if err := m.as.MapFile(dataBase, 0x1000, dataOff, rw); err != nil {
					t.Fatal(err)
				}
				resume <- true
			}
		})
	}
}
