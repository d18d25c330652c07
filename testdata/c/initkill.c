/* Run as pid 1 of a pid namespace (the sandbox's init): signals from inside
 * the namespace that init leaves at SIG_DFL are dropped, SIGKILL and SIGSTOP
 * included; a handled signal arrives. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t usr1;
static void on_usr1(int sig) { usr1 = 1; }

int main(void) {
	if (getpid() != 1) {
		printf("not pid 1\n");
		return 2;
	}
	signal(SIGUSR1, on_usr1);
	pid_t p = fork();
	if (p == 0) {
		int r = kill(1, SIGKILL) | kill(1, SIGSTOP) | kill(1, SIGTERM) | kill(1, SIGUSR1);
		_exit(r == 0 ? 0 : 1);
	}
	int st;
	waitpid(p, &st, 0);
	printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
	kill(1, SIGKILL);
	raise(SIGSTOP);
	kill(-1, SIGKILL); /* everyone else: there is no one */
	for (int i = 0; i < 100 && !usr1; i++)
		usleep(10000);
	printf("init survived; SIGUSR1 handled %d\n", usr1);
	return 0;
}
