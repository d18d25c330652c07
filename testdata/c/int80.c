/* int $0x80 from a 64-bit program, set up so that serving it as a 64-bit
 * syscall would be visible: eax=1 is write(1, msg, len) on x86-64 but
 * exit(ebx=42) on i386. Under a kernel without IA32 emulation (the
 * sentry's choice) it is a #GP: SIGSEGV with si_code SI_KERNEL and the
 * faulting rip at the instruction. With "fs" it tries instead
 * arch_prctl(ARCH_SET_FS/GS) and fork with CLONE_SETTLS with addresses
 * Linux refuses (EPERM). */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

extern char int80_insn[];
static const char msg[] = "served as a 64-bit write\n";

static void on_segv(int sig, siginfo_t *si, void *uc_) {
	ucontext_t *uc = uc_;
	char buf[128];
	int n = snprintf(buf, sizeof buf, "SIGSEGV code %d at-int80 %d\n", si->si_code,
			 uc->uc_mcontext.gregs[REG_RIP] == (long)int80_insn);
	write(1, buf, n);
	_exit(0);
}

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "fs") == 0) {
		unsigned long bad[] = {0x7ffffffff000UL, 0x800000000000UL, 0xffff800000000000UL, 0xffffffffff600000UL};
		for (int i = 0; i < 4; i++) {
			long r1 = syscall(SYS_arch_prctl, ARCH_SET_FS, bad[i]);
			int e1 = errno;
			long r2 = syscall(SYS_arch_prctl, ARCH_SET_GS, bad[i]);
			int e2 = errno;
			printf("%#lx: ARCH_SET_FS %ld %s ARCH_SET_GS %ld %s\n", bad[i], r1, r1 ? strerrorname_np(e1) : "-",
			       r2, r2 ? strerrorname_np(e2) : "-");
		}
		unsigned long ok = 0x7fffffffe000UL;
		printf("%#lx: ARCH_SET_GS %ld\n", ok, syscall(SYS_arch_prctl, ARCH_SET_GS, ok));
		/* fork with CLONE_SETTLS and a kernel-half TLS: EPERM too. */
		long c = syscall(SYS_clone, CLONE_SETTLS | SIGCHLD, 0, 0, 0, 0xffff800000000000UL);
		if (c == 0)
			_exit(0);
		printf("clone CLONE_SETTLS kernel-half: %ld %s\n", c < 0 ? -1L : 0L, c < 0 ? strerrorname_np(errno) : "created");
		if (c > 0)
			waitpid(c, 0, 0);
		return 0;
	}
	struct sigaction sa = {0};
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, 0);
	long ret;
	__asm__ volatile("mov %3, %%rsi\n"
			 ".globl int80_insn\n"
			 "int80_insn: int $0x80\n"
			 : "=a"(ret)
			 : "a"(1L), "D"(1L), "r"(msg), "d"(sizeof msg - 1), "b"(42L)
			 : "rsi", "rcx", "r11", "memory");
	printf("int $0x80 returned %ld\n", ret);
	return 0;
}
