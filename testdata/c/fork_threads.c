// fork_threads: fork many times while other threads write memory and make
// syscalls, checking every byte in the parent and in every child.
//
// Usage: fork_threads [THREADS [FORKS [REGION_KIB [BALLAST_KIB]]]]
// (default 32 1000 16 3072)
//
// Each worker thread owns a region of its own and rewrites it over and
// over with a pattern naming the thread, the round and the word, then
// reads it back; each round it also passes the region's first words
// through a pipe into the region's scratch tail (so the sentry writes
// there while forks happen) and checks them. A round starts each time the
// main thread is about to fork (a futex wakes the threads), so the rounds
// overlap the forks, and the threads cost little CPU between them. The regions are
// slices of one mapping, so neighbours share the sentry's 64 KiB
// copy-on-write chunks and their faults meet. The ballast is memory
// written once before the threads start (and checked by every child):
// with it the process holds more than 2 MiB, so the sentry shares its
// memory copy-on-write at fork rather than copying it. The main thread forks FORKS
// times. A child sees every region as it was at one
// instant: the words written in round g up to some point, then round
// g-1's (a thread fills its region in ascending order). Up to four
// children are alive at once (sharing the same memory with the parent). The child checks
// that and the ballast, writes a pattern of its own over one page of
// every region and of the ballast (copy-on-write), checks it, checks that
// the rest of each region still holds the snapshot (no write of the
// parent's leaked in after the fork), and exits 0 only if every byte was
// right.
//
// Prints "ok THREADS FORKS" and exits 0 if every check in the parent and
// the children passed; else says what failed and exits 1. Without
// ballast the sentry may copy the memory at fork instead of sharing it,
// which the same checks cover.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <limits.h>
#include <unistd.h>

#define MAXTHREADS 64
#define SCRATCH 8 // words at the end of a region for the pipe's copy
#define WINDOW 4  // children alive at once

static int nthreads = 32, nforks = 1000;
static size_t nwords; // pattern words per region (scratch excluded)
static size_t pagewords = 4096 / 8;
static uint64_t *region[MAXTHREADS];
static uint64_t *ballast;
static size_t ballastWords;
static int pipes[MAXTHREADS][2];
static atomic_int stop;
static atomic_int epoch; // bumped before each fork
static atomic_long parentBad;
static atomic_long rounds[MAXTHREADS];

// pattern: thread i (1-based tag), round g, word w.
static inline uint64_t pat(int i, uint64_t g, size_t w) {
	return ((uint64_t)(i + 1) << 56) | (g << 20) | (uint64_t)w;
}

// childPat is what child pid writes at word w.
static inline uint64_t childPat(pid_t pid, size_t w) {
	return ((uint64_t)0xc5 << 56) | ((uint64_t)pid << 20) | (uint64_t)w;
}

static void fill(int i, uint64_t g) {
	volatile uint64_t *r = region[i];
	for (size_t w = 0; w < nwords; w++)
		r[w] = pat(i, g, w);
}

