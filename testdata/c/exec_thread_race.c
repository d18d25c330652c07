// exec_thread_race N: N times, fork a child whose second thread execs
// (this program again, which exits 0) while its first thread goes into
// pause(). The exec must end the first thread wherever it is: before it
// reaches pause, or inside it. Prints "ok N".
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
static char *self;
static void *ex(void *a) { execl(self, self, "done", (char *)NULL); return NULL; }
int main(int argc, char **argv) {
	self = argv[0];
	if (argc == 2 && strcmp(argv[1], "done") == 0) return 0;
	int n = atoi(argv[1]);
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			pthread_t th;
			pthread_create(&th, NULL, ex, NULL);
			for (;;) pause();
		}
		int st;
		waitpid(p, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { printf("bad %d\n", st); return 1; }
	}
	printf("ok %d\n", n);
	return 0;
}
