/* fuzz_syscalls: the in-sandbox half of `make fuzz` (driver: e2e/fuzz_test.go).
 *
 *   fuzz_syscalls run SEED SECONDS PROCS THREADS HOSTPIDS SUMMARY PATHS...
 *     A supervisor forks PROCS workers; each runs THREADS threads making
 *     random syscalls (random numbers, arguments biased towards small ints,
 *     its own fds, pointers into its scratch memory, path strings from
 *     PATHS, -1 and huge values) while the supervisor and each worker's
 *     main thread deliver signals to them. A worker lives at most a second;
 *     one that dies or is killed is replaced by a fresh one with the next
 *     seed, until SECONDS pass. HOSTPIDS (comma-separated) are host pids
 *     the driver watches: they are thrown at kill() like any pid, and must
 *     never be signalled on the host. Writes "fuzz: seed S calls N workers
 *     W" to the file SUMMARY at the end, N counted over every thread of
 *     every worker. Stdio is /dev/null from the start: workers can reach
 *     other processes' fds (pidfd_getfd, /proc/PID/fd), and one run's
 *     garbage did reach the sentry's stdout that way or another.
 *   fuzz_syscalls exec SECONDS FILE...
 *     Forks and execs each FILE (mutated ELFs), killing whatever runs
 *     after SECONDS; prints "exec: N files, R refused" (R: execve failed).
 *   fuzz_syscalls canary
 *     Host side: blocks every signal and prints each one that arrives.
 *
 * Calls that would just end the worker in an uninteresting way (exit_group,
 * rt_sigreturn, unmapping its own code, changing its TLS base, a SIGKILL to
 * its process group) are kept at a low rate; sizes that would make the
 * sentry populate gigabytes of memory or disk are clamped so a fuzz run
 * cannot exhaust the machine it shares. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXTHREADS 16
#define SCRATCH (64 * 1024)
#define VICTIM (1024 * 1024)

static char *scratch;  /* random bytes and path strings; a guard page follows */
static char *victim;   /* the range memory calls may unmap and remap */
static char *paths[64];
static int npaths;
static long hostpids[8];
static int nhostpids;
static pid_t suppid;
static volatile uint64_t *counter; /* shared with the supervisor */
static pid_t tids[MAXTHREADS];
static int nthreads;

struct rng { uint64_t s; };

static uint64_t next(struct rng *r) {
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

static uint64_t below(struct rng *r, uint64_t n) { return n ? next(r) % n : 0; }

static const int handled[] = {SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD, SIGWINCH, SIGURG, SIGPIPE, SIGIO};
#define NHANDLED (int)(sizeof handled / sizeof handled[0])

static int is_handled(long sig) {
	for (int i = 0; i < NHANDLED; i++)
		if (handled[i] == sig)
			return 1;
	return 0;
}

static void onsig(int sig) { (void)sig; }

struct thr {
	struct rng r;
	long fds[16];
	int nfds;
	uint64_t mask; /* a sigset that never blocks SIGUSR1 */
};

static uint64_t ptr(struct thr *t) {
	struct rng *r = &t->r;
	switch (below(r, 20)) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6:
		return (uint64_t)(scratch + below(r, SCRATCH));
	case 7: case 8: case 9:
		return (uint64_t)paths[below(r, npaths)];
	case 10:
		return 0;
	case 11:
		return (uint64_t)(scratch + SCRATCH - below(r, 64)); /* into the guard page */
	case 12:
		return below(r, 2) ? 0xffff800000000000ull : (uint64_t)-1;
	case 13:
		return (uint64_t)&ptr; /* read-only text */
	case 14:
		return (uint64_t)(victim + below(r, VICTIM));
	case 15:
		return (uint64_t)&t->mask;
	default:
		return next(r) & 0x7fffffffffffull;
	}
}

static int chance(struct thr *t, int n);