static void *worker(void *arg) {
	int i = (int)(intptr_t)arg;
	volatile uint64_t *r = region[i];
	uint64_t *scratch = region[i] + nwords;
	int seen = atomic_load(&epoch);
	for (uint64_t g = 2; !atomic_load(&stop); g++) {
		fill(i, g);
		for (size_t w = 0; w < nwords; w++)
			if (r[w] != pat(i, g, w)) {
				atomic_fetch_add(&parentBad, 1);
				break;
			}
		// The sentry copies these bytes out of and back into memory
		// that a fork may just have shared.
		if (write(pipes[i][1], region[i], SCRATCH * 8) != SCRATCH * 8 ||
		    read(pipes[i][0], scratch, SCRATCH * 8) != SCRATCH * 8 ||
		    memcmp(scratch, region[i], SCRATCH * 8) != 0)
			atomic_fetch_add(&parentBad, 1);
		atomic_store(&rounds[i], (long)g);
		while (atomic_load(&epoch) == seen && !atomic_load(&stop))
			syscall(SYS_futex, &epoch, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
		seen = atomic_load(&epoch);
	}
	return NULL;
}

// snapshot checks region i in a child: round g up to word k, then round
// g-1. It returns the round of word 0 (0 if the region is wrong) and sets
// *k.
static uint64_t snapshot(int i, size_t *k) {
	volatile uint64_t *r = region[i];
	uint64_t g = (r[0] >> 20) & ((1ull << 36) - 1);
	if (r[0] != pat(i, g, 0) || g < 1)
		return 0;
	size_t w = 1;
	while (w < nwords && r[w] == pat(i, g, w))
		w++;
	*k = w;
	for (; w < nwords; w++)
		if (g < 2 || r[w] != pat(i, g - 1, w))
			return 0;
	return g;
}

static void child(int f) {
	pid_t pid = getpid();
	int status = 0;
	uint64_t gs[MAXTHREADS];
	size_t ks[MAXTHREADS];
	size_t pages = nwords / pagewords;
	size_t page = (size_t)f % pages;
	for (int i = 0; i < nthreads; i++) {
		gs[i] = snapshot(i, &ks[i]);
		if (gs[i] == 0)
			status |= 1; // a torn or foreign snapshot
	}
	for (size_t w = 0; w < ballastWords; w++)
		if (ballast[w] != pat(MAXTHREADS, 1, w)) {
			status |= 1;
			break;
		}
	for (int i = 0; i < nthreads; i++) {
		volatile uint64_t *r = region[i];
		for (size_t w = page * pagewords; w < (page + 1) * pagewords; w++)
			r[w] = childPat(pid, w);
	}
	size_t bpage = ballastWords / pagewords ? (size_t)f % (ballastWords / pagewords) : 0;
	for (size_t w = bpage * pagewords; w < (bpage + 1) * pagewords && w < ballastWords; w++)
		ballast[w] = childPat(pid, w);
	for (size_t w = 0; w < ballastWords; w++) {
		uint64_t want = w >= bpage * pagewords && w < (bpage + 1) * pagewords ? childPat(pid, w) : pat(MAXTHREADS, 1, w);
		if (ballast[w] != want) {
			status |= 2;
			break;
		}
	}
	for (int i = 0; i < nthreads; i++) {
		volatile uint64_t *r = region[i];
		for (size_t w = 0; w < nwords; w++) {
			uint64_t want;
			if (w >= page * pagewords && w < (page + 1) * pagewords)
				want = childPat(pid, w);
			else if (gs[i] == 0)
				continue;
			else
				want = pat(i, w < ks[i] ? gs[i] : gs[i] - 1, w);
			if (r[w] != want) {
				status |= w >= page * pagewords && w < (page + 1) * pagewords ? 2 : 4;
				break;
			}
		}
	}
	_exit(status);
}

int main(int argc, char **argv) {
	size_t kib = 16, ballastKiB = 3072;
	if (argc > 1)
		nthreads = atoi(argv[1]);
	if (argc > 2)
		nforks = atoi(argv[2]);
	if (argc > 3)
		kib = (size_t)atoi(argv[3]);
	if (argc > 4)
		ballastKiB = (size_t)atoi(argv[4]);
	if (nthreads < 1 || nthreads > MAXTHREADS || nforks < 1 || kib < 8) {
		fprintf(stderr, "usage: fork_threads [THREADS(1-%d) [FORKS [REGION_KIB>=8]]]\n", MAXTHREADS);
		return 2;
	}
	nwords = kib * 1024 / 8 - SCRATCH;
	ballastWords = ballastKiB * 1024 / 8;
	if (ballastWords) {
		ballast = mmap(NULL, ballastWords * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (ballast == MAP_FAILED) {
			perror("mmap");
			return 2;
		}
		for (size_t w = 0; w < ballastWords; w++)
			ballast[w] = pat(MAXTHREADS, 1, w);
	}
	char *all = mmap(NULL, nthreads * kib * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (all == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	for (int i = 0; i < nthreads; i++) {
		region[i] = (uint64_t *)(all + i * kib * 1024);
		if (pipe(pipes[i]) != 0) {
			perror("pipe");
			return 2;
		}
		fill(i, 1);
	}
	pthread_t th[MAXTHREADS];
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 2;
		}
	int failed = 0;
	pid_t live[WINDOW] = {0};
	for (int f = 0; f < nforks + WINDOW; f++) {
		pid_t pid = live[f % WINDOW];
		if (pid > 0) {
			int st;
			if (waitpid(pid, &st, 0) != pid) {
				perror("waitpid");
				return 1;
			}
			if ((!WIFEXITED(st) || WEXITSTATUS(st) != 0) && failed++ < 5)
				printf("FAIL fork %d: child status %#x (1 torn snapshot, 2 own writes lost, 4 snapshot changed)\n", f - WINDOW, st);
			live[f % WINDOW] = 0;
		}
		if (f >= nforks)
			continue;
		atomic_fetch_add(&epoch, 1);
		syscall(SYS_futex, &epoch, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			child(f);
		live[f % WINDOW] = pid;
	}
	atomic_store(&stop, 1);
	atomic_fetch_add(&epoch, 1);
	syscall(SYS_futex, &epoch, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < nthreads; i++)
		if (atomic_load(&rounds[i]) < 2) {
			printf("FAIL thread %d never finished a round\n", i);
			failed++;
		}
	if (parentBad) {
		printf("FAIL %ld bad rounds in the parent's threads\n", (long)parentBad);
		failed++;
	}
	if (failed) {
		printf("FAIL %d checks\n", failed);
		return 1;
	}
	printf("ok %d %d\n", nthreads, nforks);
	return 0;
}
