// times: times(2) fills the buffer and returns the clock ticks; the
// process's user time grows as it computes, and a waited-for child's
// time shows in tms_cutime. Burns CPU until times() itself says so (no
// time is assumed).
#include <stdio.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile unsigned long sink;

static int burn(void) {
	struct tms t;
	for (unsigned long i = 0; i < 100000000000UL; i++) {
		sink += i;
		if ((i & 0xfffff) == 0 && times(&t) != (clock_t)-1 && t.tms_utime + t.tms_stime >= 3)
			return 1;
	}
	return 0;
}

int main(void) {
	struct tms t = {-1, -1, -1, -1};
	clock_t r = times(&t);
	int fails = 0;
	// glibc returns the kernel's value as is: -ENOSYS would be -38.
	if (r < 0 || t.tms_utime < 0 || t.tms_cutime != 0) {
		printf("FAIL times: %ld utime %ld cutime %ld\n", (long)r, (long)t.tms_utime, (long)t.tms_cutime);
		fails++;
	}
	if (times(NULL) < r) {
		printf("FAIL times(NULL) went back\n");
		fails++;
	}
	if (!burn()) {
		printf("FAIL the process's time did not grow\n");
		fails++;
	}
	pid_t pid = fork();
	if (pid == 0)
		_exit(burn() ? 0 : 1);
	int st;
	waitpid(pid, &st, 0);
	times(&t);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || t.tms_cutime + t.tms_cstime < 3) {
		printf("FAIL child: status %d cutime %ld cstime %ld\n", st, (long)t.tms_cutime, (long)t.tms_cstime);
		fails++;
	}
	printf("done %d\n", fails);
	return fails != 0;
}
