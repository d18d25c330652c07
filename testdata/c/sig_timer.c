/* Timers and interrupted waits: alarm ends pause (EINTR); setitimer
 * ITIMER_REAL repeats and getitimer reports it; a POSIX timer with
 * SIGEV_THREAD_ID signals one chosen thread; nanosleep interrupted by a
 * handler returns EINTR with the time left; a futex wait is restarted
 * under SA_RESTART and fails with EINTR without it; SIGSTOP stops the
 * process until a timer's SIGCONT resumes it. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms, handler_tid, usr1s;

static void fail(const char *what) {
	printf("FAIL %s (errno %d)\n", what, errno);
	exit(1);
}

static void on_alarm(int sig) {
	(void)sig;
	handler_tid = (int)syscall(SYS_gettid); /* before the count others watch */
	alarms++;
}

static void on_usr1(int sig) {
	(void)sig;
	usr1s++;
}

static long now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static volatile int worker_tid, worker_stop;
static void *worker(void *arg) {
	(void)arg;
	worker_tid = (int)syscall(SYS_gettid);
	while (!worker_stop)
		usleep(1000);
	return NULL;
}

static uint32_t fword;
static volatile long futex_ret, futex_errno, waiter_tid;
static void *futex_waiter(void *arg) {
	(void)arg;
	waiter_tid = syscall(SYS_gettid);
	futex_ret = syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	futex_errno = errno;
	return NULL;
}

/* Returns what the futex wait returned after a signal and a wake. */
static long futex_case(int flags) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = flags;
	sigaction(SIGUSR1, &sa, NULL);
	fword = 0;
	waiter_tid = 0;
	usr1s = 0;
	pthread_t th;
	pthread_create(&th, NULL, futex_waiter, NULL);
	while (!waiter_tid)
		usleep(1000);
	usleep(20000); /* let it block */
	syscall(SYS_tgkill, getpid(), (pid_t)waiter_tid, SIGUSR1);
	while (!usr1s)
		usleep(1000);
	usleep(20000);
	fword = 1;
	syscall(SYS_futex, &fword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	pthread_join(th, NULL);
	return futex_ret == 0 ? 0 : futex_errno;
}

int main(void) {
	signal(SIGALRM, on_alarm);
	long t0 = now_ms();
	alarm(1);
	if (alarm(1) == 0)
		fail("alarm did not report the previous one");
	if (pause() != -1 || errno != EINTR || alarms != 1)
		fail("pause");
	long el = now_ms() - t0;
	if (el < 900 || el > 3000)
		fail("alarm timing");
	printf("alarm: pause returned EINTR after the handler\n");

	struct itimerval it = {{0, 20000}, {0, 20000}}, cur;
	setitimer(ITIMER_REAL, &it, NULL);
	getitimer(ITIMER_REAL, &cur);
	if (cur.it_interval.tv_usec != 20000 || (cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0))
		fail("getitimer");
	while (alarms < 4)
		pause();
	it.it_value.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	printf("setitimer: repeating SIGALRM\n");

	pthread_t th;
	pthread_create(&th, NULL, worker, NULL);
	while (!worker_tid)
		usleep(1000);
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGALRM;
	sev._sigev_un._tid = worker_tid;
	timer_t tm;
	if (timer_create(CLOCK_REALTIME, &sev, &tm) != 0)
		fail("timer_create");
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	rt.tv_nsec += 20 * 1000 * 1000;
	if (rt.tv_nsec >= 1000000000) {
		rt.tv_sec++;
		rt.tv_nsec -= 1000000000;
	}
	struct itimerspec its = {{0, 0}, rt};
	int before = alarms;
	if (timer_settime(tm, TIMER_ABSTIME, &its, NULL) != 0)
		fail("timer_settime");
	while (alarms == before)
		usleep(1000);
	if (handler_tid != worker_tid)
		fail("SIGEV_THREAD_ID went to another thread");
	struct itimerspec left;
	timer_gettime(tm, &left);
	if (left.it_value.tv_sec != 0 || left.it_value.tv_nsec != 0)
		fail("timer_gettime after expiry");
	timer_delete(tm);
	worker_stop = 1;
	pthread_join(th, NULL);
	printf("timer_create: SIGEV_THREAD_ID reached its thread\n");

	alarm(1);
	struct timespec req = {5, 0}, rem = {0, 0};
	if (nanosleep(&req, &rem) != -1 || errno != EINTR)
		fail("nanosleep not interrupted");
	if (rem.tv_sec < 3 || rem.tv_sec > 4)
		fail("nanosleep remaining time");
	printf("nanosleep: EINTR with about 4s left\n");

	if (futex_case(SA_RESTART) != 0)
		fail("futex wait with SA_RESTART not restarted");
	if (futex_case(0) != EINTR)
		fail("futex wait without SA_RESTART did not fail with EINTR");
	printf("futex: restarted with SA_RESTART, EINTR without\n");

	if (getpid() == 1) {
		/* A pid namespace's init (the sandbox's first process) never
		 * stops on its own SIGSTOP: let a child stop instead. */
		fflush(stdout);
		pid_t c = fork();
		if (c > 0) {
			int st;
			waitpid(c, &st, 0);
			return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
		}
	}
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGCONT;
	timer_create(CLOCK_MONOTONIC, &sev, &tm);
	struct itimerspec cont = {{0, 0}, {0, 100 * 1000 * 1000}};
	timer_settime(tm, 0, &cont, NULL);
	t0 = now_ms();
	raise(SIGSTOP);
	el = now_ms() - t0;
	if (el < 50)
		fail("SIGSTOP did not stop");
	printf("SIGSTOP: stopped until SIGCONT\n");
	return 0;
}
