// cpu_spread: threads that compute without syscalls, for observing from
// outside on which host CPUs a sandboxed process's threads run.
//
// Usage:
//   cpu_spread spread N   N threads spin; prints "ready" once all started
//   cpu_spread pin CPU    one thread sets its affinity to CPU alone with
//                         sched_setaffinity(0, ...), prints "pinned", spins
//   cpu_spread inherit CPU  the main thread sets its affinity to CPU alone,
//                         then starts a thread that prints "pinned", spins
// Either way the program then runs until killed.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long sink;

static void spin(void) {
	unsigned long x = 1;
	for (;;) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		sink = x;
	}
}

static void *spinner(void *arg) {
	(void)arg;
	spin();
	return NULL;
}

static void setcpu(int cpu) {
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static void *pinner(void *arg) {
	int *cpu = arg;
	if (cpu) setcpu(*cpu);
	printf("pinned\n");
	fflush(stdout);
	spin();
	return NULL;
}

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: cpu_spread spread N | pin CPU | inherit CPU\n");
		return 2;
	}
	int v = atoi(argv[2]);
	pthread_t t;
	if (strcmp(argv[1], "spread") == 0) {
		for (int i = 0; i < v; i++)
			if (pthread_create(&t, NULL, spinner, NULL) != 0) {
				fprintf(stderr, "pthread_create failed\n");
				return 1;
			}
		printf("ready\n");
		fflush(stdout);
	} else if (strcmp(argv[1], "pin") == 0) {
		if (pthread_create(&t, NULL, pinner, &v) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	} else if (strcmp(argv[1], "inherit") == 0) {
		setcpu(v);
		if (pthread_create(&t, NULL, pinner, NULL) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	} else {
		fprintf(stderr, "usage: cpu_spread spread N | pin CPU | inherit CPU\n");
		return 2;
	}
	for (;;) pause();
}
