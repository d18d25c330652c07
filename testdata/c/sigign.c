// sigign prints the signals it started with ignored (SIG_IGN), as execve
// leaves them: ignored dispositions survive exec, caught ones do not.
#include <signal.h>
#include <stdio.h>

int main(void) {
	printf("ignored:");
	for (int sig = 1; sig < 32; sig++) {
		struct sigaction old;
		if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			printf(" %d", sig);
	}
	printf("\n");
	return 0;
}
