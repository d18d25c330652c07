/* Signals reach threads that make no syscalls: a tgkill to a thread spinning
 * on a flag, and an alarm to a process spinning in main, both run their
 * handlers (the platform interrupts user code). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
static volatile int stop, tid;
static void h(int s) {
	(void)s;
	stop = 1;
}
static void *f(void *a) {
	(void)a;
	tid = syscall(SYS_gettid);
	while (!stop)
		;
	return 0;
}
int main(void) {
	signal(SIGUSR1, h);
	pthread_t th; pthread_create(&th, 0, f, 0);
	while (!tid) usleep(1000);
	usleep(50000);
	syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
	pthread_join(th, 0);
	printf("spinning thread interrupted\n");
	/* A signal to self while spinning: alarm. */
	stop = 0; signal(SIGALRM, h); alarm(1); while (!stop) ;
	printf("alarm interrupted a spin\n");
	return 0;
}
