// prio_affinity: nice values (getpriority/setpriority per process, group
// and user, clamping, EACCES/EPERM when unprivileged, inheritance),
// per-thread CPU affinity (inheritance over fork and pthread_create,
// EINVAL for a mask without an online CPU), sched_rr_get_interval,
// clock_settime/settimeofday refused as to an unprivileged process,
// pidfd_send_signal (pidfd_open and CLONE_PIDFD, with and without a
// siginfo), kill's permission check, and times(2) (properties only: the
// values are times). Run as root; the e2e test
// compares its output with a native run.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif

static void res(const char *what, long rc) {
	printf("%s = %ld%s%s\n", what, rc, rc < 0 ? " " : "", rc < 0 ? strerrorname_np(errno) : "");
}

static long rawprio(int which, int who) { return syscall(SYS_getpriority, which, who); }

static int ncpus(pid_t tid) {
	cpu_set_t s;
	CPU_ZERO(&s);
	if (sched_getaffinity(tid, sizeof s, &s) < 0) return -errno;
	return CPU_COUNT(&s) * 1000 + (CPU_ISSET(0, &s) ? 1 : 0);
}

static void *thread(void *arg) {
	printf("thread: nice %ld cpus %d\n", rawprio(PRIO_PROCESS, gettid()), ncpus(0));
	return NULL;
}

