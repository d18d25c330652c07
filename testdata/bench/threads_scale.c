// threads_scale: N threads of one process doing the same work at once, and
// the wall time of the whole. With N threads spinning, a process that may
// use every CPU takes about max(1, N/CPUs) times the one-thread time; one
// confined to a single CPU takes N times. The syscall modes measure what a
// syscall costs while N threads make them concurrently.
//
// Usage: threads_scale MODE N ITERS
//   MODE spin:    each thread runs ITERS iterations of an arithmetic loop
//   MODE getppid: each thread makes ITERS raw getppid syscalls
//   MODE pipe:    each thread makes ITERS 1-byte read()s of its own pipe,
//                 which it keeps full with one write() per read
// Output: "threads_scale: mode=M n=N iters=I wall_ns=W ns_per_op=X", where
// ns_per_op is W divided by ITERS (the time one thread's operation takes,
// counting the others running beside it).
// Built for amd64 and riscv64 alike.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *mode;
static long iters;
static pthread_barrier_t start;
static volatile unsigned long sink;

static void *worker(void *arg) {
	(void)arg;
	int p[2] = {-1, -1};
	char c = 'x';
	if (strcmp(mode, "pipe") == 0) {
		if (pipe(p) != 0 || write(p[1], &c, 1) != 1) {
			perror("pipe");
			exit(1);
		}
	}
	pthread_barrier_wait(&start);
	if (strcmp(mode, "spin") == 0) {
		unsigned long x = 1;
		for (long i = 0; i < iters; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
		sink += x;
	} else if (strcmp(mode, "getppid") == 0) {
		for (long i = 0; i < iters; i++) syscall(SYS_getppid);
	} else {
		for (long i = 0; i < iters; i++) {
			if (read(p[0], &c, 1) != 1 || write(p[1], &c, 1) != 1) {
				perror("pipe read/write");
				exit(1);
			}
		}
	}
	return NULL;
}

int main(int argc, char **argv) {
	if (argc != 4) {
		fprintf(stderr, "usage: threads_scale spin|getppid|pipe N ITERS\n");
		return 2;
	}
	mode = argv[1];
	int n = atoi(argv[2]);
	iters = atol(argv[3]);
	if (n < 1 || iters < 1 ||
	    (strcmp(mode, "spin") && strcmp(mode, "getppid") && strcmp(mode, "pipe"))) {
		fprintf(stderr, "usage: threads_scale spin|getppid|pipe N ITERS\n");
		return 2;
	}
	pthread_t *t = calloc(n, sizeof *t);
	pthread_barrier_init(&start, NULL, n + 1);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	struct timespec a, b;
	pthread_barrier_wait(&start);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("threads_scale: mode=%s n=%d iters=%ld wall_ns=%.0f ns_per_op=%.1f\n", mode, n, iters, ns, ns / (double)iters);
	return 0;
}
