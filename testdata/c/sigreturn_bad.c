/* A corrupted signal frame is the application's problem, never the
 * sentry's: rt_sigreturn with a bad fpstate pointer, with a corrupted
 * XSAVE header, or with no frame at all ends the process with SIGSEGV
 * (status 139), as on Linux. The mode is the first argument. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static const char *mode;

static void on_usr1(int sig, siginfo_t *si, void *ucv) {
	ucontext_t *uc = ucv;
	(void)sig;
	(void)si;
	if (strcmp(mode, "fpstate-pointer") == 0) {
		uc->uc_mcontext.fpregs = (void *)0x40; /* unmapped */
	} else if (strcmp(mode, "xsave-header") == 0) {
		unsigned char *fp = (unsigned char *)uc->uc_mcontext.fpregs;
		memset(fp + 512 + 16, 0xff, 48); /* reserved header bytes */
	}
}

int main(int argc, char **argv) {
	mode = argc > 1 ? argv[1] : "";
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	printf("start\n");
	fflush(stdout);
	if (strcmp(mode, "no-frame") == 0) {
		__asm__ volatile("mov $0x40, %%rsp\n\tmov $15, %%eax\n\tsyscall" ::: "memory");
	}
	raise(SIGUSR1);
	printf("survived\n");
	return 0;
}
