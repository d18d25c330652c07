/* reaper CMD ARGS...: runs CMD as the child of a child subreaper, passes
 * SIGTERM, SIGINT and SIGABRT (a hung test's request for the sentry's
 * goroutines) on to it, and once it has exited keeps reaping every
 * process orphaned below it (a sentry's stub processes, which must die
 * with their sentry) until none is left. It exits only then, with CMD's
 * status (128+N for a signal), and prints on stderr
 * "reaper: N orphans reaped" with the number of processes other than CMD
 * it reaped. A process outliving CMD for good keeps it waiting: a hang. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;

static void pass(int sig) {
	if (child > 0)
		kill(child, sig);
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		perror("reaper: PR_SET_CHILD_SUBREAPER");
		return 2;
	}
	struct sigaction sa = {.sa_handler = pass};
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("reaper: fork");
		return 2;
	}
	if (pid == 0) {
		execv(argv[1], argv + 1);
		perror("reaper: execv");
		_exit(127);
	}
	child = pid;
	int status = 0, orphans = 0;
	for (;;) {
		int st;
		pid_t p = wait(&st);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: nothing left below us */
		}
		if (p == pid) {
			status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
			child = 0;
		} else {
			orphans++;
		}
	}
	fprintf(stderr, "reaper: %d orphans reaped\n", orphans);
	return status;
}
