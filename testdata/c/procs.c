// procs: fork/exec/wait semantics, checked by the program itself. Prints
// "ok NAME" or "FAIL NAME: why" per check; exits with the failure count.
// Runs the same on the host (as a non-init process) and in the sentry
// (as PID 1), except the init-only check.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
static int failures;
static char *self;

#define CHECK(name, cond, ...)                                   \
	do {                                                         \
		if (cond) {                                              \
			printf("ok %s\n", name);                             \
		} else {                                                 \
			failures++;                                          \
			printf("FAIL %s: ", name);                           \
			printf(__VA_ARGS__);                                 \
			printf("\n");                                        \
		}                                                        \
		fflush(stdout);                                          \
	} while (0)

static int waitst(pid_t pid, int opts) {
	int st = -1;
	pid_t r = waitpid(pid, &st, opts);
	if (r <= 0 || (pid > 0 && r != pid)) return -1000 - errno;
	return st;
}

static void exit_codes(void) {
	pid_t p = fork();
	if (p == 0) _exit(7);
	int st = waitst(p, 0);
	CHECK("exit-code", WIFEXITED(st) && WEXITSTATUS(st) == 7, "status %#x", st);

	p = fork();
	if (p == 0) {
		kill(getpid(), SIGTERM);
		pause();
		_exit(0);
	}
	st = waitst(p, 0);
	CHECK("killed-by-signal", WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %#x", st);

	p = fork();
	if (p == 0) {
		*(volatile int *)8 = 1;
		_exit(0);
	}
	st = waitst(p, 0);
	CHECK("segv", WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "status %#x", st);

	p = fork();
	if (p == 0) {
		if (getppid() != getpid()) _exit(getppid() == (pid_t)atoi(getenv("PARENT")) ? 0 : 1);
		_exit(2);
	}
	st = waitst(p, 0);
	CHECK("getppid", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

static void nohang_and_echild(void) {
	int pfd[2];
	pid_t p = fork();
	if (p == 0) {
		usleep(200000);
		_exit(3);
	}
	int st;
	pid_t r = waitpid(p, &st, WNOHANG);
	CHECK("wnohang-running", r == 0, "waitpid returned %d", r);
	st = waitst(p, 0);
	CHECK("wait-after-wnohang", WIFEXITED(st) && WEXITSTATUS(st) == 3, "status %#x", st);
	r = waitpid(-1, &st, 0);
	CHECK("echild", r == -1 && errno == ECHILD, "waitpid returned %d errno %d", r, errno);
	r = waitpid(p, &st, WNOHANG);
	CHECK("echild-reaped", r == -1 && errno == ECHILD, "waitpid returned %d errno %d", r, errno);
	(void)pfd;
}

static void zombie(void) {
	pid_t p = fork();
	if (p == 0) _exit(0);
	usleep(100000);
	// Still there (a zombie) until waited for.
	int alive = kill(p, 0) == 0;
	char path[64], buf[512] = {0};
	snprintf(path, sizeof path, "/proc/%d/stat", p);
	int fd = open(path, O_RDONLY);
	if (fd >= 0) {
		read(fd, buf, sizeof buf - 1);
		close(fd);
	}
	char *rp = strrchr(buf, ')');
	CHECK("zombie-exists", alive && rp && rp[2] == 'Z', "kill0=%d stat=%s", alive, buf);
	waitst(p, 0);
	CHECK("zombie-reaped", kill(p, 0) == -1 && errno == ESRCH, "errno %d", errno);
}

static void on_chld(int sig, siginfo_t *si, void *uc);
static volatile sig_atomic_t chld_pid;

static void sigchld_ignored(void) {
	signal(SIGCHLD, SIG_IGN);
	pid_t p = fork();
	if (p == 0) _exit(0);
	int st;
	pid_t r = waitpid(p, &st, 0); // blocks until the child is gone, then ECHILD
	CHECK("sigchld-ign-autoreap", r == -1 && errno == ECHILD, "waitpid returned %d errno %d", r, errno);
	signal(SIGCHLD, SIG_DFL);

	// SA_NOCLDWAIT with a handler: no zombie, but SIGCHLD still comes.
	struct sigaction sa = {0};
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_NOCLDWAIT;
	sigaction(SIGCHLD, &sa, NULL);
	chld_pid = 0;
	p = fork();
	if (p == 0) _exit(0);
	r = waitpid(p, &st, 0);
	int e = errno;
	for (int i = 0; i < 100 && chld_pid != p; i++) usleep(10000);
	CHECK("sa-nocldwait", r == -1 && e == ECHILD && chld_pid == p, "waitpid %d errno %d si_pid %d (child %d)", r, e, chld_pid, p);
	signal(SIGCHLD, SIG_DFL);
}

static volatile sig_atomic_t chld_status, chld_code;
static void on_chld(int sig, siginfo_t *si, void *uc) {
	chld_pid = si->si_pid;
	chld_status = si->si_status;
	chld_code = si->si_code;
}

static void sigchld_handler(void) {
	struct sigaction sa = {0};
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	pid_t p = fork();
	if (p == 0) _exit(9);
	int st = waitst(p, 0);
	CHECK("sigchld-siginfo", chld_pid == p && chld_status == 9 && chld_code == CLD_EXITED && WEXITSTATUS(st) == 9,
	      "si_pid %d (want %d) si_status %d si_code %d", chld_pid, p, chld_status, chld_code);
	signal(SIGCHLD, SIG_DFL);
}

static void orphans(void) {
	// The grandchild of an exiting child goes to the nearest subreaper:
	// us.
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid_t c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			for (int i = 0; i < 200 && getppid() != (pid_t)atoi(getenv("PARENT")); i++)
				usleep(10000);
			_exit(getppid() == (pid_t)atoi(getenv("PARENT")) ? 42 : 1);
		}
		_exit(0);
	}
	int st = waitst(c, 0);
	st = waitst(-1, 0);
	CHECK("orphan-to-subreaper", WIFEXITED(st) && WEXITSTATUS(st) == 42, "status %#x", st);

	// PR_SET_PDEATHSIG: the grandchild asks for SIGTERM when its parent
	// dies, tells the parent it did, and waits.
	c = fork();
	if (c == 0) {
		int pfd[2];
		pipe(pfd);
		pid_t g = fork();
		if (g == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			write(pfd[1], "x", 1);
			for (;;) pause();
		}
		char b;
		read(pfd[0], &b, 1);
		_exit(0);
	}
	waitst(c, 0);
	st = waitst(-1, 0);
	CHECK("pdeathsig", WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %#x", st);
	prctl(PR_SET_CHILD_SUBREAPER, 0);

	if (getpid() != 1) return;
	c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			for (int i = 0; i < 200 && getppid() != 1; i++) usleep(10000);
			_exit(getppid() == 1 ? 43 : 1);
		}
		_exit(0);
	}
	waitst(c, 0);
	st = waitst(-1, 0);
	CHECK("orphan-to-init", WIFEXITED(st) && WEXITSTATUS(st) == 43, "status %#x", st);
}

