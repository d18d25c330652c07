/* Faults become signals a handler can catch, with si_code and si_addr as
 * Linux gives them: NULL dereference and a write to read-only memory
 * (SIGSEGV), integer division by zero (SIGFPE), ud2 (SIGILL), int3
 * (SIGTRAP) and a misaligned access with EFLAGS.AC set (SIGBUS). Each handler leaves with siglongjmp. Then an uncaught
 * SIGSEGV ends the process with status 139 (checked by the test). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static void *volatile got_addr;

static void on_fault(int sig, siginfo_t *si, void *uc) {
	(void)uc;
	/* Alignment checking stays on in a handler: turn it off first. */
	__asm__ volatile("pushf\n\tandl $~0x40000, (%%rsp)\n\tpopf" ::: "memory");
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	siglongjmp(jb, 1);
}

static void fail(const char *what) {
	printf("FAIL %s (sig %d code %d addr %p)\n", what, got_sig, got_code, got_addr);
	exit(1);
}

#define EXPECT(stmt, sig, code, addr, name)                                     \
	do {                                                                      \
		got_sig = 0;                                                          \
		if (sigsetjmp(jb, 1) == 0) {                                          \
			stmt;                                                             \
			fail(name ": no signal");                                         \
		}                                                                     \
		if (got_sig != (sig) || got_code != (code) || ((addr) && got_addr != (addr))) \
			fail(name);                                                       \
		printf("%s: signal %d code %d\n", name, got_sig, got_code);           \
	} while (0)

int main(int argc, char **argv) {
	(void)argv;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	int sigs[] = {SIGSEGV, SIGFPE, SIGILL, SIGTRAP, SIGBUS};
	for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);

	volatile int *null = 0;
	EXPECT((void)*null, SIGSEGV, SEGV_MAPERR, (void *)0 + 1 - 1, "null dereference");
	if (got_addr != 0)
		fail("null si_addr");

	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(*(volatile char *)(ro + 8) = 1, SIGSEGV, SEGV_ACCERR, ro + 8, "write to read-only");

	EXPECT(__asm__ volatile("xor %%ecx, %%ecx\n\tmov $1, %%eax\n\tcltd\n\tidiv %%ecx" ::: "eax", "ecx", "edx"),
	       SIGFPE, FPE_INTDIV, 0, "divide by zero");

	EXPECT(__asm__ volatile("ud2"), SIGILL, ILL_ILLOPN, 0, "ud2");

	EXPECT(__asm__ volatile("int3"), SIGTRAP, SI_KERNEL, 0, "int3");

	static char buf[16] __attribute__((aligned(8)));
	EXPECT(__asm__ volatile("pushf\n\torl $0x40000, (%%rsp)\n\tpopf\n\tmovl 1(%0), %%eax" ::"r"(buf) : "eax", "memory"),
	       SIGBUS, BUS_ADRALN, 0, "misaligned access with AC");

	/* The signal was caught while blocked in its own handler (siglongjmp
	 * restored the mask): a second fault is still caught. */
	EXPECT((void)*null, SIGSEGV, SEGV_MAPERR, 0, "second null dereference");

	if (argc > 1) {
		signal(SIGSEGV, SIG_DFL);
		printf("uncaught next\n");
		fflush(stdout);
		(void)*null;
	}
	return 0;
}
