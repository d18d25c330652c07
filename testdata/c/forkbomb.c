/* forkbomb flat: fork children that wait, until fork fails (at most 1000);
 * report how many and the errno.
 * forkbomb zombies: fork children that exit at once and are never waited
 * for, until fork fails (at most 1000): zombies hold their pids, so the
 * limit counts them; report how many and the errno.
 * forkbomb bomb: every process forks until fork fails, children included;
 * nobody exits before everyone has failed (they wait on a pipe), so the
 * tree fills the pids limit exactly, then all exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	int p[2];
	if (argc < 2 || pipe(p) != 0)
		return 2;
	if (strcmp(argv[1], "flat") == 0) {
		int n = 0, err = 0;
		for (; n < 1000; n++) {
			pid_t c = fork();
			if (c == 0) {
				char b;
				close(p[1]);
				read(p[0], &b, 1);
				_exit(0);
			}
			if (c < 0) {
				err = errno;
				break;
			}
		}
		close(p[1]);
		while (wait(NULL) > 0)
			;
		printf("forked %d children, then %s\n", n, err ? strerrorname_np(err) : "no error");
		return 0;
	}
	if (strcmp(argv[1], "zombies") == 0) {
		int n = 0, err = 0;
		for (; n < 1000; n++) {
			pid_t c = fork();
			if (c == 0)
				_exit(0);
			if (c < 0) {
				err = errno;
				break;
			}
		}
		printf("forked %d children, then %s\n", n, err ? strerrorname_np(err) : "no error");
		return 0;
	}
	pid_t root = getpid();
	int err = 0;
	for (;;) {
		pid_t c = fork();
		if (c < 0) {
			err = errno;
			break;
		}
	}
	close(p[1]);
	char b;
	read(p[0], &b, 1);
	while (wait(NULL) > 0)
		;
	if (getpid() == root)
		printf("bomb contained: fork failed with %s\n", strerrorname_np(err));
	return 0;
}