static void cloexec_and_exec(void) {
	int keep = open("/dev/null", O_RDONLY);
	int gone = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct sigaction sa = {0};
	sa.sa_handler = (void (*)(int))on_chld;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGUSR2, SIG_IGN);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid_t p = fork();
	if (p == 0) {
		char a[16], b[16];
		snprintf(a, sizeof a, "%d", keep);
		snprintf(b, sizeof b, "%d", gone);
		execl(self, self, "after-exec", a, b, (char *)NULL);
		_exit(100);
	}
	int st = waitst(p, 0);
	CHECK("exec-cloexec-signals", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x (bits: 1 keep, 2 cloexec, 4 handler, 8 ignored, 16 mask)", st);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	close(keep);
	close(gone);
}

static int after_exec(int keep, int gone) {
	int bad = 0;
	if (fcntl(keep, F_GETFD) < 0) bad |= 1;
	if (fcntl(gone, F_GETFD) >= 0 || errno != EBADF) bad |= 2;
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	if (sa.sa_handler != SIG_DFL) bad |= 4;
	sigaction(SIGUSR2, NULL, &sa);
	if (sa.sa_handler != SIG_IGN) bad |= 8;
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	if (!sigismember(&cur, SIGHUP)) bad |= 16;
	return bad;
}