static volatile sig_atomic_t got, gotcode, gotval;
static void handler(int sig, siginfo_t *si, void *ctx) {
	got = sig;
	gotcode = si->si_code;
	gotval = si->si_value.sival_int;
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	struct rlimit zero = {0, 0};
	setrlimit(RLIMIT_NICE, &zero);

	res("raw getpriority self", rawprio(PRIO_PROCESS, 0));
	res("setpriority self 5", setpriority(PRIO_PROCESS, 0, 5));
	res("raw getpriority self", rawprio(PRIO_PROCESS, 0));
	res("setpriority self 100 (clamped)", setpriority(PRIO_PROCESS, 0, 100));
	res("getpriority self", getpriority(PRIO_PROCESS, 0));
	res("setpriority self -3 (root)", setpriority(PRIO_PROCESS, 0, -3));
	res("getpriority pgrp", getpriority(PRIO_PGRP, 0));
	res("getpriority bad which", rawprio(7, 0));
	res("getpriority no such pid", rawprio(PRIO_PROCESS, 999999));
	res("getpriority no such user", rawprio(PRIO_USER, 4242));
	res("setpriority no such pgrp", setpriority(PRIO_PGRP, 999999, 1));

	// Affinity: the caller gets CPU 0 alone; children and threads inherit.
	char buf[1024];
	res("raw getaffinity 4 bytes", syscall(SYS_sched_getaffinity, 0, 4, buf));
	res("raw getaffinity 12 bytes", syscall(SYS_sched_getaffinity, 0, 12, buf));
	res("raw getaffinity 1024 bytes (the kernel's cpumask size)", syscall(SYS_sched_getaffinity, 0, 1024, buf));
	res("getaffinity no such pid", sched_getaffinity(999999, 128, (cpu_set_t *)buf));
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	res("setaffinity {0}", sched_setaffinity(0, sizeof one, &one));
	printf("self: cpus %d\n", ncpus(0));
	cpu_set_t none;
	CPU_ZERO(&none);
	res("setaffinity {}", sched_setaffinity(0, sizeof none, &none));
	CPU_SET(1000, &none);
	res("setaffinity {1000}", sched_setaffinity(0, sizeof none, &none));
	pthread_t th;
	pthread_create(&th, NULL, thread, NULL);
	pthread_join(th, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		printf("child: nice %ld cpus %d\n", rawprio(PRIO_PROCESS, 0), ncpus(0));
		_exit(0);
	}
	waitpid(pid, NULL, 0);

	// times: CPU time of the process and of waited-for children, and a
	// tick count that advances at least as far as a sleep.
	struct tms tm0, tm1;
	clock_t c0;
	volatile unsigned long spin = 0;
	times(&tm0);
	do {
		for (int i = 0; i < 1000000; i++) spin++;
	} while (times(&tm1), tm1.tms_utime + tm1.tms_stime < tm0.tms_utime + tm0.tms_stime + 3);
	printf("times: own user+sys grew\n");
	pid = fork();
	if (pid == 0) {
		struct tms c;
		do {
			for (int i = 0; i < 1000000; i++) spin++;
		} while (times(&c), c.tms_utime + c.tms_stime < 3);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	times(&tm1);
	printf("times: children user+sys > 0 %d\n", tm1.tms_cutime + tm1.tms_cstime > 0);
	c0 = times(NULL);
	usleep(200000);
	printf("times: 200 ms sleep is >= 19 ticks %d\n", times(NULL) - c0 >= 19);

	struct timespec ts = {1, 1};
	res("sched_rr_get_interval", sched_rr_get_interval(0, &ts));
	printf("interval sec %ld\n", (long)ts.tv_sec);
	res("sched_rr_get_interval -1", sched_rr_get_interval(-1, &ts));
	res("sched_rr_get_interval no such pid", sched_rr_get_interval(999999, &ts));

	// pidfd_send_signal to a child that waits for signals.
	struct sigaction sa = {0};
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	int pfd = -1, p[2];
	pipe(p);
	pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pfd, 0, 0);
	if (pid == 0) {
		sigset_t empty;
		sigemptyset(&empty);
		for (;;) {
			got = 0;
			while (!got) sigsuspend(&empty);
			dprintf(p[1], "child got %d code %d value %d\n", (int)got, (int)gotcode, (int)gotval);
		}
	}
	FILE *from = fdopen(p[0], "r");
	char line[128];
#define HEARD() (fgets(line, sizeof line, from), fputs(line, stdout))
	res("clone pidfd >= 0", pfd >= 0 ? 0 : -1);
	res("pidfd_send_signal flags 3", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 3));
	res("pidfd_send_signal flags 8", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 8));
	res("pidfd_send_signal 0", syscall(SYS_pidfd_send_signal, pfd, 0, NULL, 0));
	res("pidfd_send_signal THREAD", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 1));
	HEARD();
	res("pidfd_send_signal THREAD_GROUP", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 2));
	HEARD();
	res("pidfd_send_signal PROCESS_GROUP (not a leader)", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 4));
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = SIGUSR2;
	si.si_code = SI_QUEUE;
	res("pidfd_send_signal signo mismatch", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, &si, 0));
	si.si_signo = SIGUSR1;
	si.si_code = SI_USER;
	res("pidfd_send_signal as SI_USER", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, &si, 0));
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 42;
	si.si_pid = getpid();
	si.si_uid = getuid();
	res("pidfd_send_signal SI_QUEUE", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, &si, 0));
	HEARD();
	res("pidfd_send_signal plain", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 0));
	HEARD();
	res("pidfd_send_signal KILL", syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0));
	waitpid(pid, NULL, 0);
	res("pidfd_send_signal after reaping", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 0));
	close(pfd);
	res("pidfd_send_signal not a pidfd", syscall(SYS_pidfd_send_signal, 0, SIGUSR1, NULL, 0));
	int self = syscall(SYS_pidfd_open, getpid(), 0);
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	si.si_code = SI_USER;
	si.si_value.sival_int = 7;
	res("pidfd_send_signal self as SI_USER", syscall(SYS_pidfd_send_signal, self, SIGUSR1, &si, 0));
	printf("self got %d code %d value %d\n", (int)got, (int)gotcode, (int)gotval);
	setpgid(0, 0);
	got = 0;
	res("pidfd_send_signal self PROCESS_GROUP", syscall(SYS_pidfd_send_signal, self, SIGUSR1, NULL, 4));
	printf("self got %d code %d\n", (int)got, (int)gotcode);
	close(self);

	// A root child stays; the rest runs as uid 1000.
	pid_t rootchild = fork();
	if (rootchild == 0) {
		pause();
		_exit(0);
	}
	pid_t parent = getpid();
	pid = fork();
	if (pid == 0) {
		res("setresuid 4243", setresuid(4243, 4243, 4243));
		res("setpriority self 10", setpriority(PRIO_PROCESS, 0, 10));
		res("setpriority self 4 (lower)", setpriority(PRIO_PROCESS, 0, 4));
		res("getpriority self", getpriority(PRIO_PROCESS, 0));
		res("getpriority user 0", getpriority(PRIO_USER, 0));
		res("setpriority user 0 to 12", setpriority(PRIO_USER, 0, 12));
		res("getpriority user 4243", getpriority(PRIO_USER, 4243));
		res("setpriority root's process", setpriority(PRIO_PROCESS, parent, 10));
		res("setaffinity root's process", sched_setaffinity(parent, sizeof one, &one));
		res("getaffinity root's process", sched_getaffinity(parent, sizeof one, &one));
		res("kill root's process 0", kill(rootchild, 0));
		res("kill root's process TERM", kill(rootchild, SIGTERM));
		res("kill -1 0", kill(-1, 0));
		int rpfd = syscall(SYS_pidfd_open, rootchild, 0);
		res("pidfd_send_signal root's process", syscall(SYS_pidfd_send_signal, rpfd, SIGTERM, NULL, 0));
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		res("clock_settime REALTIME", clock_settime(CLOCK_REALTIME, &now));
		res("clock_settime MONOTONIC", clock_settime(CLOCK_MONOTONIC, &now));
		res("clock_settime PROCESS_CPUTIME", clock_settime(CLOCK_PROCESS_CPUTIME_ID, &now));
		now.tv_nsec = 2000000000;
		res("clock_settime REALTIME bad nsec", clock_settime(CLOCK_REALTIME, &now));
		res("clock_settime bad pointer", syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8));
		res("clock_settime bad clock", clock_settime(12345, &now));
		struct timeval tv = {1, 0};
		res("settimeofday", settimeofday(&tv, NULL));
		tv.tv_usec = 1000000;
		res("settimeofday bad usec", settimeofday(&tv, NULL));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	kill(rootchild, SIGKILL);
	waitpid(rootchild, NULL, 0);
	return 0;
}