static uint64_t arg(struct thr *t) {
	static const uint64_t special[] = {
		0, 1, 2, 3, 8, 16, 64, 255, 4096, 65536, (uint64_t)-1, (uint64_t)-100,
		0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffull,
		0x8000000000000000ull, 0x7fffffffffffffffull, 0x100000000ull,
	};
	struct rng *r = &t->r;
	switch (below(r, 10)) {
	case 0: case 1: case 2:
		return below(r, 17);
	case 3:
		if (t->nfds)
			return t->fds[below(r, t->nfds)];
		return below(r, 8);
	case 4: case 5: case 6:
		return ptr(t);
	case 7: case 8:
		return special[below(r, sizeof special / sizeof special[0])];
	default:
		if (nhostpids && chance(t, 4))
			return hostpids[below(r, nhostpids)];
		return next(r) >> below(r, 64);
	}
}

/* clampsize keeps a size small (or absurdly large, which fails early). */
static uint64_t clampsize(struct thr *t, uint64_t v, uint64_t max) {
	if (v <= max || v >= (1ull << 60))
		return v;
	return below(&t->r, max);
}

static long pidarg(struct thr *t, long p) {
	if (p == suppid || p == 1 || p <= 0 || p == -(long)suppid) {
		if (below(&t->r, 100) == 0 && p != suppid && p != 1 && p != -(long)suppid)
			return p; /* rarely: own group, or every process */
		return getpid();
	}
	return p;
}

static int chance(struct thr *t, int n) { return below(&t->r, n) == 0; }

