/* Calls the legacy vsyscall page's three entries (gettimeofday, time,
 * getcpu at 0xffffffffff600000/400/800) through function pointers, as old
 * static binaries do, and prints what can be compared with a native run.
 * "jump" jumps into the middle of the page instead: SIGSEGV on Linux. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

typedef long (*gtod_fn)(struct timeval *, struct timezone *);
typedef long (*time_fn)(time_t *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "jump") == 0) {
		printf("jumping\n");
		fflush(stdout);
		((time_fn)0xffffffffff600010)(NULL);
		printf("returned\n");
		return 0;
	}
	struct timeval tv = {0};
	time_t before = time(NULL), t = 0;
	long r1 = ((gtod_fn)0xffffffffff600000)(&tv, NULL);
	long r2 = ((time_fn)0xffffffffff600400)(&t);
	unsigned cpu = 1u << 30, node = 1u << 30;
	long r3 = ((getcpu_fn)0xffffffffff600800)(&cpu, &node, NULL);
	time_t after = time(NULL);
	printf("gettimeofday %ld in-range %d\n", r1, tv.tv_sec >= before && tv.tv_sec <= after);
	printf("time %ld stored %d in-range %d\n", r2 == (long)t ? 0L : -1L, r2 == (long)t, t >= before && t <= after);
	printf("getcpu %ld cpu-set %d node-set %d\n", r3, cpu < 4096, node < 1024);
	return 0;
}
