// rwf: preadv2/pwritev2 offsets (-1: the file offset) and RWF_* flags
// with Linux's errnos. argv[1] is a fresh directory.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef RWF_NOAPPEND
#define RWF_NOAPPEND 0x20
#endif
#ifndef RWF_ATOMIC
#define RWF_ATOMIC 0x40
#endif

static void res(const char *what, long rc) {
	printf("%s = %ld%s%s\n", what, rc, rc < 0 ? " " : "", rc < 0 ? strerrorname_np(errno) : "");
}

static long rd(int fd, char *buf, size_t n, off_t off, int flags) {
	struct iovec v = {buf, n};
	long r = preadv2(fd, &v, 1, off, flags);
	if (r >= 0) buf[r] = 0;
	return r;
}

static long wr(int fd, const char *s, off_t off, int flags) {
	struct iovec v[2] = {{(void *)s, 1}, {(void *)(s + 1), strlen(s) - 1}};
	return pwritev2(fd, v, 2, off, flags);
}

static void show(int fd) {
	char buf[128];
	long n = pread(fd, buf, sizeof buf - 1, 0);
	buf[n < 0 ? 0 : n] = 0;
	printf("  file %ld \"%s\" pos %ld\n", n, buf, (long)lseek(fd, 0, SEEK_CUR));
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	char path[4096], buf[128];
	snprintf(path, sizeof path, "%s/f", argv[1]);
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	res("pwritev2 -1 (file offset)", wr(fd, "hello", -1, 0));
	show(fd);
	res("pwritev2 at 1", wr(fd, "EL", 1, RWF_HIPRI | RWF_DSYNC));
	show(fd);
	res("pwritev2 APPEND at 0", wr(fd, "++", 0, RWF_APPEND));
	show(fd);
	res("pwritev2 APPEND -1", wr(fd, "!!", -1, RWF_APPEND | RWF_SYNC));
	show(fd);
	res("pwritev2 -2", wr(fd, "x", -2, 0));
	res("pwritev2 unknown flag", wr(fd, "x", 0, 0x1000));
	res("pwritev2 ATOMIC", wr(fd, "x", 0, RWF_ATOMIC));
	res("pwritev2 NOWAIT", wr(fd, "w", 0, RWF_NOWAIT));
	show(fd);
	lseek(fd, 2, SEEK_SET);
	res("preadv2 -1", rd(fd, buf, 3, -1, 0));
	printf("  \"%s\" pos %ld\n", buf, (long)lseek(fd, 0, SEEK_CUR));
	res("preadv2 at 4 NOWAIT|HIPRI", rd(fd, buf, 100, 4, RWF_NOWAIT | RWF_HIPRI));
	printf("  \"%s\" pos %ld\n", buf, (long)lseek(fd, 0, SEEK_CUR));
	res("preadv2 -7", rd(fd, buf, 3, -7, 0));
	res("preadv2 unknown flag", rd(fd, buf, 3, 0, 0x80000000));
	res("preadv2 ATOMIC", rd(fd, buf, 3, 0, RWF_ATOMIC));
	close(fd);

	int afd = open(path, O_RDWR | O_APPEND);
	res("pwritev2 O_APPEND at 0", wr(afd, "a", 0, 0));
	show(afd);
	res("pwritev2 O_APPEND NOAPPEND at 0", wr(afd, "N", 0, RWF_NOAPPEND));
	show(afd);
	lseek(afd, 3, SEEK_SET);
	res("pwritev2 O_APPEND NOAPPEND -1", wr(afd, "m", -1, RWF_NOAPPEND));
	show(afd);
	res("pwritev2 O_APPEND NOAPPEND|APPEND at 0", wr(afd, "z", 0, RWF_NOAPPEND | RWF_APPEND));
	show(afd);
	close(afd);

	int p[2];
	pipe(p);
	res("preadv2 empty pipe NOWAIT", rd(p[0], buf, 10, -1, RWF_NOWAIT));
	res("preadv2 pipe at 0", rd(p[0], buf, 10, 0, 0));
	res("pwritev2 pipe", wr(p[1], "pipe", -1, RWF_NOWAIT));
	res("preadv2 pipe NOWAIT", rd(p[0], buf, 10, -1, RWF_NOWAIT));
	printf("  \"%s\"\n", buf);
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	static char big[8192];
	memset(big, 'b', sizeof big);
	struct iovec bv = {big, sizeof big};
	res("pwritev2 full pipe NOWAIT", pwritev2(p[1], &bv, 1, -1, RWF_NOWAIT));
	res("pwritev2 full pipe NOWAIT again", pwritev2(p[1], &bv, 1, -1, RWF_NOWAIT));

	int s[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, s);
	res("preadv2 empty socket NOWAIT", rd(s[0], buf, 10, -1, RWF_NOWAIT));
	res("pwritev2 socket", wr(s[1], "sock", -1, 0));
	res("preadv2 socket NOWAIT", rd(s[0], buf, 10, -1, RWF_NOWAIT));
	printf("  \"%s\"\n", buf);
	return 0;
}
