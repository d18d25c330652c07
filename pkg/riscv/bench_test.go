package riscv

import (
	"testing"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

// BenchmarkInterpreterMIPS runs a loop of loads, stores, ALU ops and a
// taken branch (7 instructions per iteration) and reports guest MIPS, with
// the translator (jit) and with the interpreter alone (interp).
func BenchmarkInterpreterMIPS(b *testing.B) {
	for _, jit := range []bool{true, false} {
		name := "interp"
		if jit {
			name = "jit"
		}
		b.Run(name, func(b *testing.B) { benchLoop(b, jit) })
	}
}

func benchLoop(b *testing.B, jit bool) {
	m := newMachine(&testing.T{})
	m.as.jit = jit
	const perIter = 7
	m.load(
		itype(0, 11, 3, 5, opLoad),  // ld t0, 0(a1)
		rtype(0, 13, 5, 0, 5, opOp), // add t0, t0, a3
		stype(0, 5, 11, 3, opStore), // sd t0, 0(a1)
		addi(13, 13, 1),             // addi a3, a3, 1
		rtype(0, 13, 5, 4, 6, opOp), // xor t1, t0, a3
		addi(12, 12, -1),            // addi a2, a2, -1
		btype(-24, 0, 12, 1),        // bnez a2, loop
	)
	const iters = 1 << 20
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var r arch.Regs
		r.RISCV64.X[11] = dataBase
		r.RISCV64.X[12] = iters
		for {
			ev := m.run(&r)
			if ev.Kind == platform.EventSyscall {
				break
			}
		}
	}
	b.ReportMetric(float64(b.N)*iters*perIter/b.Elapsed().Seconds()/1e6, "MIPS")
}
