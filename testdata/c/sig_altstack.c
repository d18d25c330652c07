/* sigaltstack: a SA_ONSTACK handler runs on the alternate stack (and a
 * plain one does not); sigaltstack reports SS_ONSTACK inside it and EPERM
 * for a change there; a stack overflow's SIGSEGV is caught on the
 * alternate stack. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char altstack[64 * 1024];
static volatile int on_alt, ss_flags, change_err;
static sigjmp_buf jb;

static void fail(const char *what) {
	printf("FAIL %s\n", what);
	exit(1);
}

static int in_altstack(void *p) {
	return (char *)p >= altstack && (char *)p < altstack + sizeof altstack;
}

static void on_usr1(int sig) {
	int local;
	(void)sig;
	on_alt = in_altstack(&local);
	stack_t cur;
	sigaltstack(NULL, &cur);
	ss_flags = cur.ss_flags;
	stack_t ns = {.ss_sp = altstack, .ss_size = sizeof altstack};
	change_err = sigaltstack(&ns, NULL) == -1 ? errno : 0;
}

static void on_segv(int sig, siginfo_t *si, void *uc) {
	int local;
	(void)sig;
	(void)si;
	(void)uc;
	on_alt = in_altstack(&local);
	siglongjmp(jb, 1);
}

static int recurse(int n) {
	volatile char buf[1024];
	buf[0] = (char)n;
	return recurse(n + 1) + buf[0];
}

int main(void) {
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
	if (sigaltstack(&ss, NULL) != 0)
		fail("sigaltstack");
	stack_t cur;
	sigaltstack(NULL, &cur);
	if (cur.ss_sp != altstack || cur.ss_size != sizeof altstack || cur.ss_flags != 0)
		fail("sigaltstack readback");

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	if (on_alt)
		fail("handler without SA_ONSTACK ran on the alternate stack");
	printf("without SA_ONSTACK: normal stack\n");

	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	if (!on_alt || ss_flags != SS_ONSTACK || change_err != EPERM)
		fail("SA_ONSTACK handler");
	printf("SA_ONSTACK: alternate stack, SS_ONSTACK, EPERM\n");

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	on_alt = 0;
	if (sigsetjmp(jb, 1) == 0) {
		recurse(0);
		fail("recursion returned");
	}
	if (!on_alt)
		fail("stack overflow handler not on the alternate stack");
	printf("stack overflow: SIGSEGV caught on the alternate stack\n");

	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	sigaltstack(NULL, &cur);
	if (cur.ss_flags != SS_DISABLE)
		fail("SS_DISABLE");
	ss.ss_flags = 0;
	ss.ss_size = 100;
	if (sigaltstack(&ss, NULL) != -1 || errno != ENOMEM)
		fail("small stack accepted");
	printf("disable and ENOMEM ok\n");
	return 0;
}
