/* voldirs: raises RLIMIT_NOFILE to its hard limit, creates and opens
 * directories DIR/d0, DIR/d1, ... until N are open or one fails, keeping
 * them open; then forks a child that execs PROGRAM ARGS, waits for it,
 * says "filled" and waits for a line on stdin before exiting, so the
 * caller can look at whoever serves it while everything is open.
 *   voldirs DIR N PROGRAM ARGS */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 4)
		return 2;
	long n = atol(argv[2]), opened = 0;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	int err = 0;
	char path[4096];
	while (opened < n) {
		snprintf(path, sizeof path, "%s/d%ld", argv[1], opened);
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			err = errno;
			break;
		}
		if (open(path, O_RDONLY | O_DIRECTORY) < 0) {
			err = errno;
			break;
		}
		opened++;
	}
	if (err)
		printf("opened %ld, then %s\n", opened, strerrorname_np(err));
	else
		printf("opened %ld\n", opened);
	fflush(stdout);
	/* Free one fd for the child's pipes, as a shell would need. */
	close(3);
	pid_t pid = fork();
	if (pid < 0) {
		printf("fork failed: %s\n", strerrorname_np(errno));
		return 1;
	}
	if (pid == 0) {
		execv(argv[3], argv + 3);
		printf("exec failed: %s\n", strerrorname_np(errno));
		fflush(stdout);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid) {
		perror("waitpid");
		return 1;
	}
	printf("child exited %d\nfilled\n", WEXITSTATUS(st));
	fflush(stdout);
	fgets(path, sizeof path, stdin);
	return 0;
}
