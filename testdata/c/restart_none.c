// restart_syscall called when no interrupted call is waiting to be
// continued: Linux answers EINTR (do_no_restart_syscall).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
	for (int i = 0; i < 2; i++) {
		errno = 0;
		long r = syscall(SYS_restart_syscall);
		printf("restart_syscall: %ld %s\n", r, strerror(errno));
	}
	return 0;
}
