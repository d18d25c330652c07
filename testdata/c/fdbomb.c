/* fdbomb: N processes each raise RLIMIT_NOFILE to its hard limit and
 * make kernel objects until the call fails or CAP are made, keeping them
 * all open; then the parent prints what each got, says "filled" and
 * waits for a line on stdin before everyone exits. The caller measures
 * whoever serves the calls meanwhile.
 *   fdbomb N CAP KIND    KIND: null (open /dev/null), pipe, socket
 *                        (socketpair), epoll (epoll_create1), fifo
 *                        (mkfifo in /tmp, open O_RDWR, fill its buffer)
 * A child's line: "child I: made M, then ERRNO" or "child I: made M". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int make(const char *kind) {
	int p[2];
	if (strcmp(kind, "null") == 0)
		return open("/dev/null", O_RDONLY);
	if (strcmp(kind, "pipe") == 0)
		return pipe(p);
	if (strcmp(kind, "socket") == 0)
		return socketpair(AF_UNIX, SOCK_STREAM, 0, p);
	if (strcmp(kind, "epoll") == 0)
		return epoll_create1(0);
	if (strcmp(kind, "fifo") == 0) {
		static long seq;
		static char chunk[65536];
		char path[64];
		snprintf(path, sizeof path, "/tmp/fdbomb-%d-%ld", getpid(), seq++);
		if (mkfifo(path, 0600) != 0)
			return -1;
		int fd = open(path, O_RDWR | O_NONBLOCK);
		if (fd < 0 || write(fd, chunk, sizeof chunk) < 0)
			return -1;
		return fd;
	}
	errno = EINVAL;
	return -1;
}

int main(int argc, char **argv) {
	if (argc != 4)
		return 2;
	int n = atoi(argv[1]);
	long cap = atol(argv[2]);
	int report[2], release[2];
	if (pipe(report) != 0 || pipe(release) != 0) {
		perror("pipe");
		return 1;
	}
	/* The report pipe's buffer is made now, before the children use up
	 * the memory a new one would need. */
	char c;
	if (write(report[1], "x", 1) != 1 || read(report[0], &c, 1) != 1) {
		perror("report pipe");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			printf("fork %d failed: %s\n", i, strerror(errno));
			return 1;
		}
		if (pid > 0)
			continue;
		close(report[0]);
		close(release[1]);
		struct rlimit rl;
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		long made = 0;
		int err = 0;
		while (made < cap) {
			if (make(argv[3]) < 0) {
				err = errno;
				break;
			}
			made++;
		}
		char line[128];
		int len = err ? snprintf(line, sizeof line, "child %d: made %ld, then %s\n", i, made, strerrorname_np(err))
		              : snprintf(line, sizeof line, "child %d: made %ld\n", i, made);
		if (write(report[1], line, len) != len)
			_exit(1);
		read(release[0], &c, 1); /* end of file: the parent is done */
		_exit(0);
	}
	close(report[1]);
	close(release[0]);
	/* One line from each child (each a single write, under PIPE_BUF). */
	char buf[4096];
	FILE *in = fdopen(report[0], "r");
	for (int i = 0; i < n && fgets(buf, sizeof buf, in); i++)
		fputs(buf, stdout);
	printf("filled\n");
	fflush(stdout);
	fgets(buf, sizeof buf, stdin);
	close(release[1]);
	while (wait(NULL) > 0)
		;
	printf("done\n");
	return 0;
}
