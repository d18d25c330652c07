/* tmpfill: writes 1 MiB blocks (a short write is continued) to a new
 * file until write fails or MAXMB are written, prints
 * how far it got and the errno, then removes the file and writes the same
 * amount again: removing a file gives its memory back.
 *   tmpfill PATH MAXMB */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long fill(const char *path, long max, int *err) {
	static char buf[1 << 20];
	memset(buf, 'x', sizeof buf);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	long total = 0;
	*err = 0;
	while (total < max << 20) {
		ssize_t n = write(fd, buf, sizeof buf);
		if (n < 0) {
			*err = errno;
			break;
		}
		total += n;
	}
	close(fd);
	return total >> 20;
}

int main(int argc, char **argv) {
	if (argc != 3)
		return 2;
	long max = atol(argv[2]);
	int err;
	long mb = fill(argv[1], max, &err);
	printf("first: %s after %s\n", err ? strerror(err) : "no error", mb == max ? "all" : "some");
	if (unlink(argv[1]) != 0)
		perror("unlink");
	long again = fill(argv[1], mb, &err);
	printf("again: %s, %s\n", err ? strerror(err) : "no error", again == mb ? "same amount" : "less");
	unlink(argv[1]);
	return 0;
}
