// Spins for half a second of wall time (the vDSO's clock, no syscall),
// then prints its user CPU time in microseconds as getrusage reports it
// and waits for a line on stdin, so that whoever runs it can compare
// that with the CPU the thread really got.
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int main(void) {
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 500000000L);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%ld\n", ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec);
	fflush(stdout);
	char c;
	read(0, &c, 1);
	return 0;
}
