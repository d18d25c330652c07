// Record locks between processes: a child sees its parent's lock
// (F_GETLK names the parent), its F_SETLK fails, its F_SETLKW waits until
// the parent unlocks; a process's exit drops its locks; flock locks
// belong to the open file description, which fork shares.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	char path[256];
	snprintf(path, sizeof path, "%s/proclocks", argc > 1 ? argv[1] : "/tmp");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	struct flock wr = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 100};
	printf("parent lock: %d\n", fcntl(fd, F_SETLK, &wr));
	int pfd[2];
	pipe(pfd);
	pid_t parent = getpid();
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		int cfd = open(path, O_RDWR);
		struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 1};
		fcntl(cfd, F_GETLK, &q);
		printf("child getlk: type=%s pid_is_parent=%d start=%lld len=%lld\n", q.l_type == F_WRLCK ? "WR" : "other",
		       q.l_pid == parent, (long long)q.l_start, (long long)q.l_len);
		struct flock mine = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 50, .l_len = 1};
		int r = fcntl(cfd, F_SETLK, &mine);
		printf("child setlk: %d %s\n", r, r ? strerror(errno) : "");
		fflush(stdout);
		write(pfd[1], "x", 1); // let the parent unlock
		r = fcntl(cfd, F_SETLKW, &mine);
		printf("child setlkw after parent unlock: %d\n", r);
		// flock through the inherited description is the parent's lock.
		printf("child flock on inherited fd: %d\n", flock(fd, LOCK_EX | LOCK_NB));
		fflush(stdout);
		_exit(0);
	}
	char b;
	read(pfd[0], &b, 1);
	usleep(100 * 1000);
	struct flock un = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	fcntl(fd, F_SETLK, &un);
	int st;
	waitpid(c, &st, 0);
	// The child's lock went with it.
	struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	fcntl(fd, F_GETLK, &q);
	printf("after child exit: %s\n", q.l_type == F_UNLCK ? "unlocked" : "still locked");
	// The flock the child took through the shared description is ours.
	int other = open(path, O_RDWR);
	int r = flock(other, LOCK_EX | LOCK_NB);
	printf("flock from another description: %d %s\n", r, r ? strerror(errno) : "");
	printf("flock un on shared: %d\n", flock(fd, LOCK_UN));
	printf("flock from another description now: %d\n", flock(other, LOCK_EX | LOCK_NB));
	unlink(path);
	return 0;
}
