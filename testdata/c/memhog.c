/* memhog: allocates and touches memory page by page, as a program that
 * outgrows its memory limit does.
 *   memhog touch MB...   malloc and touch each size in turn, printing
 *                        "touched N MB" after each, freeing it
 *   memhog hold MB...    the same, keeping each, then waits to be killed
 *                        (however late the sentry samples its memory)
 *   memhog reserve GB    mmap GB of anonymous memory (succeeds: Linux's
 *                        overcommit) then touch it page by page
 *   memhog brk MB        grow the heap with brk by MB, touch it, wait
 *   memhog rss MB        mmap MB, then touch it: VmRSS of
 *                        /proc/self/status must grow by MB only at the touch
 *   memhog aslimit MB    set RLIMIT_AS to MB, then try mmap, brk and
 *                        mremap past it and within it
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

static void touch(char *p, size_t n) {
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
}

static long vmrss_kb(void) {
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv) {
	if (argc < 3)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	int hold = !strcmp(argv[1], "hold");
	if (hold || !strcmp(argv[1], "touch")) {
		for (int i = 2; i < argc; i++) {
			size_t n = (size_t)atol(argv[i]) << 20;
			char *p = malloc(n);
			if (!p) {
				printf("malloc %s MB failed\n", argv[i]);
				return 1;
			}
			touch(p, n);
			printf("touched %s MB\n", argv[i]);
			if (!hold)
				free(p);
		}
		while (hold)
			pause();
		return 0;
	}
	if (!strcmp(argv[1], "reserve")) {
		size_t n = (size_t)atol(argv[2]) << 30;
		char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		printf("mapped %s GB\n", argv[2]);
		touch(p, n);
		printf("touched %s GB\n", argv[2]);
		return 0;
	}
	if (!strcmp(argv[1], "brk")) {
		size_t n = (size_t)atol(argv[2]) << 20;
		char *p = sbrk(n);
		if (p == (void *)-1) {
			perror("sbrk");
			return 1;
		}
		touch(p, n);
		printf("touched %s MB\n", argv[2]);
		for (;;)
			pause();
	}
	if (!strcmp(argv[1], "rss")) {
		long mb = atol(argv[2]);
		long before = vmrss_kb();
		char *p = mmap(NULL, (size_t)mb << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 1;
		long mapped = vmrss_kb();
		touch(p, (size_t)mb << 20);
		long touched = vmrss_kb();
		printf("mapping counted: %s\n", mapped - before >= mb << 10 ? "yes" : "no");
		printf("touching counted: %s\n", touched - mapped >= mb << 10 ? "yes" : "no");
		return 0;
	}
	if (!strcmp(argv[1], "aslimit")) {
		size_t lim = (size_t)atol(argv[2]) << 20;
		struct rlimit rl = {lim, lim};
		if (setrlimit(RLIMIT_AS, &rl) != 0) {
			perror("setrlimit");
			return 1;
		}
		void *p = mmap(NULL, lim, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		printf("mmap limit: %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
		p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		printf("mmap 1 MB: %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
		void *q = mremap(p, 1 << 20, lim, MREMAP_MAYMOVE);
		printf("mremap to limit: %s\n", q == MAP_FAILED ? strerror(errno) : "ok");
		/* Replacing pages already mapped does not count twice. */
		q = mmap(p, 1 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		printf("mmap fixed over: %s\n", q == MAP_FAILED ? strerror(errno) : "ok");
		void *b = sbrk(0);
		printf("brk past: %s\n", sbrk(lim) == (void *)-1 ? strerror(errno) : "ok");
		printf("brk unchanged: %s\n", sbrk(0) == b ? "yes" : "no");
		return 0;
	}
	return 2;
}
