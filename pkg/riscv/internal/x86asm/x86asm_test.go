package x86asm

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	names64 = [16]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}
	names32 = [16]string{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"}
	names16 = [16]string{"ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"}
	names8  = [16]string{"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"}
	condSfx = [16]string{"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"}
	aluName = map[AluOp]string{ADD: "add", OR: "or", AND: "and", SUB: "sub", XOR: "xor", CMP: "cmp"}
	shName  = map[ShiftOp]string{ROL: "rol", ROR: "ror", SHL: "shl", SHR: "shr", SAR: "sar"}
	allCond = []Cond{CondO, CondNO, CondB, CondAE, CondE, CondNE, CondBE, CondA, CondS, CondNS, CondP, CondNP, CondL, CondGE, CondLE, CondG}
)

func rn(r Reg, w64 bool) string {
	if w64 {
		return names64[r]
	}
	return names32[r]
}

func ptr(w64 bool) string {
	if w64 {
		return "QWORD PTR "
	}
	return "DWORD PTR "
}

// memText is objdump's Intel rendering of m.
func memText(m Mem) string {
	s := "[" + names64[m.Base]
	if m.Scale != 0 {
		s += fmt.Sprintf("+%s*%d", names64[m.Index], m.Scale)
	}
	switch {
	case m.Disp > 0:
		s += fmt.Sprintf("+0x%x", m.Disp)
	case m.Disp < 0:
		s += fmt.Sprintf("-0x%x", -int64(m.Disp))
	case m.Base&7 == RBP:
		s += "+0x0"
	}
	return s + "]"
}

// memLen is the length of ModRM + SIB + displacement for m.
func memLen(m Mem) int {
	n := 1
	if m.Scale != 0 || m.Base&7 == RSP {
		n++
	}
	switch {
	case m.Disp == 0 && m.Base&7 != RBP:
	case m.Disp >= -128 && m.Disp <= 127:
		n++
	default:
		n += 4
	}
	return n
}

type tcase struct {
	name string
	emit func(b *Buf)
	// want is the normalised objdump text; several instructions are joined
	// with "; ". "{N}" stands for the address of byte N of this case.
	want string
	// hex, if set, is the exact expected encoding.
	hex string
	// n, if set, is the exact expected length.
	n int
}

var (
	mR15  = Mem{Base: R15, Disp: 0x10}
	mRAX  = Mem{Base: RAX}
	mRSP  = Mem{Base: RSP}
	mR12  = Mem{Base: R12, Disp: 8}
	mRBP  = Mem{Base: RBP}
	mR13  = Mem{Base: R13}
	mIdx  = Mem{Base: RBX, Index: R9, Scale: 8, Disp: -0x200}
	mIdx2 = Mem{Base: R13, Index: R12, Scale: 2}
)

