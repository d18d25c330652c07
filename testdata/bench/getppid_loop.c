// getppid_loop: N raw getppid() syscalls (syscall(SYS_getppid), so no libc
// caching applies), then the elapsed nanoseconds per call. Run natively it is
// the host's syscall cost; run under the sentry it is the platform's round trip.
//
// Usage: getppid_loop [N]
// Output: one line "getppid_loop: N=<n> ns_per_syscall=<x>".
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 100000;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("getppid_loop: N=%ld ns_per_syscall=%.1f\n", n, n > 0 ? ns / (double)n : 0.0);
	return 0;
}
