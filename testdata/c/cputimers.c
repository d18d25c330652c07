/* CPU-time timers: ITIMER_VIRTUAL and ITIMER_PROF fire while the process
 * computes (and re-arm from it_interval), not while it sleeps; getitimer
 * reports a remaining value that shrinks as CPU is spent; POSIX timers on
 * the process CPU clock (relative and TIMER_ABSTIME) and on another
 * thread's CPU clock (SIGEV_THREAD_ID to the main thread) fire once that
 * CPU time is spent; timer_getoverrun; clock_nanosleep on CPU clocks; the
 * error cases of Linux's rules for CPU clock ids. Every bound is generous:
 * lines say only what happened, never how fast. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Linux's CPU clock id encoding (include/linux/posix-timers.h). */
#define CPUCLOCK_SCHED 2
#define MAKE_PROCESS_CPUCLOCK(pid, clock) ((~(clockid_t)(pid) << 3) | (clockid_t)(clock))
#define MAKE_THREAD_CPUCLOCK(tid, clock) MAKE_PROCESS_CPUCLOCK(tid, (clock) | 4)

static volatile sig_atomic_t vtalrms, profs, usr1s, usr2s, usr2_tid, seen;
static volatile int usr1_code, usr1_value;

/* expect_errno prints a call's result and whether errno is want. */
#define expect_errno(label, call, want)                                                        \
	do {                                                                                   \
		errno = 0;                                                                     \
		int r_ = (call);                                                               \
		int e_ = errno;                                                                \
		printf("%s: %d errno %s %s\n", label, r_, #want, e_ == want ? "yes" : "no"); \
	} while (0)

static void fail(const char *what) {
	printf("FAIL %s (errno %d)\n", what, errno);
	exit(1);
}

static void on_vtalrm(int sig) { (void)sig; vtalrms++; seen = 1; }
static void on_prof(int sig) { (void)sig; profs++; seen = 1; }
static void on_usr1(int sig, siginfo_t *si, void *uc) {
	(void)sig;
	(void)uc;
	usr1_code = si->si_code;
	usr1_value = si->si_value.sival_int;
	usr1s++;
}
static void on_usr2(int sig) {
	(void)sig;
	usr2_tid = (int)syscall(SYS_gettid);
	usr2s++;
}

static void handle(int sig, void (*fn)(int)) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, NULL) != 0)
		fail("sigaction");
}

