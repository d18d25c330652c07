/* Calls a syscall the sentry does not implement, twice: it must get ENOSYS
 * and the sentry must warn once. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(void) {
	for (int i = 0; i < 2; i++) {
		long r = syscall(SYS_io_setup, 1, 0);
		if (r != -1 || errno != ENOSYS) {
			printf("io_setup: r=%ld errno=%d\n", r, errno);
			return 1;
		}
	}
	printf("ENOSYS twice\n");
	return 0;
}