func handCases() []tcase {
	return []tcase{
		// Moves.
		{"MovRR64", func(b *Buf) { b.MovRR(RAX, RCX, true) }, "mov rax,rcx", "4889c8", 0},
		{"MovRR32", func(b *Buf) { b.MovRR(RAX, RCX, false) }, "mov eax,ecx", "89c8", 0},
		{"MovRRext", func(b *Buf) { b.MovRR(R8, R15, true) }, "mov r8,r15", "4d89f8", 0},
		{"MovRRext32", func(b *Buf) { b.MovRR(RSP, R9, false) }, "mov esp,r9d", "4489cc", 0},
		{"MovRI0", func(b *Buf) { b.MovRI(RAX, 0) }, "mov eax,0x0", "b800000000", 0},
		{"MovRIu32", func(b *Buf) { b.MovRI(R10, 0xFFFFFFFF) }, "mov r10d,0xffffffff", "41baffffffff", 0},
		{"MovRIneg", func(b *Buf) { b.MovRI(RCX, -1) }, "mov rcx,0xffffffffffffffff", "48c7c1ffffffff", 0},
		{"MovRIminI32", func(b *Buf) { b.MovRI(R11, -0x80000000) }, "mov r11,0xffffffff80000000", "49c7c300000080", 0},
		{"MovRIabs", func(b *Buf) { b.MovRI(RDX, 0x100000000) }, "movabs rdx,0x100000000", "48ba0000000001000000", 0},
		{"MovRIabsNeg", func(b *Buf) { b.MovRI(R15, -0x80000001) }, "movabs r15,0xffffffff7fffffff", "49bfffffff7fffffffff", 0},
		{"MovRM", func(b *Buf) { b.MovRM(RAX, mR15, true) }, "mov rax,QWORD PTR [r15+0x10]", "498b4710", 0},
		{"MovRM32", func(b *Buf) { b.MovRM(R9, mRAX, false) }, "mov r9d,DWORD PTR [rax]", "448b08", 0},
		{"MovRMrsp", func(b *Buf) { b.MovRM(RCX, mRSP, true) }, "mov rcx,QWORD PTR [rsp]", "488b0c24", 0},
		{"MovRMr12", func(b *Buf) { b.MovRM(RCX, mR12, true) }, "mov rcx,QWORD PTR [r12+0x8]", "498b4c2408", 0},
		{"MovRMrbp", func(b *Buf) { b.MovRM(RDX, mRBP, true) }, "mov rdx,QWORD PTR [rbp+0x0]", "488b5500", 0},
		{"MovRMr13", func(b *Buf) { b.MovRM(RDX, mR13, false) }, "mov edx,DWORD PTR [r13+0x0]", "418b5500", 0},
		{"MovRMidx", func(b *Buf) { b.MovRM(R14, mIdx, true) }, "mov r14,QWORD PTR [rbx+r9*8-0x200]", "4e8bb4cb00feffff", 0},
		{"MovRMidx2", func(b *Buf) { b.MovRM(RSI, mIdx2, true) }, "mov rsi,QWORD PTR [r13+r12*2+0x0]", "4b8b746500", 0},
		{"MovRMdisp32", func(b *Buf) { b.MovRM(RAX, Mem{Base: RDI, Disp: 128}, true) }, "mov rax,QWORD PTR [rdi+0x80]", "488b8780000000", 0},
		{"MovRMdisp8neg", func(b *Buf) { b.MovRM(RAX, Mem{Base: RDI, Disp: -128}, true) }, "mov rax,QWORD PTR [rdi-0x80]", "488b4780", 0},
		{"MovMR", func(b *Buf) { b.MovMR(mR15, R8, true) }, "mov QWORD PTR [r15+0x10],r8", "4d894710", 0},
		{"MovMR32", func(b *Buf) { b.MovMR(mRSP, RBP, false) }, "mov DWORD PTR [rsp],ebp", "892c24", 0},
		{"MovMI32", func(b *Buf) { b.MovMI(mRAX, 1, false) }, "mov DWORD PTR [rax],0x1", "c70001000000", 0},
		{"MovMI64", func(b *Buf) { b.MovMI(mR12, -1, true) }, "mov QWORD PTR [r12+0x8],0xffffffffffffffff", "49c7442408ffffffff", 0},

		// SSE.
		{"AddsdRR", func(b *Buf) { b.SseRR(ADDS, X0, X1, true) }, "addsd xmm0,xmm1", "f20f58c1", 0},
		{"SubssRR", func(b *Buf) { b.SseRR(SUBS, X1, X2, false) }, "subss xmm1,xmm2", "f30f5cca", 0},
		{"MulsdRM", func(b *Buf) { b.SseRM(MULS, X0, mR15, true) }, "mulsd xmm0,QWORD PTR [r15+0x10]", "", 0},
		{"DivssRM", func(b *Buf) { b.SseRM(DIVS, X2, mIdx, false) }, "divss xmm2,DWORD PTR [rbx+r9*8-0x200]", "", 0},
		{"Sqrtsd", func(b *Buf) { b.SseRR(SQRT, X0, X0, true) }, "sqrtsd xmm0,xmm0", "", 0},
		{"Cvtsd2ss", func(b *Buf) { b.SseRR(CVTS, X0, X1, true) }, "cvtsd2ss xmm0,xmm1", "", 0},
		{"Cvtss2sd", func(b *Buf) { b.SseRR(CVTS, X0, X1, false) }, "cvtss2sd xmm0,xmm1", "", 0},
		{"MovsdXM", func(b *Buf) { b.MovsXM(X1, mR12, true) }, "movsd xmm1,QWORD PTR [r12+0x8]", "", 0},
		{"MovssXM", func(b *Buf) { b.MovsXM(X1, mR12, false) }, "movss xmm1,DWORD PTR [r12+0x8]", "", 0},
		{"MovqXR", func(b *Buf) { b.MovqXR(X1, R8, true) }, "movq xmm1,r8", "", 0},
		{"MovdXR", func(b *Buf) { b.MovqXR(X0, RAX, false) }, "movd xmm0,eax", "660f6ec0", 0},
		{"MovqRX", func(b *Buf) { b.MovqRX(RCX, X2, true) }, "movq rcx,xmm2", "", 0},
		{"MovdRX", func(b *Buf) { b.MovqRX(R9, X0, false) }, "movd r9d,xmm0", "", 0},
		{"Ucomisd", func(b *Buf) { b.Ucomis(X0, X1, true) }, "ucomisd xmm0,xmm1", "660f2ec1", 0},
		{"Ucomiss", func(b *Buf) { b.Ucomis(X1, X0, false) }, "ucomiss xmm1,xmm0", "0f2ec8", 0},
		{"Comisd", func(b *Buf) { b.Comis(X0, X1, true) }, "comisd xmm0,xmm1", "", 0},
		{"Comiss", func(b *Buf) { b.Comis(X2, X1, false) }, "comiss xmm2,xmm1", "", 0},
		{"Cvtsi2sd64", func(b *Buf) { b.Cvtsi2s(X0, RAX, true, true) }, "cvtsi2sd xmm0,rax", "f2480f2ac0", 0},
		{"Cvtsi2ss64", func(b *Buf) { b.Cvtsi2s(X1, R8, false, true) }, "cvtsi2ss xmm1,r8", "", 0},
		{"Cvtsd2si64", func(b *Buf) { b.Cvts2si(RAX, X0, true, true) }, "cvtsd2si rax,xmm0", "f2480f2dc0", 0},
		{"Cvtss2si64", func(b *Buf) { b.Cvts2si(R9, X1, false, true) }, "cvtss2si r9,xmm1", "", 0},
		{"Cvttsd2si64", func(b *Buf) { b.Cvtts2si(RAX, X1, true, true) }, "cvttsd2si rax,xmm1", "f2480f2cc1", 0},
		{"Ldmxcsr", func(b *Buf) { b.Ldmxcsr(Mem{Base: R15, Index: RAX, Scale: 4, Disp: 0x1000}) }, "ldmxcsr DWORD PTR [r15+rax*4+0x1000]", "", 0},
		{"Stmxcsr", func(b *Buf) { b.Stmxcsr(mR15) }, "stmxcsr DWORD PTR [r15+0x10]", "", 0},

		{"Vfmadd213sd", func(b *Buf) { b.Vfma(VFMADD213, X0, X1, X2, true) }, "vfmadd213sd xmm0,xmm1,xmm2", "c4e2f1a9c2", 0},
		{"Vfmsub213ss", func(b *Buf) { b.Vfma(VFMSUB213, X0, X1, X2, false) }, "vfmsub213ss xmm0,xmm1,xmm2", "", 0},
		{"Vfnmadd213sd", func(b *Buf) { b.Vfma(VFNMADD213, X2, X0, X1, true) }, "vfnmadd213sd xmm2,xmm0,xmm1", "", 0},
		{"Vfnmsub213ss", func(b *Buf) { b.Vfma(VFNMSUB213, 9, 12, 10, false) }, "vfnmsub213ss xmm9,xmm12,xmm10", "", 0},

		// Loads.
		{"LoadU8", func(b *Buf) { b.Load(RAX, mR15, 1, false) }, "movzx eax,BYTE PTR [r15+0x10]", "410fb64710", 0},
		{"LoadS8", func(b *Buf) { b.Load(R9, mRAX, 1, true) }, "movsx r9,BYTE PTR [rax]", "4c0fbe08", 0},
		{"LoadU16", func(b *Buf) { b.Load(RSI, mRSP, 2, false) }, "movzx esi,WORD PTR [rsp]", "0fb73424", 0},
		{"LoadS16", func(b *Buf) { b.Load(RDI, mRBP, 2, true) }, "movsx rdi,WORD PTR [rbp+0x0]", "480fbf7d00", 0},
		{"LoadU32", func(b *Buf) { b.Load(R12, mIdx, 4, false) }, "mov r12d,DWORD PTR [rbx+r9*8-0x200]", "", 0},
		{"LoadS32", func(b *Buf) { b.Load(RCX, mR13, 4, true) }, "movsxd rcx,DWORD PTR [r13+0x0]", "49634d00", 0},
		{"LoadU64", func(b *Buf) { b.Load(RCX, mR12, 8, false) }, "mov rcx,QWORD PTR [r12+0x8]", "", 0},
		{"LoadS64", func(b *Buf) { b.Load(RCX, mR12, 8, true) }, "mov rcx,QWORD PTR [r12+0x8]", "", 0},

		// Stores.
		{"Store1al", func(b *Buf) { b.Store(mRAX, RAX, 1) }, "mov BYTE PTR [rax],al", "8800", 0},
		{"Store1sil", func(b *Buf) { b.Store(mRAX, RSI, 1) }, "mov BYTE PTR [rax],sil", "408830", 0},
		{"Store1r8b", func(b *Buf) { b.Store(mR15, R8, 1) }, "mov BYTE PTR [r15+0x10],r8b", "45884710", 0},
		{"Store2", func(b *Buf) { b.Store(mR15, RDX, 2) }, "mov WORD PTR [r15+0x10],dx", "6641895710", 0},
		{"Store2ext", func(b *Buf) { b.Store(mIdx2, R11, 2) }, "mov WORD PTR [r13+r12*2+0x0],r11w", "6647895c6500", 0},
		{"Store4", func(b *Buf) { b.Store(mRSP, R10, 4) }, "mov DWORD PTR [rsp],r10d", "44891424", 0},
		{"Store8", func(b *Buf) { b.Store(mRBP, RAX, 8) }, "mov QWORD PTR [rbp+0x0],rax", "48894500", 0},

		// Lea.
		{"Lea64", func(b *Buf) { b.Lea(RAX, mIdx, true) }, "lea rax,[rbx+r9*8-0x200]", "", 0},
		{"Lea32", func(b *Buf) { b.Lea(R8, Mem{Base: RAX, Index: RCX, Scale: 1, Disp: 1}, false) }, "lea r8d,[rax+rcx*1+0x1]", "448d440801", 0},

		// ALU.
		{"AluRRadd", func(b *Buf) { b.AluRR(ADD, RAX, RCX, true) }, "add rax,rcx", "4801c8", 0},
		{"AluRRsub32", func(b *Buf) { b.AluRR(SUB, R8, RDX, false) }, "sub r8d,edx", "4129d0", 0},
		{"AluRIimm8", func(b *Buf) { b.AluRI(ADD, RAX, 0x10, true) }, "add rax,0x10", "4883c010", 0},
		{"AluRIimm8neg", func(b *Buf) { b.AluRI(SUB, R9, -1, false) }, "sub r9d,0xffffffff", "4183e9ff", 0},
		{"AluRIimm32", func(b *Buf) { b.AluRI(AND, RSP, 0x80, true) }, "and rsp,0x80", "4881e480000000", 0},
		{"AluRIimm32neg", func(b *Buf) { b.AluRI(CMP, R15, -129, true) }, "cmp r15,0xffffffffffffff7f", "4981ff7fffffff", 0},
		{"AluRM", func(b *Buf) { b.AluRM(XOR, RAX, mR15, true) }, "xor rax,QWORD PTR [r15+0x10]", "49334710", 0},
		{"AluRM32", func(b *Buf) { b.AluRM(OR, R12, mRSP, false) }, "or r12d,DWORD PTR [rsp]", "440b2424", 0},
		{"AluMR", func(b *Buf) { b.AluMR(ADD, mR13, RBX, true) }, "add QWORD PTR [r13+0x0],rbx", "49015d00", 0},
		{"AluMR32", func(b *Buf) { b.AluMR(CMP, mRAX, R14, false) }, "cmp DWORD PTR [rax],r14d", "443930", 0},
		{"AluMIimm8", func(b *Buf) { b.AluMI(SUB, mR15, 1, true) }, "sub QWORD PTR [r15+0x10],0x1", "49836f1001", 0},
		{"AluMIimm32", func(b *Buf) { b.AluMI(AND, mRSP, 0x1000, false) }, "and DWORD PTR [rsp],0x1000", "81242400100000", 0},
		{"TestRR", func(b *Buf) { b.TestRR(RAX, R8, true) }, "test rax,r8", "4c85c0", 0},
		{"TestRR32", func(b *Buf) { b.TestRR(R11, RSI, false) }, "test r11d,esi", "4185f3", 0},
		{"TestRI", func(b *Buf) { b.TestRI(RCX, 1, true) }, "test rcx,0x1", "48f7c101000000", 0},
		{"TestRI32", func(b *Buf) { b.TestRI(R12, -1, false) }, "test r12d,0xffffffff", "41f7c4ffffffff", 0},
		{"ShiftRI", func(b *Buf) { b.ShiftRI(SHL, RAX, 3, true) }, "shl rax,0x3", "48c1e003", 0},
		{"ShiftRI32", func(b *Buf) { b.ShiftRI(SAR, R13, 31, false) }, "sar r13d,0x1f", "41c1fd1f", 0},
		{"ShiftRI1", func(b *Buf) { b.ShiftRI(ROR, RBX, 1, true) }, "ror rbx,0x1", "48c1cb01", 0},
		{"ShiftRCL", func(b *Buf) { b.ShiftRCL(SHR, R8, true) }, "shr r8,cl", "49d3e8", 0},
		{"ShiftRCL32", func(b *Buf) { b.ShiftRCL(ROL, RDI, false) }, "rol edi,cl", "d3c7", 0},
		{"Imul", func(b *Buf) { b.Imul(RAX, R9, true) }, "imul rax,r9", "490fafc1", 0},
		{"Imul32", func(b *Buf) { b.Imul(R10, RCX, false) }, "imul r10d,ecx", "440fafd1", 0},
		{"Mul1u", func(b *Buf) { b.Mul1(RCX, false) }, "mul rcx", "48f7e1", 0},
		{"Mul1s", func(b *Buf) { b.Mul1(R11, true) }, "imul r11", "49f7eb", 0},
		{"Div1u", func(b *Buf) { b.Div1(RCX, false, true) }, "div rcx", "48f7f1", 0},
		{"Div1s", func(b *Buf) { b.Div1(R11, true, true) }, "idiv r11", "49f7fb", 0},
		{"Div1u32", func(b *Buf) { b.Div1(RCX, false, false) }, "div ecx", "f7f1", 0},
		{"Div1s32", func(b *Buf) { b.Div1(R9, true, false) }, "idiv r9d", "41f7f9", 0},
		{"Cqo", func(b *Buf) { b.Cqo() }, "cqo", "4899", 0},
		{"Cdq", func(b *Buf) { b.Cdq() }, "cdq", "99", 0},
		{"LockXadd", func(b *Buf) { b.LockXadd(Mem{Base: R14, Index: RAX, Scale: 1}, RCX, true) }, "lock xadd QWORD PTR [r14+rax*1],rcx", "f0490fc10c06", 0},
		{"LockXadd32", func(b *Buf) { b.LockXadd(mR15, R9, false) }, "lock xadd DWORD PTR [r15+0x10],r9d", "f0450fc14f10", 0},
		{"Xchg", func(b *Buf) { b.Xchg(Mem{Base: R14, Index: RAX, Scale: 1}, RCX, true) }, "xchg QWORD PTR [r14+rax*1],rcx", "49870c06", 0},
		{"Xchg32", func(b *Buf) { b.Xchg(mRAX, RDX, false) }, "xchg DWORD PTR [rax],edx", "8710", 0},
		{"LockCmpxchg", func(b *Buf) { b.LockCmpxchg(Mem{Base: R14, Index: RDX, Scale: 1}, RCX, true) }, "lock cmpxchg QWORD PTR [r14+rdx*1],rcx", "f0490fb10c16", 0},
		{"LockCmpxchg32", func(b *Buf) { b.LockCmpxchg(mR12, R8, false) }, "lock cmpxchg DWORD PTR [r12+0x8],r8d", "f0450fb1442408", 0},
		{"Neg", func(b *Buf) { b.Neg(RDX, true) }, "neg rdx", "48f7da", 0},
		{"Neg32", func(b *Buf) { b.Neg(R14, false) }, "neg r14d", "41f7de", 0},
		{"Not", func(b *Buf) { b.Not(R9, true) }, "not r9", "49f7d1", 0},
		{"Not32", func(b *Buf) { b.Not(RAX, false) }, "not eax", "f7d0", 0},
		{"Setcc", func(b *Buf) { b.Setcc(CondE, RAX) }, "sete al", "0f94c0", 0},
		{"SetccDil", func(b *Buf) { b.Setcc(CondL, RDI) }, "setl dil", "400f9cc7", 0},
		{"SetccR9", func(b *Buf) { b.Setcc(CondA, R9) }, "seta r9b", "410f97c1", 0},
		{"Cmov", func(b *Buf) { b.Cmov(CondNE, RAX, R10, true) }, "cmovne rax,r10", "490f45c2", 0},
		{"Cmov32", func(b *Buf) { b.Cmov(CondB, R8, RBX, false) }, "cmovb r8d,ebx", "440f42c3", 0},
		{"Bswap", func(b *Buf) { b.Bswap(RAX, true) }, "bswap rax", "480fc8", 0},
		{"Bswap32", func(b *Buf) { b.Bswap(R12, false) }, "bswap r12d", "410fcc", 0},
		{"BswapR15", func(b *Buf) { b.Bswap(R15, true) }, "bswap r15", "490fcf", 0},
		{"Lzcnt", func(b *Buf) { b.Lzcnt(RAX, R8, true) }, "lzcnt rax,r8", "f3490fbdc0", 0},
		{"Lzcnt32", func(b *Buf) { b.Lzcnt(RCX, RDX, false) }, "lzcnt ecx,edx", "f30fbdca", 0},
		{"Tzcnt", func(b *Buf) { b.Tzcnt(R11, RSP, true) }, "tzcnt r11,rsp", "f34c0fbcdc", 0},
		{"Tzcnt32", func(b *Buf) { b.Tzcnt(RSI, R13, false) }, "tzcnt esi,r13d", "f3410fbcf5", 0},
		{"Popcnt", func(b *Buf) { b.Popcnt(RBP, RBX, true) }, "popcnt rbp,rbx", "f3480fb8eb", 0},
		{"Popcnt32", func(b *Buf) { b.Popcnt(R15, R14, false) }, "popcnt r15d,r14d", "f3450fb8fe", 0},

		// Control flow.
		{"JccUnpatched", func(b *Buf) {
			if at := b.Jcc(CondE); at != 2 {
				panic(fmt.Sprint("Jcc at ", at))
			}
		}, "je {6}", "0f8400000000", 0},
		{"JccForward", func(b *Buf) {
			at := b.Jcc(CondNE)
			b.Ret()
			b.Ret()
			b.Patch(at, b.Len()-1)
		}, "jne {7}; ret; ret", "0f8501000000c3c3", 0},
		{"JccBackward", func(b *Buf) {
			b.Ret()
			b.Patch(b.Jcc(CondGE), 0)
		}, "ret; jge {0}", "c30f8df9ffffff", 0},
		{"JmpUnpatched", func(b *Buf) {
			if at := b.Jmp(); at != 1 {
				panic(fmt.Sprint("Jmp at ", at))
			}
		}, "jmp {5}", "e900000000", 0},
		{"JmpSelf", func(b *Buf) {
			b.Ret()
			at := b.Jmp()
			b.Patch(at, at-1)
		}, "ret; jmp {1}", "c3e9fbffffff", 0},
		{"JmpR", func(b *Buf) { b.JmpR(RAX) }, "jmp rax", "ffe0", 0},
		{"JmpRext", func(b *Buf) { b.JmpR(R11) }, "jmp r11", "41ffe3", 0},
		{"JmpM", func(b *Buf) { b.JmpM(mR15) }, "jmp QWORD PTR [r15+0x10]", "41ff6710", 0},
		{"JmpMidx", func(b *Buf) { b.JmpM(Mem{Base: RAX, Index: RCX, Scale: 8}) }, "jmp QWORD PTR [rax+rcx*8]", "ff24c8", 0},
		{"Ret", func(b *Buf) { b.Ret() }, "ret", "c3", 0},
		{"Mfence", func(b *Buf) { b.Mfence() }, "mfence", "0faef0", 0},
	}
}

