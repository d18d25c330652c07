// Record locks, OFD locks and flock between two open file descriptions
// of one file in one process: prints what each request got.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static const char *res(int r) { return r == 0 ? "ok" : strerror(errno); }

int main(int argc, char **argv) {
	const char *path = argc > 1 ? argv[1] : "/tmp/locks";
	int a = open(path, O_RDWR | O_CREAT, 0644);
	int b = open(path, O_RDWR);
	if (a < 0 || b < 0) { perror("open"); return 1; }
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
	printf("posix setlk a: %s\n", res(fcntl(a, F_SETLK, &fl)));
	// The same process owns POSIX locks through any fd: no conflict.
	printf("posix setlk b same process: %s\n", res(fcntl(b, F_SETLK, &fl)));
	// An OFD lock is owned by the description: conflicts with the POSIX lock.
	struct flock ofd = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 10};
	printf("ofd setlk b: %s\n", res(fcntl(b, F_OFD_SETLK, &ofd)));
	struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	printf("ofd getlk b: %s type=%s start=%lld len=%lld pid_is_me=%d\n", res(fcntl(b, F_OFD_GETLK, &q)),
	       q.l_type == F_WRLCK ? "WR" : q.l_type == F_UNLCK ? "UN" : "RD", (long long)q.l_start,
	       (long long)q.l_len, q.l_pid == getpid());
	ofd.l_start = 20;
	printf("ofd setlk b beyond: %s\n", res(fcntl(b, F_OFD_SETLK, &ofd)));
	struct flock bad = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = -1, .l_len = 1};
	printf("negative start: %s\n", res(fcntl(a, F_SETLK, &bad)));
	int ro = open(path, O_RDONLY);
	struct flock w = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 1};
	printf("write lock on read-only fd: %s\n", res(fcntl(ro, F_SETLK, &w)));
	// Closing any fd of the file drops the process's POSIX locks.
	close(ro);
	ofd.l_start = 0;
	printf("ofd setlk b after close: %s\n", res(fcntl(b, F_OFD_SETLK, &ofd)));
	// flock: two descriptions conflict; LOCK_NB gives EWOULDBLOCK.
	printf("flock a ex: %s\n", res(flock(a, LOCK_EX | LOCK_NB)));
	printf("flock b ex nb: %s\n", res(flock(b, LOCK_EX | LOCK_NB)));
	printf("flock b sh nb: %s\n", res(flock(b, LOCK_SH | LOCK_NB)));
	printf("flock a un: %s\n", res(flock(a, LOCK_UN)));
	printf("flock b ex nb: %s\n", res(flock(b, LOCK_EX | LOCK_NB)));
	printf("flock bad op: %s\n", res(flock(b, 0)));
	return 0;
}
