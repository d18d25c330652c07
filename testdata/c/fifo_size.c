/* F_GETPIPE_SZ and F_SETPIPE_SZ work on a FIFO as on a pipe. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
	const char *path = "/tmp/fifo-size-probe";
	unlink(path);
	if (mkfifo(path, 0600) != 0)
		return 1;
	int fd = open(path, O_RDWR);
	int before = fcntl(fd, F_GETPIPE_SZ);
	int set = fcntl(fd, F_SETPIPE_SZ, 1 << 20);
	int after = fcntl(fd, F_GETPIPE_SZ);
	printf("before=%d set=%d after=%d\n", before, set, after);
	unlink(path);
	return 0;
}
