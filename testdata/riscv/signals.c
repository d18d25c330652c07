/* riscv64 signal frames: a handler gets signo, siginfo and a ucontext
 * whose mcontext holds pc and the registers; changing the saved pc in a
 * SIGSEGV handler resumes elsewhere; FP registers and fcsr survive a
 * handler that clobbers them; a handler runs on the alternate stack;
 * the mask is restored by rt_sigreturn. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <fenv.h>

static volatile int got;
static volatile uintptr_t fault_addr;
static char altstack[65536];
static volatile int on_alt;

static void on_usr1(int sig, siginfo_t *si, void *ucv) {
	ucontext_t *uc = ucv;
	got = sig * 100 + (si->si_code == SI_TKILL ? 1 : 0);
	/* clobber FP state: the frame must restore it */
	volatile double x = 1.0;
	fesetround(FE_UPWARD);
	x = x / 3.0;
	(void)x;
	(void)uc;
	char here;
	on_alt = (&here >= altstack && &here < altstack + sizeof altstack);
}

static void on_segv(int sig, siginfo_t *si, void *ucv) {
	ucontext_t *uc = ucv;
	fault_addr = (uintptr_t)si->si_addr;
	/* skip the faulting 4-byte load (compiled as a non-compressed lw via asm) */
	uc->uc_mcontext.__gregs[REG_PC] += 4;
	uc->uc_mcontext.__gregs[10] = 1234; /* a0 */
}

int main(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGUSR1, &sa, 0);
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
	sigaltstack(&ss, 0);

	register double keep __asm__("fs0") = 2.5;
	__asm__ volatile("" : "+f"(keep));
	fesetround(FE_TOWARDZERO);
	raise(SIGUSR1);
	__asm__ volatile("" : "+f"(keep));
	printf("usr1 got=%d on_alt=%d fs0=%g round_rtz=%d\n", got, on_alt, keep, fegetround() == FE_TOWARDZERO);
	fesetround(FE_TONEAREST);

	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, 0);
	long a0;
	__asm__ volatile("li a0, 0\n\t.option push\n\t.option norvc\n\tlw a0, 0(%1)\n\t.option pop\n\tmv %0, a0"
			 : "=r"(a0) : "r"((long *)0x10) : "a0", "memory");
	printf("segv resumed a0=%ld addr=%#lx\n", a0, (unsigned long)fault_addr);

	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, 0);
	raise(SIGUSR1);
	sigprocmask(SIG_BLOCK, 0, &old);
	printf("mask kept usr2=%d usr1=%d\n", sigismember(&old, SIGUSR2), sigismember(&old, SIGUSR1));
	return 0;
}