static long long clock_ns(clockid_t c) {
	struct timespec ts;
	if (clock_gettime(c, &ts) != 0)
		fail("clock_gettime");
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static volatile unsigned long sink;

/* spin burns CPU until the process clock has advanced by ms or stop()
 * says so; it returns whether the loop itself ever saw *flag set. */
static int spin(long ms, volatile sig_atomic_t *flag) {
	long long end = clock_ns(CLOCK_PROCESS_CPUTIME_ID) + ms * 1000000LL;
	int saw = 0;
	for (;;) {
		for (int i = 0; i < 20000; i++)
			sink += i;
		if (flag && *flag)
			saw = 1;
		if (clock_ns(CLOCK_PROCESS_CPUTIME_ID) >= end)
			return saw;
	}
}

/* spin_until burns CPU until *flag is set, at most ms of CPU. */
static int spin_until(volatile sig_atomic_t *flag, long ms) {
	long long end = clock_ns(CLOCK_PROCESS_CPUTIME_ID) + ms * 1000000LL;
	while (!*flag) {
		for (int i = 0; i < 20000; i++)
			sink += i;
		if (clock_ns(CLOCK_PROCESS_CPUTIME_ID) >= end)
			return 0;
	}
	return 1;
}

static void itimer_fires(int which, int sig, volatile sig_atomic_t *count, const char *name) {
	struct itimerval it = {{0, 10000}, {0, 10000}}, off = {{0, 0}, {0, 0}}, old;
	seen = 0;
	if (setitimer(which, &it, NULL) != 0)
		fail("setitimer");
	int saw = spin(300, &seen);
	if (setitimer(which, &off, &old) != 0)
		fail("setitimer off");
	int n = *count;
	printf("%s: %s signals over 300 ms of CPU, handler seen by the loop: %s\n", name,
	       n >= 5 && n <= 100 ? "between 5 and 100" : "WRONG NUMBER OF", saw ? "yes" : "no");
	printf("%s: old interval %ld us, old value %s\n", name, (long)old.it_interval.tv_usec,
	       old.it_value.tv_sec == 0 && old.it_value.tv_usec > 0 && old.it_value.tv_usec <= 10000
	           ? "in (0, 10 ms]" : "WRONG");
	(void)sig;
}

static volatile int worker_stop;
static void *busy(void *arg) {
	(void)arg;
	while (!worker_stop)
		for (int i = 0; i < 20000; i++)
			sink += i;
	return NULL;
}

static int wait_flag(volatile sig_atomic_t *flag, int ms) {
	struct timespec d = {0, 1000000};
	for (int i = 0; i < ms && !*flag; i++)
		nanosleep(&d, NULL);
	return *flag != 0;
}

int main(void) {
	alarm(120); /* a hang is a failure, not a stuck test */
	setvbuf(stdout, NULL, _IONBF, 0);
	handle(SIGVTALRM, on_vtalrm);
	handle(SIGPROF, on_prof);
	handle(SIGUSR2, on_usr2);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	itimer_fires(ITIMER_VIRTUAL, SIGVTALRM, &vtalrms, "ITIMER_VIRTUAL");
	itimer_fires(ITIMER_PROF, SIGPROF, &profs, "ITIMER_PROF");

	/* Sleeping spends no user CPU: a 100 ms virtual timer stays quiet. */
	vtalrms = 0;
	struct itimerval it = {{0, 0}, {0, 100000}}, cur, off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_VIRTUAL, &it, NULL);
	struct timespec nap = {0, 200000000};
	nanosleep(&nap, NULL);
	getitimer(ITIMER_VIRTUAL, &cur);
	printf("ITIMER_VIRTUAL during a 200 ms sleep: %d signals, still armed: %s\n", (int)vtalrms,
	       cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 ? "yes" : "no");
	setitimer(ITIMER_VIRTUAL, &off, NULL);

	/* getitimer's remaining value shrinks as CPU is spent. */
	struct itimerval big = {{1, 0}, {1, 0}}, r1, r2;
	setitimer(ITIMER_PROF, &big, NULL);
	getitimer(ITIMER_PROF, &r1);
	spin(50, NULL);
	getitimer(ITIMER_PROF, &r2);
	long v1 = r1.it_value.tv_sec * 1000000L + r1.it_value.tv_usec;
	long v2 = r2.it_value.tv_sec * 1000000L + r2.it_value.tv_usec;
	/* Linux adds a tick to a new setting's value (set_cpu_itimer). */
	printf("getitimer: interval %ld s, first value at most 10 ms above it: %s, decreasing: %s\n",
	       (long)r2.it_interval.tv_sec, v1 > 0 && v1 <= 1010000 ? "yes" : "no",
	       v2 > 0 && v2 < v1 ? "yes" : "no");
	setitimer(ITIMER_PROF, &off, NULL);
	getitimer(ITIMER_PROF, &cur);
	printf("getitimer after disarm: value %ld.%06ld\n", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);

	/* timer_create on the process CPU clock, SIGEV_SIGNAL. */
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 42;
	timer_t tm;
	if (timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &tm) != 0)
		fail("timer_create process cpu");
	struct itimerspec ts = {{0, 0}, {0, 50000000}}, got;
	if (timer_settime(tm, 0, &ts, NULL) != 0)
		fail("timer_settime");
	timer_gettime(tm, &got);
	printf("timer_gettime armed: %s\n",
	       got.it_value.tv_sec == 0 && got.it_value.tv_nsec > 0 && got.it_value.tv_nsec <= 50000000 ? "in (0, 50 ms]" : "WRONG");
	int fired = spin_until(&usr1s, 3000);
	printf("process CPU timer: fired %s, si_code SI_TIMER %s, value %d\n", fired ? "yes" : "no",
	       usr1_code == SI_TIMER ? "yes" : "no", usr1_value);
	timer_gettime(tm, &got);
	printf("timer_gettime after one-shot: %ld.%09ld\n", (long)got.it_value.tv_sec, (long)got.it_value.tv_nsec);

	/* TIMER_ABSTIME on the CPU clock. */
	usr1s = 0;
	long long now = clock_ns(CLOCK_PROCESS_CPUTIME_ID) + 30000000LL;
	ts.it_value.tv_sec = now / 1000000000LL;
	ts.it_value.tv_nsec = now % 1000000000LL;
	if (timer_settime(tm, TIMER_ABSTIME, &ts, NULL) != 0)
		fail("timer_settime abs");
	fired = spin_until(&usr1s, 3000);
	printf("absolute process CPU timer: fired %s\n", fired ? "yes" : "no");
	/* An absolute time already past fires at once. */
	usr1s = 0;
	ts.it_value.tv_sec = 0;
	ts.it_value.tv_nsec = 1;
	timer_settime(tm, TIMER_ABSTIME, &ts, NULL);
	fired = spin_until(&usr1s, 3000);
	printf("absolute time in the past: fired %s\n", fired ? "yes" : "no");

	/* Periodic, then timer_getoverrun. */
	usr1s = 0;
	struct itimerspec per = {{0, 5000000}, {0, 5000000}};
	timer_settime(tm, 0, &per, NULL);
	spin(100, NULL);
	int ov = timer_getoverrun(tm);
	struct itimerspec zero = {{0, 0}, {0, 0}};
	timer_settime(tm, 0, &zero, NULL);
	printf("periodic CPU timer: %s, timer_getoverrun >= 0: %s\n",
	       usr1s >= 3 ? "several signals" : "TOO FEW", ov >= 0 ? "yes" : "no");
	timer_delete(tm);
	expect_errno("timer_getoverrun after delete", timer_getoverrun(tm), EINVAL);

	/* A busy thread's CPU clock signals the main thread. */
	pthread_t th;
	pthread_create(&th, NULL, busy, NULL);
	clockid_t tc;
	if (pthread_getcpuclockid(th, &tc) != 0)
		fail("pthread_getcpuclockid");
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR2;
	sev._sigev_un._tid = (int)syscall(SYS_gettid);
	if (timer_create(tc, &sev, &tm) != 0)
		fail("timer_create thread cpu");
	struct itimerspec t50 = {{0, 0}, {0, 50000000}};
	timer_settime(tm, 0, &t50, NULL);
	fired = wait_flag(&usr2s, 20000);
	printf("thread CPU timer of a busy thread: fired %s, in the main thread %s\n", fired ? "yes" : "no",
	       usr2_tid == (int)syscall(SYS_gettid) ? "yes" : "no");
	timer_delete(tm);

	/* clock_nanosleep on CPU clocks. */
	struct timespec d30 = {0, 30000000};
	printf("clock_nanosleep on the busy thread's clock: %d\n", clock_nanosleep(tc, 0, &d30, NULL));
	printf("clock_nanosleep on the process clock: %d\n", clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &d30, NULL));
	printf("clock_nanosleep on CLOCK_THREAD_CPUTIME_ID: EINVAL %s\n",
	       clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &d30, NULL) == EINVAL ? "yes" : "no");
	clockid_t self;
	pthread_getcpuclockid(pthread_self(), &self);
	printf("clock_nanosleep on its own thread clock: EINVAL %s\n",
	       clock_nanosleep(self, 0, &d30, NULL) == EINVAL ? "yes" : "no");
	long long before = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	worker_stop = 1;
	pthread_join(th, NULL);
	printf("process clock keeps an exited thread's time: %s\n",
	       clock_ns(CLOCK_PROCESS_CPUTIME_ID) >= before ? "yes" : "no");

	/* Errors. */
	expect_errno("setitimer(5)", setitimer(5, &it, NULL), EINVAL);
	expect_errno("getitimer(-1)", getitimer(-1, &cur), EINVAL);
	expect_errno("timer_create(clock 100)", timer_create(100, NULL, &tm), EINVAL);
	expect_errno("timer_create(bad CPU clock kind)", timer_create(MAKE_THREAD_CPUCLOCK(0, 3), NULL, &tm), EINVAL);
	expect_errno("clock_gettime(bad CPU clock kind)", clock_gettime(MAKE_PROCESS_CPUCLOCK(0, 7), &nap), EINVAL);

	int pfd[2];
	if (pipe(pfd) != 0)
		fail("pipe");
	pid_t child = fork();
	if (child == 0) {
		char c;
		close(pfd[1]);
		read(pfd[0], &c, 1);
		_exit(0);
	}
	struct timespec out;
	expect_errno("clock_gettime(thread clock of another process)",
		     clock_gettime(MAKE_THREAD_CPUCLOCK(child, CPUCLOCK_SCHED), &out), EINVAL);
	expect_errno("timer_create(thread clock of another process)",
		     timer_create(MAKE_THREAD_CPUCLOCK(child, CPUCLOCK_SCHED), NULL, &tm), EINVAL);
	expect_errno("clock_getres(thread clock of another process)",
		     clock_getres(MAKE_THREAD_CPUCLOCK(child, CPUCLOCK_SCHED), &out), EINVAL);
	clockid_t cc;
	int gr = clock_getcpuclockid(child, &cc);
	printf("clock_getcpuclockid(child): %d, readable: %s\n", gr, clock_gettime(cc, &out) == 0 ? "yes" : "no");
	close(pfd[1]);
	waitpid(child, NULL, 0);
	printf("clock_getcpuclockid(reaped child): ESRCH %s\n", clock_getcpuclockid(child, &cc) == ESRCH ? "yes" : "no");
	printf("done\n");
	return 0;
}
