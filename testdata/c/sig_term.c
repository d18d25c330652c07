/* A server-like program: installs a SIGTERM handler (as redis does),
 * says it is ready and waits in pause. Its handler records the signal;
 * the program then says goodbye and exits 0 — the clean shutdown a user
 * gets from `kill -TERM` of the sentry. With an argument it installs no
 * handler, so the default action ends it. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static volatile int from_pid = -1;

static void on_term(int sig, siginfo_t *si, void *uc) {
	(void)uc;
	got = sig;
	from_pid = si->si_pid;
}

int main(int argc, char **argv) {
	(void)argv;
	if (argc == 1) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_term;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGUSR2, &sa, NULL);
	}
	printf("ready\n");
	fflush(stdout);
	while (!got)
		pause();
	printf("got signal %d from pid %d, shutting down\n", got, from_pid);
	return 0;
}