/* sanitize adjusts or vetoes one call; 0 skips it. */
static int sanitize(struct thr *t, long *nr, uint64_t *a) {
	switch (*nr) {
	case SYS_exit:
	case SYS_exit_group:
		return chance(t, 3000);
	case SYS_rt_sigreturn:
		return chance(t, 3000);
#ifdef SYS_vfork
	case SYS_vfork: /* the child would return on the parent's stack */
		return 0;
#endif
#ifdef SYS_arch_prctl
	case SYS_arch_prctl:
		return a[0] != 0x1001 && a[0] != 0x1002; /* ARCH_SET_GS/FS */
#endif
#ifdef SYS_fork
	case SYS_fork:
		return chance(t, 10);
#endif
	case SYS_clone:
		/* The child shares nothing it could wreck and exits at once. */
		a[0] &= ~(uint64_t)(CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_SETTLS | CLONE_VFORK | CLONE_CHILD_CLEARTID);
		a[1] = 0;
		return chance(t, 10);
	case SYS_clone3:
		return 0; /* its struct could ask for a thread on a random stack */
	case SYS_kill:
	case SYS_tkill:
	case SYS_rt_sigqueueinfo:
		a[0] = pidarg(t, a[0]);
		if (!chance(t, 30))
			a[1] = handled[below(&t->r, NHANDLED)];
		return 1;
	case SYS_tgkill:
	case SYS_rt_tgsigqueueinfo:
		a[0] = pidarg(t, a[0]);
		if (!chance(t, 30))
			a[2] = handled[below(&t->r, NHANDLED)];
		return 1;
	case SYS_pidfd_send_signal:
		if (!chance(t, 30))
			a[1] = handled[below(&t->r, NHANDLED)];
		return 1;
	case SYS_rt_sigaction:
		return !is_handled(a[0]);
	case SYS_rt_sigprocmask:
		if (a[1])
			a[1] = (uint64_t)&t->mask;
		a[3] = 8;
		return 1;
	case SYS_rt_sigsuspend:
		a[0] = (uint64_t)&t->mask;
		a[1] = 8;
		return 1;
	case SYS_munmap:
	case SYS_mprotect:
	case SYS_madvise:
	case SYS_mremap:
	case SYS_msync:
	case SYS_mlock:
	case SYS_munlock:
	case SYS_mlock2:
	case SYS_pkey_mprotect:
	case SYS_remap_file_pages:
		if (!chance(t, 200))
			a[0] = (uint64_t)(victim + (below(&t->r, 4) ? below(&t->r, VICTIM / 4096) * 4096 : below(&t->r, VICTIM)));
		a[1] = clampsize(t, a[1], VICTIM);
		if (*nr == SYS_mremap) {
			a[2] = clampsize(t, a[2], 16 << 20);
			if (!chance(t, 200))
				a[4] = (uint64_t)(victim + below(&t->r, VICTIM / 4096) * 4096);
		}
		return 1;
	case SYS_brk:
		return chance(t, 20);
	case SYS_mmap:
		if ((a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && !chance(t, 200))
			a[0] = (uint64_t)(victim + below(&t->r, VICTIM / 4096) * 4096);
		a[1] = clampsize(t, a[1], 64 << 20);
		return 1;
	case SYS_mlockall:
		return 0; /* would make every later mapping resident */
	case SYS_ftruncate:
	case SYS_truncate:
		a[1] = clampsize(t, a[1], 64 << 20);
		return 1;
	case SYS_fallocate:
		a[2] = clampsize(t, a[2], 64 << 20);
		a[3] = clampsize(t, a[3], 64 << 20);
		return 1;
	case SYS_sendfile:
	case SYS_splice:
	case SYS_tee:
	case SYS_copy_file_range:
		a[*nr == SYS_sendfile ? 3 : 4] = clampsize(t, a[*nr == SYS_sendfile ? 3 : 4], 1 << 20);
		return 1;
	case SYS_prlimit64:
	case SYS_setpriority:
	case SYS_sched_setaffinity:
	case SYS_sched_setscheduler:
	case SYS_sched_setparam:
	case SYS_ptrace:
	case SYS_process_vm_writev:
	case SYS_pidfd_open:
		if (*nr == SYS_setpriority)
			a[1] = pidarg(t, a[1]);
		else if (*nr != SYS_ptrace)
			a[0] = pidarg(t, a[0]);
		return 1;
	case SYS_setpgid:
		a[0] = pidarg(t, a[0]);
		return 1;
	}
	return 1;
}

static void *worker_thread(void *p) {
	struct thr *t = p;
	tids[__atomic_fetch_add(&nthreads, 1, __ATOMIC_SEQ_CST)] = syscall(SYS_gettid);
	for (;;) {
		long nr;
		if (below(&t->r, 4))
			nr = below(&t->r, 335);
		else
			nr = 424 + below(&t->r, 40);
		uint64_t a[6];
		for (int j = 0; j < 6; j++)
			a[j] = arg(t);
		t->mask = next(&t->r) & ~(1ull << (SIGUSR1 - 1));
		if (chance(t, 50)) /* fresh garbage for the structs calls read */
			for (int j = 0; j < 64; j++)
				scratch[4096 + below(&t->r, SCRATCH - 4096)] = next(&t->r);
		if (!sanitize(t, &nr, a))
			continue;
		long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
		if (r == 0 && (nr == SYS_clone
#ifdef SYS_fork
			       || nr == SYS_fork
#endif
			       ))
			syscall(SYS_exit_group, 0);
		if (r >= 3 && r < 4096)
			t->fds[t->nfds < 16 ? t->nfds++ : below(&t->r, 16)] = r;
	}
	return NULL;
}

static void setup_paths(char **list, int n) {
	char *p = scratch;
	for (int i = 0; i < n && npaths < 64; i++) {
		size_t l = strlen(list[i]) + 1;
		if (p + l > scratch + 4096)
			break;
		memcpy(p, list[i], l);
		paths[npaths++] = p;
		p += l;
	}
}

static void worker(uint64_t seed, int threads, char **list, int n) {
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0), dup2(null, 1), dup2(null, 2);
		if (null > 2)
			close(null);
	}
	setpgid(0, 0);
	scratch = mmap(NULL, SCRATCH + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	victim = mmap(NULL, VICTIM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED || victim == MAP_FAILED)
		_exit(3);
	munmap(scratch + SCRATCH, 4096);
	setup_paths(list, n);
	struct rng r = {seed * 0x9e3779b97f4a7c15ull + 1};
	for (int i = 4096; i < SCRATCH; i++)
		scratch[i] = next(&r);
	for (int i = 0; i < NHANDLED; i++) {
		struct sigaction sa = {.sa_handler = onsig};
		sa.sa_flags = handled[i] == SIGUSR2 ? SA_RESTART : 0;
		sigaction(handled[i], &sa, NULL);
	}
	static struct thr th[MAXTHREADS];
	for (int i = 0; i < threads; i++) {
		th[i].r.s = next(&r) | 1;
		pthread_t id;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setstacksize(&at, 256 * 1024);
		if (pthread_create(&id, &at, worker_thread, &th[i]) != 0)
			_exit(4);
	}
	/* The main thread is this process's signal sender: it keeps waking the
	 * fuzzing threads out of whatever they wait in. */
	for (;;) {
		struct timespec ts = {0, (long)below(&r, 3000000)};
		nanosleep(&ts, NULL);
		int n = __atomic_load_n(&nthreads, __ATOMIC_SEQ_CST);
		if (n)
			syscall(SYS_tgkill, getpid(), tids[below(&r, n)], handled[below(&r, NHANDLED)]);
	}
}

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run(uint64_t seed, double seconds, int procs, int threads, char *hp, const char *summary, char **list, int n) {
	int null = open("/dev/null", O_RDWR);
	if (null < 0)
		return 1;
	dup2(null, 0), dup2(null, 1), dup2(null, 2);
	if (null > 2)
		close(null);
	for (char *s = strtok(hp, ","); s && nhostpids < 8; s = strtok(NULL, ","))
		hostpids[nhostpids++] = atol(s);
	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counter == MAP_FAILED)
		return 1;
	suppid = getpid();
	if (threads > MAXTHREADS)
		threads = MAXTHREADS;
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	pid_t *kids = calloc(procs, sizeof *kids);
	double *born = calloc(procs, sizeof *born);
	uint64_t next_seed = seed * 1000;
	long workers = 0;
	struct rng r = {seed | 1};
	double end = now() + seconds;
	while (now() < end) {
		for (int i = 0; i < procs; i++) {
			if (kids[i] > 0) {
				int st;
				if (waitpid(kids[i], &st, WNOHANG) == kids[i])
					kids[i] = 0;
				else if (now() - born[i] > 1.0)
					kill(kids[i], SIGKILL);
				else if (!below(&r, 4)) {
					int sig = handled[below(&r, NHANDLED)];
					if (!below(&r, 40))
						sig = SIGSTOP + below(&r, 2) * (SIGCONT - SIGSTOP);
					kill(kids[i], sig);
				}
			}
			if (kids[i] == 0) {
				uint64_t s = next_seed++;
				pid_t p = fork();
				if (p == 0) {
					sigprocmask(SIG_UNBLOCK, &all, NULL);
					worker(s, threads, list, n);
				}
				if (p > 0) {
					kids[i] = p;
					born[i] = now();
					workers++;
				}
			}
		}
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < procs; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	FILE *f = fopen(summary, "w");
	if (!f)
		return 1;
	fprintf(f, "fuzz: seed %llu calls %llu workers %ld\n", (unsigned long long)seed,
		(unsigned long long)*counter, workers);
	return fclose(f) != 0;
}

