// raw_sysemu: the floor for a ptrace platform. A forked child makes N
// getppid() syscalls under PTRACE_SYSEMU; at every stop the parent does what
// a sentry must at least do (GETREGS, write the result, SETREGS, resume) and
// reports the cost per syscall.
//
// Usage: raw_sysemu [N] [pin]   (pin: 1 = tracer and tracee on CPU 0)
// Output: one line "raw_sysemu: N=<n> pin=<0|1> ns_per_syscall=<x>".
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PTRACE_SYSEMU
#define PTRACE_SYSEMU 31
#endif

static long long now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void pin0(void) {
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) perror("sched_setaffinity");
}

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 100000;
	int pin = argc > 2 ? atoi(argv[2]) : 0;
	if (pin) pin0();
	pid_t child = fork();
	if (child < 0) { perror("fork"); return 1; }
	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		// The final exit_group also stops; the tracer ends there.
		for (long i = 0; i < n; i++) syscall(SYS_getppid);
		syscall(SYS_exit_group, 0);
		_exit(0);
	}
	int status;
	if (waitpid(child, &status, 0) < 0 || !WIFSTOPPED(status)) { fprintf(stderr, "no initial stop\n"); return 1; }
	ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
	struct user_regs_struct regs;
	long stops = 0;
	long long start = 0;
	int sig = 0;
	for (;;) {
		if (ptrace(PTRACE_SYSEMU, child, 0, sig) != 0) { perror("PTRACE_SYSEMU"); return 1; }
		sig = 0;
		if (waitpid(child, &status, __WALL) < 0) { perror("waitpid"); return 1; }
		if (WIFEXITED(status) || WIFSIGNALED(status)) break;
		if (WSTOPSIG(status) != (SIGTRAP | 0x80)) { sig = 0; continue; }
		if (ptrace(PTRACE_GETREGS, child, 0, &regs) != 0) { perror("GETREGS"); return 1; }
		if (regs.orig_rax == SYS_exit_group) {
			long long el = now_ns() - start;
			printf("raw_sysemu: N=%ld pin=%d ns_per_syscall=%.1f\n", stops, pin, (double)el / (double)stops);
			kill(child, SIGKILL);
			waitpid(child, &status, __WALL);
			return 0;
		}
		// The clock starts at the first stop; every later stop is one
		// complete round trip.
		if (start == 0) start = now_ns();
		else stops++;
		regs.rax = getpid();
		if (ptrace(PTRACE_SETREGS, child, 0, &regs) != 0) { perror("SETREGS"); return 1; }
	}
	fprintf(stderr, "child exited early\n");
	return 1;
}
