/* Thread exit versus process exit. "leader-first": the main thread leaves
 * with pthread_exit while another thread runs on and then ends with the
 * raw exit syscall; the process's status is the main thread's (0).
 * "exit-group": a second thread calls exit_group(5) while main waits in
 * pause; every thread ends, status 5. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *late_exit(void *arg) {
	(void)arg;
	usleep(100000);
	printf("last thread exits\n");
	fflush(stdout);
	syscall(SYS_exit, 7);
	return NULL;
}

static void *group_exit(void *arg) {
	(void)arg;
	usleep(50000);
	printf("exit_group from a thread\n");
	fflush(stdout);
	syscall(SYS_exit_group, 5);
	return NULL;
}

int main(int argc, char **argv) {
	pthread_t th;
	if (argc > 1 && strcmp(argv[1], "leader-first") == 0) {
		pthread_create(&th, NULL, late_exit, NULL);
		printf("main thread exits\n");
		fflush(stdout);
		pthread_exit(NULL);
	}
	pthread_create(&th, NULL, group_exit, NULL);
	pause();
	return 1;
}
