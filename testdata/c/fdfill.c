/* fdfill: raises RLIMIT_NOFILE to its hard limit, opens a file of the
 * read-only root until open fails, then forks: the sandbox must still be
 * able to make a process although the program holds every fd it may.
 *   fdfill PATH                the child exits 7
 *   fdfill PATH PROGRAM ARGS   the child execs PROGRAM ARGS, holding the
 *                              parent's fds but the one closed */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		perror("setrlimit");
	long n = 0;
	int err;
	for (;;) {
		if (open(argv[1], O_RDONLY) < 0) {
			err = errno;
			break;
		}
		n++;
	}
	printf("open failed: %s\n", strerror(err));
	fflush(stdout);
	/* Free one fd: the child's exit status goes through a pipe. */
	close(3);
	pid_t pid = fork();
	if (pid < 0) {
		printf("fork failed: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		if (argc > 2) {
			execv(argv[2], argv + 2);
			printf("exec failed: %s\n", strerror(errno));
			fflush(stdout);
		}
		_exit(7);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid) {
		perror("waitpid");
		return 1;
	}
	printf("child exited %d\n", WEXITSTATUS(st));
	fprintf(stderr, "opened %ld\n", n);
	return 0;
}
