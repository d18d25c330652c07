// files_procs: N forked processes, each doing ITERS rounds of
// open/fstat/read/close on its own file, and the wall time of the whole.
// A kernel that serialises path walks (one lock for the file tree) gets
// no more rounds per second from N processes than from one; one that
// walks paths concurrently gets up to min(N, CPUs) times as many.
//
// Usage: files_procs N ITERS FILE...   (process i uses FILE[i % count])
// Output: "files_procs: n=N iters=I wall_ns=W rounds_per_s=R"
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int rounds(const char *path, long iters) {
	char buf[4096];
	struct stat st;
	for (long i = 0; i < iters; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || read(fd, buf, sizeof buf) < 0 || close(fd) < 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv) {
	if (argc < 4) {
		fprintf(stderr, "usage: files_procs N ITERS FILE...\n");
		return 2;
	}
	int n = atoi(argv[1]);
	long iters = atol(argv[2]);
	int nfiles = argc - 3;
	int go[2];
	if (pipe(go) < 0) {
		perror("pipe");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			char c;
			close(go[1]);
			if (read(go[0], &c, 1) != 0) // every child starts when the pipe closes
				_exit(1);
			_exit(rounds(argv[3 + i % nfiles], iters));
		}
	}
	close(go[0]);
	long long t0 = now_ns();
	close(go[1]);
	int failed = 0;
	for (int i = 0; i < n; i++) {
		int st;
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;
	}
	long long wall = now_ns() - t0;
	if (failed) {
		fprintf(stderr, "files_procs: a child failed\n");
		return 1;
	}
	printf("files_procs: n=%d iters=%ld wall_ns=%lld rounds_per_s=%.0f\n", n, iters, wall, (double)n * iters * 1e9 / wall);
	return 0;
}