// genCases builds cross products over registers, memory forms and
// conditions; their text is computed, and their length checked.
func genCases() []tcase {
	var cs []tcase
	disps := []int32{0, 1, -1, 127, -128, 128, -129, 0x12345678, -0x80000000}
	for base := RAX; base <= R15; base++ {
		for di, d := range disps {
			for idx := Reg(0); idx <= 16; idx++ {
				if idx == RSP {
					continue
				}
				m := Mem{Base: base, Disp: d}
				if idx < 16 {
					m.Index, m.Scale = idx, uint8(1)<<((int(base)+di+int(idx))%4)
				}
				dst := Reg((int(base)*7 + di*3 + int(idx)) % 16)
				w64 := (int(base)+di+int(idx))%2 == 0
				n := 1 + memLen(m)
				if w64 || dst >= R8 || base >= R8 || m.Scale != 0 && idx >= R8 {
					n++
				}
				cs = append(cs, tcase{
					name: fmt.Sprintf("mem %+v dst=%d w64=%v", m, dst, w64),
					emit: func(b *Buf) { b.MovRM(dst, m, w64) },
					want: fmt.Sprintf("mov %s,%s%s", rn(dst, w64), ptr(w64), memText(m)),
					n:    n,
				})
			}
		}
	}
	for r := RAX; r <= R15; r++ {
		for s := RAX; s <= R15; s++ {
			w64 := (r+s)%2 == 0
			cs = append(cs,
				tcase{name: "MovRR", emit: func(b *Buf) { b.MovRR(r, s, w64) }, want: fmt.Sprintf("mov %s,%s", rn(r, w64), rn(s, w64))},
				tcase{name: "Movx1u", emit: func(b *Buf) { b.Movx(r, s, 1, false) }, want: fmt.Sprintf("movzx %s,%s", names32[r], names8[s])},
				tcase{name: "Movx1s", emit: func(b *Buf) { b.Movx(r, s, 1, true) }, want: fmt.Sprintf("movsx %s,%s", names64[r], names8[s])},
				tcase{name: "Movx2u", emit: func(b *Buf) { b.Movx(r, s, 2, false) }, want: fmt.Sprintf("movzx %s,%s", names32[r], names16[s])},
				tcase{name: "Movx2s", emit: func(b *Buf) { b.Movx(r, s, 2, true) }, want: fmt.Sprintf("movsx %s,%s", names64[r], names16[s])},
				tcase{name: "Movx4u", emit: func(b *Buf) { b.Movx(r, s, 4, false) }, want: fmt.Sprintf("mov %s,%s", names32[r], names32[s])},
				tcase{name: "Movx4s", emit: func(b *Buf) { b.Movx(r, s, 4, true) }, want: fmt.Sprintf("movsxd %s,%s", names64[r], names32[s])},
				tcase{name: "Movx8", emit: func(b *Buf) { b.Movx(r, s, 8, false) }, want: fmt.Sprintf("mov %s,%s", names64[r], names64[s])},
			)
		}
		// Byte stores and zero-extending byte loads with every register.
		cs = append(cs,
			tcase{name: "Store1", emit: func(b *Buf) { b.Store(Mem{Base: r}, r, 1) }, want: fmt.Sprintf("mov BYTE PTR %s,%s", memText(Mem{Base: r}), names8[r])},
			tcase{name: "Load1", emit: func(b *Buf) { b.Load(r, Mem{Base: 15 - r}, 1, false) }, want: fmt.Sprintf("movzx %s,BYTE PTR %s", names32[r], memText(Mem{Base: 15 - r}))},
			tcase{name: "MovRI", emit: func(b *Buf) { b.MovRI(r, int64(r)) }, want: fmt.Sprintf("mov %s,0x%x", names32[r], int(r))},
			tcase{name: "MovRIneg", emit: func(b *Buf) { b.MovRI(r, -2) }, want: fmt.Sprintf("mov %s,0xfffffffffffffffe", names64[r])},
			tcase{name: "MovRIabs", emit: func(b *Buf) { b.MovRI(r, 0x1122334455667788) }, want: fmt.Sprintf("movabs %s,0x1122334455667788", names64[r])},
			tcase{name: "Bswap", emit: func(b *Buf) { b.Bswap(r, true) }, want: "bswap " + names64[r]},
			tcase{name: "JmpR", emit: func(b *Buf) { b.JmpR(r) }, want: "jmp " + names64[r]},
		)
		for _, c := range allCond {
			cs = append(cs,
				tcase{name: "Setcc", emit: func(b *Buf) { b.Setcc(c, r) }, want: fmt.Sprintf("set%s %s", condSfx[c], names8[r])},
				tcase{name: "Cmov", emit: func(b *Buf) { b.Cmov(c, r, 15-r, true) }, want: fmt.Sprintf("cmov%s %s,%s", condSfx[c], names64[r], names64[15-r])},
			)
		}
	}
	for _, c := range allCond {
		cs = append(cs, tcase{name: "Jcc", emit: func(b *Buf) { b.Jcc(c) }, want: fmt.Sprintf("j%s {6}", condSfx[c])})
	}
	for op, name := range aluName {
		for _, w64 := range []bool{false, true} {
			cs = append(cs,
				tcase{name: "AluRR", emit: func(b *Buf) { b.AluRR(op, R9, RDX, w64) }, want: fmt.Sprintf("%s %s,%s", name, rn(R9, w64), rn(RDX, w64))},
				tcase{name: "AluRI8", emit: func(b *Buf) { b.AluRI(op, RSI, 127, w64) }, want: fmt.Sprintf("%s %s,0x7f", name, rn(RSI, w64)), n: 3 + w(w64)},
				tcase{name: "AluRI32", emit: func(b *Buf) { b.AluRI(op, RSI, 0x12345, w64) }, want: fmt.Sprintf("%s %s,0x12345", name, rn(RSI, w64)), n: 6 + w(w64)},
				tcase{name: "AluRM", emit: func(b *Buf) { b.AluRM(op, R12, mR12, w64) }, want: fmt.Sprintf("%s %s,%s[r12+0x8]", name, rn(R12, w64), ptr(w64))},
				tcase{name: "AluMR", emit: func(b *Buf) { b.AluMR(op, mRBP, RCX, w64) }, want: fmt.Sprintf("%s %s[rbp+0x0],%s", name, ptr(w64), rn(RCX, w64))},
				tcase{name: "AluMI8", emit: func(b *Buf) { b.AluMI(op, mIdx, -128, w64) }, want: fmt.Sprintf("%s %s[rbx+r9*8-0x200],0x%x", name, ptr(w64), negHex(-128, w64))},
				tcase{name: "AluMI32", emit: func(b *Buf) { b.AluMI(op, mIdx, -129, w64) }, want: fmt.Sprintf("%s %s[rbx+r9*8-0x200],0x%x", name, ptr(w64), negHex(-129, w64))},
			)
		}
	}
	for op, name := range shName {
		for _, w64 := range []bool{false, true} {
			cs = append(cs,
				tcase{name: "ShiftRI", emit: func(b *Buf) { b.ShiftRI(op, R10, 63, w64) }, want: fmt.Sprintf("%s %s,0x3f", name, rn(R10, w64))},
				tcase{name: "ShiftRCL", emit: func(b *Buf) { b.ShiftRCL(op, RBX, w64) }, want: fmt.Sprintf("%s %s,cl", name, rn(RBX, w64))},
			)
		}
	}
	return cs
}

