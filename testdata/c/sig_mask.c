/* Masks and pending signals: a blocked signal stays pending (sigpending)
 * and runs its handler as soon as it is unblocked; a process-directed
 * signal goes to the thread that does not block it; rt_sigtimedwait takes
 * a blocked signal (and times out); rt_sigsuspend waits with a temporary
 * mask and restores the old one. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled, handler_tid;

static void fail(const char *what) {
	printf("FAIL %s\n", what);
	exit(1);
}

static void on_sig(int sig) {
	/* The tid first: main polls handled, then reads handler_tid. */
	handler_tid = (int)syscall(SYS_gettid);
	handled = sig;
}

static volatile int worker_tid, worker_stop;
static void *worker(void *arg) {
	(void)arg;
	sigset_t none;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	worker_tid = (int)syscall(SYS_gettid);
	while (!worker_stop)
		usleep(1000);
	return NULL;
}

int main(void) {
	signal(SIGUSR1, on_sig);
	sigset_t set, old, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	raise(SIGUSR1);
	if (handled)
		fail("blocked signal ran its handler");
	sigpending(&pend);
	if (!sigismember(&pend, SIGUSR1))
		fail("sigpending");
	printf("blocked: pending, not delivered\n");
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (handled != SIGUSR1)
		fail("unblock did not deliver");
	sigpending(&pend);
	if (sigismember(&pend, SIGUSR1))
		fail("still pending after delivery");
	printf("unblocked: delivered at once\n");

	/* Process-directed: main blocks SIGUSR1, the worker does not. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	pthread_t th;
	pthread_create(&th, NULL, worker, NULL);
	while (!worker_tid)
		usleep(1000);
	handled = 0;
	kill(getpid(), SIGUSR1);
	for (int i = 0; i < 2000 && !handled; i++)
		usleep(1000);
	if (handled != SIGUSR1 || handler_tid != worker_tid)
		fail("process-directed signal not taken by the unblocked thread");
	worker_stop = 1;
	pthread_join(th, NULL);
	printf("process-directed: taken by the thread that does not block it\n");

	/* rt_sigtimedwait on a blocked signal. */
	handled = 0;
	raise(SIGUSR1);
	siginfo_t si;
	struct timespec ts = {1, 0};
	int sig = sigtimedwait(&set, &si, &ts);
	if (sig != SIGUSR1 || si.si_pid != getpid() || handled)
		fail("sigtimedwait");
	struct timespec short_ts = {0, 20 * 1000 * 1000};
	if (sigtimedwait(&set, &si, &short_ts) != -1 || errno != EAGAIN)
		fail("sigtimedwait timeout");
	printf("sigtimedwait: took it; then EAGAIN\n");

	/* rt_sigsuspend with SIGUSR1 unblocked; an alarm-like timer sends it. */
	timer_t tid;
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	if (timer_create(CLOCK_MONOTONIC, &sev, &tid) != 0)
		fail("timer_create");
	struct itimerspec its = {{0, 0}, {0, 30 * 1000 * 1000}};
	timer_settime(tid, 0, &its, NULL);
	sigset_t wait_mask;
	sigfillset(&wait_mask);
	sigdelset(&wait_mask, SIGUSR1);
	handled = 0;
	if (sigsuspend(&wait_mask) != -1 || errno != EINTR || handled != SIGUSR1)
		fail("sigsuspend");
	sigprocmask(SIG_SETMASK, NULL, &old);
	if (!sigismember(&old, SIGUSR1) || sigismember(&old, SIGUSR2))
		fail("mask after sigsuspend");
	timer_delete(tid);
	printf("sigsuspend: EINTR after the handler, old mask back\n");
	return 0;
}
