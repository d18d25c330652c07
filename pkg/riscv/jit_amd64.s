#include "textflag.h"

// func jitEnter(code uintptr, c *cpu, mem uintptr) uint64
//
// Runs translated code at code with R15 = c (the cpu: registers at offset
// 0) and R14 = mem (the host address of the memory file). Translated code
// uses no stack of its own beyond this CALL's return address, touches no
// Go pointers, and returns with the exit reason in AX. R14 (g) and R15 are
// restored before returning to Go, and so is MXCSR, which translated FP
// code loads with each instruction's rounding mode.
TEXT ·jitEnter(SB), NOSPLIT, $24-32
	MOVQ R14, 0(SP)
	MOVQ R15, 8(SP)
	STMXCSR 16(SP)
	MOVQ code+0(FP), AX
	MOVQ c+8(FP), R15
	MOVQ mem+16(FP), R14
	CALL AX
	MOVQ 0(SP), R14
	MOVQ 8(SP), R15
	LDMXCSR 16(SP)
	MOVQ AX, ret+24(FP)
	RET