static void *exec_from_thread(void *arg) {
	execl(self, self, "tid-check", (char *)NULL);
	return NULL;
}

static void thread_exec(void) {
	// A thread other than the leader execs: the other threads end and
	// the program continues as the process's only thread, with the PID
	// as its TID.
	pid_t p = fork();
	if (p == 0) {
		pthread_t th;
		pthread_create(&th, NULL, exec_from_thread, NULL);
		for (;;) pause();
	}
	int st = waitst(p, 0);
	CHECK("exec-from-thread", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

static void exec_timers(void) {
	// POSIX timers die with the old image: a periodic SIGUSR1 timer
	// would otherwise kill the new program, which sleeps through three
	// of its periods.
	pid_t p = fork();
	if (p == 0) {
		timer_t tid;
		struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
		struct itimerspec its = {.it_value = {0, 100000000}, .it_interval = {0, 100000000}};
		if (timer_create(CLOCK_MONOTONIC, &sev, &tid) != 0 || timer_settime(tid, 0, &its, NULL) != 0) _exit(2);
		execl(self, self, "sleep-ms", "350", (char *)NULL);
		_exit(3);
	}
	int st = waitst(p, 0);
	CHECK("exec-deletes-posix-timers", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

static void exec_failure(void) {
	char *argv[] = {"nope", NULL};
	int r = execv("/nonexistent/program", argv);
	CHECK("exec-enoent-intact", r == -1 && errno == ENOENT, "r %d errno %d", r, errno);
	static char big[200 * 1024];
	memset(big, 'x', sizeof big - 1);
	char *argv2[] = {"x", big, NULL};
	r = execv(self, argv2);
	CHECK("exec-e2big", r == -1 && errno == E2BIG, "r %d errno %d", r, errno);
}

static void vfork_checks(void) {
	pid_t p = vfork();
	if (p == 0) _exit(5);
	int st = waitst(p, 0);
	CHECK("vfork-exit", WIFEXITED(st) && WEXITSTATUS(st) == 5, "status %#x", st);
	p = vfork();
	if (p == 0) {
		execl(self, self, "exit-zero", (char *)NULL);
		_exit(99);
	}
	st = waitst(p, 0);
	CHECK("vfork-exec", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

static void groups(void) {
	pid_t me = getpid();
	pid_t p = fork();
	if (p == 0) {
		setpgid(0, 0);
		pause();
		_exit(0);
	}
	setpgid(p, p); // both sides, as shells do
	usleep(50000);
	CHECK("setpgid", getpgid(p) == p, "getpgid %d", getpgid(p));
	CHECK("getpgid-self", getpgid(0) == getpgrp(), "%d vs %d", getpgid(0), getpgrp());
	int r = kill(-p, SIGTERM);
	int st = waitst(p, 0);
	CHECK("kill-group", r == 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "r %d status %#x", r, st);
	CHECK("kill-no-group", kill(-99999, SIGTERM) == -1 && errno == ESRCH, "errno %d", errno);

	p = fork();
	if (p == 0) {
		pid_t s = setsid();
		int ok = s == getpid() && getsid(0) == getpid() && getpgrp() == getpid();
		int again = setsid() == -1 && errno == EPERM;
		_exit(ok && again ? 0 : 1);
	}
	st = waitst(p, 0);
	CHECK("setsid", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	(void)me;
}

static void waitid_checks(void) {
	pid_t p = fork();
	if (p == 0) _exit(11);
	siginfo_t si = {0};
	int r = waitid(P_PID, p, &si, WEXITED | WNOWAIT);
	CHECK("waitid-nowait", r == 0 && si.si_pid == p && si.si_code == CLD_EXITED && si.si_status == 11,
	      "r %d pid %d code %d status %d", r, si.si_pid, si.si_code, si.si_status);
	memset(&si, 0, sizeof si);
	r = waitid(P_ALL, 0, &si, WEXITED);
	CHECK("waitid-reap", r == 0 && si.si_pid == p, "r %d pid %d", r, si.si_pid);

	p = fork();
	if (p == 0) {
		pause();
		_exit(0);
	}
	int fd = syscall(SYS_pidfd_open, p, 0);
	r = syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
	memset(&si, 0, sizeof si);
	int r2 = waitid(P_PIDFD, fd, &si, WEXITED);
	CHECK("pidfd", fd >= 0 && r == 0 && r2 == 0 && si.si_pid == p && si.si_code == CLD_KILLED && si.si_status == SIGKILL,
	      "fd %d send %d waitid %d pid %d code %d status %d", fd, r, r2, si.si_pid, si.si_code, si.si_status);
	close(fd);

	// A pidfd polls readable when its process exits.
	p = fork();
	if (p == 0) {
		usleep(100000);
		_exit(0);
	}
	fd = syscall(SYS_pidfd_open, p, 0);
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	int before = poll(&pf, 1, 0);
	int after = poll(&pf, 1, 5000);
	CHECK("pidfd-poll", before == 0 && after == 1 && (pf.revents & POLLIN), "before %d after %d revents %#x", before, after, pf.revents);
	waitst(p, 0);
	close(fd);

	// An open /proc/PID directory serves pidfd_send_signal as a pidfd of
	// that process (Python's test_pidfd_send_signal uses one); waitid's
	// P_PIDFD does not take it (EBADF), nor does a file of the directory.
	p = fork();
	if (p == 0) {
		pause();
		_exit(0);
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%d", p);
	fd = open(path, O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof path, "/proc/%d/status", p);
	int sfd = open(path, O_RDONLY);
	errno = 0;
	int rs = syscall(SYS_pidfd_send_signal, sfd, SIGKILL, NULL, 0);
	int es = errno;
	errno = 0;
	r2 = waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG);
	int ew = errno;
	r = syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
	if (r != 0)
		kill(p, SIGTERM); // not SIGKILL: the check below tells them apart
	int st = waitst(p, 0);
	CHECK("procdir-pidfd", fd >= 0 && r == 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && rs == -1 && es == EBADF && r2 == -1 && ew == EBADF,
	      "fd %d send %d status %#x status-file send %d errno %d waitid %d errno %d", fd, r, st, rs, es, r2, ew);
	// Once the process is gone, its directory's fd names no process.
	errno = 0;
	r = syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0);
	CHECK("procdir-pidfd-gone", r == -1 && errno == ESRCH, "send %d errno %d", r, errno);
	close(fd);
	close(sfd);
}

static void stop_continue(void) {
	pid_t p = fork();
	if (p == 0) {
		raise(SIGSTOP);
		usleep(300000); // the parent sees the continue before the exit
		_exit(4);
	}
	int st = waitst(p, WUNTRACED);
	CHECK("wuntraced", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "status %#x", st);
	kill(p, SIGCONT);
	st = waitst(p, WCONTINUED);
	CHECK("wcontinued", WIFCONTINUED(st), "status %#x", st);
	st = waitst(p, 0);
	CHECK("exit-after-continue", WIFEXITED(st) && WEXITSTATUS(st) == 4, "status %#x", st);
}

static void fpu_state(void) {
#if defined(__x86_64__)
	// The child inherits the parent's SSE control register (rounding
	// mode bits 13-14: round up).
	unsigned int csr, want;
	__asm__ volatile("stmxcsr %0" : "=m"(csr));
	want = (csr & ~0x6000u) | 0x4000u;
	__asm__ volatile("ldmxcsr %0" : : "m"(want));
	pid_t p = fork();
	if (p == 0) {
		unsigned int c;
		__asm__ volatile("stmxcsr %0" : "=m"(c));
		_exit(c == want ? 0 : 1);
	}
	__asm__ volatile("ldmxcsr %0" : : "m"(csr));
	int st = waitst(p, 0);
	CHECK("fork-fpu-state", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
#endif
}

static volatile int shared_word;
static int vm_child(void *arg) {
	shared_word = 77;
	return 5;
}

static void clone_vm(void) {
	// posix_spawn runs its child with CLONE_VM|CLONE_VFORK and learns of
	// an exec failure through the shared memory.
	pid_t p;
	char *argv[] = {"nope", NULL};
	int r = posix_spawn(&p, "/nonexistent/program", NULL, NULL, argv, environ);
	CHECK("posix-spawn-enoent", r == ENOENT, "posix_spawn returned %d", r);
	char *argv2[] = {self, "exit-zero", NULL};
	r = posix_spawn(&p, self, NULL, NULL, argv2, environ);
	int st = r == 0 ? waitst(p, 0) : -1;
	CHECK("posix-spawn", r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "r %d status %#x", r, st);
	// A process sharing memory without being a thread.
	static char stack[64 << 10];
	shared_word = 0;
	p = clone(vm_child, stack + sizeof stack, CLONE_VM | SIGCHLD, NULL);
	st = waitst(p, 0);
	CHECK("clone-vm-process", p > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 5 && shared_word == 77,
	      "pid %d status %#x word %d", p, st, shared_word);
}

static void clone_files(void) {
	// A process sharing the fd table (CLONE_FILES without CLONE_THREAD):
	// its close is the parent's, and its exit closes nothing of the
	// parent's.
	int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY);
	long p = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (p == 0) {
		close(a);
		syscall(SYS_exit, 0);
	}
	int st = waitst(p, 0);
	int aClosed = fcntl(a, F_GETFD) == -1 && errno == EBADF;
	int bOpen = fcntl(b, F_GETFD) >= 0;
	CHECK("clone-files", WIFEXITED(st) && aClosed && bOpen, "status %#x a closed %d b open %d", st, aClosed, bOpen);
	close(b);
}

static void cow(void) {
	size_t n = 8 << 20;
	char *buf = malloc(n);
	memset(buf, 'p', n);
	pid_t p = fork();
	if (p == 0) {
		int ok = buf[0] == 'p' && buf[n - 1] == 'p';
		memset(buf, 'c', n);
		_exit(ok && buf[n / 2] == 'c' ? 0 : 1);
	}
	buf[n / 2] = 'P';
	int st = waitst(p, 0);
	CHECK("cow", WIFEXITED(st) && WEXITSTATUS(st) == 0 && buf[0] == 'p' && buf[n / 2] == 'P' && buf[n - 1] == 'p',
	      "status %#x parent %c%c%c", st, buf[0], buf[n / 2], buf[n - 1]);
	free(buf);
}

int main(int argc, char **argv) {
	self = argv[0];
	if (argc == 2 && strcmp(argv[1], "exit-zero") == 0) return 0;
	if (argc == 3 && strcmp(argv[1], "sleep-ms") == 0) {
		usleep(atoi(argv[2]) * 1000);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "tid-check") == 0) return getpid() == (pid_t)syscall(SYS_gettid) ? 0 : 1;
	if (argc == 4 && strcmp(argv[1], "after-exec") == 0) return after_exec(atoi(argv[2]), atoi(argv[3]));
	char pid[16];
	snprintf(pid, sizeof pid, "%d", getpid());
	setenv("PARENT", pid, 1);
	exit_codes();
	nohang_and_echild();
	zombie();
	sigchld_ignored();
	sigchld_handler();
	orphans();
	cloexec_and_exec();
	exec_failure();
	exec_timers();
	thread_exec();
	vfork_checks();
	groups();
	waitid_checks();
	stop_continue();
	clone_files();
	clone_vm();
	fpu_state();
	cow();
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	CHECK("rusage-children", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec > 0,
	      "children used no CPU time");
	printf("done %d\n", failures);
	return failures;
}