func negHex(v int64, w64 bool) uint64 {
	if w64 {
		return uint64(v)
	}
	return uint64(uint32(v))
}

type insn struct {
	addr int
	n    int
	hex  string
	text string
}

var lineRE = regexp.MustCompile(`^\s*([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$`)

// disasm runs objdump over code and returns its instructions in order.
func disasm(t *testing.T, code []byte) []insn {
	t.Helper()
	objdump, err := exec.LookPath("objdump")
	if err != nil {
		t.Fatalf("GNU objdump (binutils) is required to check encodings: %v", err)
	}
	f := filepath.Join(t.TempDir(), "code.bin")
	if err := os.WriteFile(f, code, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(objdump, "-D", "-b", "binary", "-m", "i386:x86-64", "-M", "intel", "--insn-width=16", f).CombinedOutput()
	if err != nil {
		t.Fatalf("objdump: %v\n%s", err, out)
	}
	var ins []insn
	for _, line := range strings.Split(string(out), "\n") {
		m := lineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		addr, err := strconv.ParseUint(m[1], 16, 64)
		if err != nil {
			t.Fatalf("bad objdump line %q", line)
		}
		h := strings.ReplaceAll(strings.TrimSpace(m[2]), " ", "")
		text := regexp.MustCompile(`\s*<[^>]*>\s*$`).ReplaceAllString(m[3], "")
		ins = append(ins, insn{int(addr), len(h) / 2, h, strings.Join(strings.Fields(text), " ")})
	}
	return ins
}

var placeholderRE = regexp.MustCompile(`\{(\d+)\}`)

func TestEncodings(t *testing.T) {
	cases := append(handCases(), genCases()...)
	var code []byte
	starts := make([]int, len(cases)+1)
	for i, c := range cases {
		starts[i] = len(code)
		var b Buf // each case has its own buffer, so offsets are relative to it
		c.emit(&b)
		code = append(code, b.B...)
		if len(code) == starts[i] {
			t.Fatalf("%s: emitted nothing", c.name)
		}
	}
	starts[len(cases)] = len(code)

	ins := disasm(t, code)
	j := 0
	for i, c := range cases {
		s, e := starts[i], starts[i+1]
		for j < len(ins) && ins[j].addr < s {
			j++
		}
		var texts []string
		var got []byte
		aligned := j < len(ins) && ins[j].addr == s
		for ; j < len(ins) && ins[j].addr < e; j++ {
			texts = append(texts, ins[j].text)
			if ins[j].addr+ins[j].n > e {
				aligned = false
			}
		}
		got = code[s:e]
		want := placeholderRE.ReplaceAllStringFunc(c.want, func(p string) string {
			n, _ := strconv.Atoi(p[1 : len(p)-1])
			return fmt.Sprintf("0x%x", s+n)
		})
		gotText := strings.Join(texts, "; ")
		if !aligned || gotText != want {
			t.Errorf("%s: bytes % x disassemble as %q (aligned=%v), want %q", c.name, got, gotText, aligned, want)
			continue
		}
		if c.hex != "" && hex.EncodeToString(got) != c.hex {
			t.Errorf("%s (%s): bytes %x, want %s", c.name, want, got, c.hex)
		}
		if c.n != 0 && len(got) != c.n {
			t.Errorf("%s (%s): %d bytes (% x), want %d", c.name, want, len(got), got, c.n)
		}
	}
	t.Logf("%d cases, %d bytes, %d instructions", len(cases), len(code), len(ins))
}

func TestCondInvert(t *testing.T) {
	pairs := [][2]Cond{{CondO, CondNO}, {CondB, CondAE}, {CondE, CondNE}, {CondBE, CondA}, {CondS, CondNS}, {CondL, CondGE}, {CondLE, CondG}}
	for _, p := range pairs {
		if p[0].Invert() != p[1] || p[1].Invert() != p[0] {
			t.Errorf("Invert(%#x) = %#x, Invert(%#x) = %#x", p[0], p[0].Invert(), p[1], p[1].Invert())
		}
	}
}

func TestPatchRel32(t *testing.T) {
	code := make([]byte, 64)
	var b Buf
	b.B = code[:16] // another buffer's view; the region is code
	at := b.Jmp()
	if at != 17 || &b.B[0] != &code[0] {
		t.Fatalf("Jmp at %d", at)
	}
	PatchRel32(code, at, 4)
	if want := []byte{0xE9, 0xEF, 0xFF, 0xFF, 0xFF}; !bytes.Equal(code[16:21], want) {
		t.Errorf("PatchRel32 backward: % x, want % x", code[16:21], want)
	}
	PatchRel32(code, at, 60)
	if want := []byte{0xE9, 0x27, 0, 0, 0}; !bytes.Equal(code[16:21], want) {
		t.Errorf("PatchRel32 forward: % x, want % x", code[16:21], want)
	}
	b.Patch(at, 0)
	if want := []byte{0xE9, 0xEB, 0xFF, 0xFF, 0xFF}; !bytes.Equal(code[16:21], want) {
		t.Errorf("Patch: % x, want % x", code[16:21], want)
	}
}

func emitAll(b *Buf) {
	m := Mem{Base: R12, Index: R13, Scale: 4, Disp: 0x1000}
	b.MovRR(RAX, R9, true)
	b.MovRI(R8, 0x123456789)
	b.MovRI(R8, -5)
	b.MovRI(R8, 5)
	b.MovRM(RSI, m, true)
	b.MovMR(m, RDI, false)
	b.MovMI(m, 7, true)
	b.Load(RAX, m, 1, true)
	b.Store(m, RSI, 1)
	b.Store(m, RSI, 2)
	b.Lea(RDX, m, true)
	b.Movx(RAX, RDI, 1, false)
	b.AluRR(XOR, RAX, RAX, false)
	b.AluRI(ADD, RAX, 1000, true)
	b.AluRM(SUB, RAX, m, true)
	b.AluMR(OR, m, RAX, true)
	b.AluMI(CMP, m, 1, true)
	b.TestRR(RAX, RAX, true)
	b.TestRI(RAX, 1, true)
	b.ShiftRI(SAR, RAX, 3, true)
	b.ShiftRCL(SHL, RAX, true)
	b.Imul(RAX, RCX, true)
	b.Mul1(RCX, true)
	b.Div1(RCX, true, true)
	b.Cqo()
	b.Cdq()
	b.LockXadd(m, RAX, true)
	b.Xchg(m, RAX, true)
	b.LockCmpxchg(m, RCX, true)
	b.Neg(RAX, true)
	b.Not(RAX, true)
	b.Setcc(CondE, RSI)
	b.Cmov(CondG, RAX, RCX, true)
	b.Bswap(RAX, true)
	b.Lzcnt(RAX, RCX, true)
	b.Tzcnt(RAX, RCX, true)
	b.Popcnt(RAX, RCX, true)
	b.Patch(b.Jcc(CondE), 0)
	b.Patch(b.Jmp(), 0)
	b.JmpR(RAX)
	b.JmpM(m)
	b.Ret()
}

func TestAppendInPlace(t *testing.T) {
	backing := make([]byte, 8, 4096)
	for i := range backing {
		backing[i] = 0xAA
	}
	b := Buf{B: backing[:3]}
	emitAll(&b)
	if &b.B[0] != &backing[0] || cap(b.B) != cap(backing) {
		t.Fatalf("Buf reallocated although B had spare capacity")
	}
	if b.Len() <= 3 || b.B[0] != 0xAA {
		t.Fatalf("Buf did not append after the existing bytes")
	}
	if n := testing.AllocsPerRun(100, func() {
		b.B = backing[:0]
		emitAll(&b)
	}); n != 0 {
		t.Errorf("emitting into a buffer with spare capacity allocated %v times per run", n)
	}
}

func TestPanics(t *testing.T) {
	cases := map[string]func(b *Buf){
		"index RSP":      func(b *Buf) { b.MovRM(RAX, Mem{Base: RAX, Index: RSP, Scale: 1}, true) },
		"scale 3":        func(b *Buf) { b.Lea(RAX, Mem{Base: RAX, Index: RCX, Scale: 3}, true) },
		"load size 3":    func(b *Buf) { b.Load(RAX, Mem{Base: RAX}, 3, false) },
		"store size 16":  func(b *Buf) { b.Store(Mem{Base: RAX}, RAX, 16) },
		"movx size 0":    func(b *Buf) { b.Movx(RAX, RCX, 0, true) },
		"register 16":    func(b *Buf) { b.MovRR(16, RAX, true) },
		"base 16":        func(b *Buf) { b.MovRM(RAX, Mem{Base: 16}, true) },
		"MovRI reg 16":   func(b *Buf) { b.MovRI(16, 1) },
		"Bswap reg 16":   func(b *Buf) { b.Bswap(16, true) },
		"rel32 overflow": func(b *Buf) { PatchRel32(make([]byte, 8), 0, 1<<40) },
	}
	for name, f := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f(&Buf{})
		}()
	}
	// An RSP index with Scale 0 is no index at all, and is fine.
	var b Buf
	b.MovRM(RAX, Mem{Base: RAX, Index: RSP}, true)
	if got := hex.EncodeToString(b.B); got != "488b00" {
		t.Errorf("Index RSP with Scale 0: %s, want 488b00", got)
	}
}
