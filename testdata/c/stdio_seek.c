// What a program can do to the file its stdout was redirected to:
// write, then try to seek back, truncate, preallocate and pwrite over
// it, then write again. Results go to stderr. Stdin, redirected from a
// file, is read and then asked for its offset.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void report(const char *what, long r) {
	if (r < 0)
		dprintf(2, "%s: -1 %s\n", what, strerror(errno));
	else
		dprintf(2, "%s: %ld\n", what, r);
}

int main(void) {
	write(1, "first\n", 6);
	report("lseek(1, 0, SEEK_SET)", lseek(1, 0, SEEK_SET));
	report("lseek(1, 0, SEEK_CUR)", lseek(1, 0, SEEK_CUR));
	report("ftruncate(1, 0)", ftruncate(1, 0));
	report("fallocate(1)", fallocate(1, 0, 0, 4096));
	report("pwrite(1, 0)", pwrite(1, "X", 1, 0));
	write(1, "second\n", 7);
	char buf[3];
	report("read(0, 3)", read(0, buf, sizeof buf));
	report("lseek(0, 0, SEEK_CUR)", lseek(0, 0, SEEK_CUR));
	return 0;
}