static int execall(double seconds, char **files, int n) {
	int count = 0, failed = 0;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			int null = open("/dev/null", O_RDWR);
			dup2(null, 1), dup2(null, 2);
			char *argv[] = {files[i], NULL};
			execv(files[i], argv);
			_exit(127);
		}
		if (p < 0)
			continue;
		double end = now() + seconds;
		int st;
		while (waitpid(p, &st, WNOHANG) == 0) {
			if (now() > end) {
				kill(p, SIGKILL);
				waitpid(p, &st, 0);
				st = 0;
				break;
			}
			struct timespec ts = {0, 5000000};
			nanosleep(&ts, NULL);
		}
		count++;
		failed += WIFEXITED(st) && WEXITSTATUS(st) == 127;
	}
	printf("exec: %d files, %d refused\n", count, failed);
	return 0;
}

static _Noreturn void canary(void) {
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		siginfo_t si;
		if (sigwaitinfo(&all, &si) > 0) {
			printf("signal %d from pid %d\n", si.si_signo, si.si_pid);
			fflush(stdout);
		}
	}
}

int main(int argc, char **argv) {
	if (argc >= 8 && !strcmp(argv[1], "run"))
		return run(strtoull(argv[2], NULL, 10), atof(argv[3]), atoi(argv[4]), atoi(argv[5]), argv[6], argv[7], argv + 8, argc - 8);
	if (argc >= 3 && !strcmp(argv[1], "exec"))
		return execall(atof(argv[2]), argv + 3, argc - 3);
	if (argc == 2 && !strcmp(argv[1], "canary"))
		canary();
	fprintf(stderr, "usage: fuzz_syscalls run SEED SECONDS PROCS THREADS HOSTPIDS SUMMARY PATHS... | exec SECONDS FILE... | canary\n");
	return 2;
}
