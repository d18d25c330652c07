/* Priority-inheritance futexes, through glibc's PTHREAD_PRIO_INHERIT
 * mutexes (contention, trylock, timedlock, error checking, robust owners
 * that die, a condition variable) and through the raw operations
 * (LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI, WAIT_REQUEUE_PI,
 * CMP_REQUEUE_PI): the word's owner TID, FUTEX_WAITERS and
 * FUTEX_OWNER_DIED bits, the kernel's handover to a waiter, and every
 * errno. One line per check; nothing printed depends on timing or TIDs. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif

static long futex(uint32_t *uaddr, int op, uint32_t val, const void *timeout_or_val2, uint32_t *uaddr2, uint32_t val3) {
	return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

static uint32_t gettid_(void) { return (uint32_t)syscall(SYS_gettid); }

/* res names a syscall's result: its value, or its errno. */
static const char *res(long r) {
	static char buf[8][32];
	static int n;
	char *b = buf[n++ % 8];
	if (r != -1) {
		snprintf(b, 32, "%ld", r);
		return b;
	}
	return strerrorname_np(errno) ? strerrorname_np(errno) : "?";
}

static const char *err(int e) { return e ? strerrorname_np(e) : "0"; }

/* owner describes a PI word relative to the task expected to own it. */
static const char *owner(uint32_t w, uint32_t tid) {
	static char buf[4][64];
	static int n;
	char *b = buf[n++ % 4];
	snprintf(b, 64, "%s%s%s", (w & FUTEX_TID_MASK) == tid ? "owner" : (w & FUTEX_TID_MASK) ? "other" : "free",
		 w & FUTEX_WAITERS ? "|WAITERS" : "", w & FUTEX_OWNER_DIED ? "|OWNER_DIED" : "");
	return b;
}

static struct timespec in_ms(clockid_t clk, long ms) {
	struct timespec ts;
	clock_gettime(clk, &ts);
	ts.tv_nsec += ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

static void wait_for_waiters(uint32_t *w) {
	while (!(__atomic_load_n(w, __ATOMIC_SEQ_CST) & FUTEX_WAITERS))
		usleep(1000);
}

static uint32_t m, m2, c;
static volatile int handled;
static void on_usr1(int sig) { (void)sig; handled = 1; }

/* A thread's result: what the call returned and what the word said. */
struct out {
	char ret[32], word[64], unlock[32];
};

static void *unlock_other(void *arg) {
	(void)arg;
	return (void *)(intptr_t)(futex(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == -1 ? errno : 0);
}

static void *trylock_other(void *arg) {
	(void)arg;
	return (void *)(intptr_t)(futex(&m, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0) == -1 ? errno : 0);
}

/* lock_then_unlock: LOCK_PI m, note the word, UNLOCK_PI it. */
static void *lock_then_unlock(void *arg) {
	struct out *o = arg;
	long r = futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	snprintf(o->ret, sizeof o->ret, "%s", res(r));
	snprintf(o->word, sizeof o->word, "%s", owner(m, gettid_()));
	snprintf(o->unlock, sizeof o->unlock, "%s", res(futex(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	return NULL;
}

static void *timeouts(void *arg) {
	(void)arg;
	struct timespec ts = in_ms(CLOCK_REALTIME, 50);
	printf("LOCK_PI realtime timeout: %s\n", res(futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, &ts, NULL, 0)));
	ts = in_ms(CLOCK_MONOTONIC, 50);
	printf("LOCK_PI2 monotonic timeout: %s\n", res(futex(&m, FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG, 0, &ts, NULL, 0)));
	ts = in_ms(CLOCK_REALTIME, 50);
	printf("LOCK_PI2 realtime timeout: %s\n",
	       res(futex(&m, FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME, 0, &ts, NULL, 0)));
	ts = (struct timespec){1, 0};
	printf("LOCK_PI past timeout: %s\n", res(futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, &ts, NULL, 0)));
	return NULL;
}

/* requeue_waiter: WAIT_REQUEUE_PI from c to m, note the word, unlock. */
static void *requeue_waiter(void *arg) {
	struct out *o = arg;
	long r = futex(&c, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &m, 0);
	snprintf(o->ret, sizeof o->ret, "%s", res(r));
	snprintf(o->word, sizeof o->word, "%s", owner(m, gettid_()));
	snprintf(o->unlock, sizeof o->unlock, "%s", r == 0 ? res(futex(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0)) : "-");
	return NULL;
}

/* self_requeue_waiter owns m, then waits to be requeued to it. */
static void *self_requeue_waiter(void *arg) {
	struct out *o = arg;
	futex(&m, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	__atomic_store_n(&m2, 1, __ATOMIC_SEQ_CST);
	long r = futex(&c, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &m, 0);
	snprintf(o->ret, sizeof o->ret, "%s", res(r));
	snprintf(o->unlock, sizeof o->unlock, "%s", res(futex(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	return NULL;
}

/* lock_and_exit_raw takes m and exits once a waiter is queued. */
static void *lock_and_exit_raw(void *arg) {
	(void)arg;
	futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	wait_for_waiters(&m);
	return NULL;
}

static void raw(void) {
	uint32_t me = gettid_();
	long r = futex(&m, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("TRYLOCK_PI free: %s, word %s\n", res(r), owner(m, me));
	printf("LOCK_PI by the owner: %s\n", res(futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	printf("TRYLOCK_PI by the owner: %s\n", res(futex(&m, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	pthread_t th;
	void *v;
	pthread_create(&th, NULL, unlock_other, NULL);
	pthread_join(th, &v);
	printf("UNLOCK_PI by a non-owner: %s\n", err((int)(intptr_t)v));
	r = futex(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("UNLOCK_PI by the owner: %s, word %s\n", res(r), owner(m, me));
	printf("UNLOCK_PI of a free word: %s\n", res(futex(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	r = futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("LOCK_PI free: %s, word %s\n", res(r), owner(m, me));
	futex(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);

	m = FUTEX_TID_MASK; /* above any pid_max: no such thread */
	r = futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("LOCK_PI of a dead TID: %s, word %#x\n", res(r), m);
	printf("TRYLOCK_PI of a dead TID: %s\n", res(futex(&m, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	m = FUTEX_OWNER_DIED;
	r = futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("LOCK_PI of an OWNER_DIED word: %s, word %s\n", res(r), owner(m, me));
	r = futex(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("its UNLOCK_PI: %s, word %#x\n", res(r), m);

	printf("LOCK_PI|CLOCK_REALTIME: %s\n", res(futex(&m, FUTEX_LOCK_PI_PRIVATE | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, 0)));
	printf("TRYLOCK_PI|CLOCK_REALTIME: %s\n", res(futex(&m, FUTEX_TRYLOCK_PI_PRIVATE | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, 0)));
	struct timespec bad = {0, 2000000000};
	printf("LOCK_PI bad timeout: %s\n", res(futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, &bad, NULL, 0)));
	printf("LOCK_PI misaligned: %s\n", res(futex((uint32_t *)((char *)&m + 1), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0)));

	/* The kernel hands the lock to the waiter itself. */
	futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	struct out o = {0};
	pthread_create(&th, NULL, lock_then_unlock, &o);
	wait_for_waiters(&m);
	printf("contended word: %s\n", owner(m, me));
	r = futex(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("UNLOCK_PI with a waiter: %s, word %s\n", res(r), (m & FUTEX_TID_MASK) == me ? "still ours" : "not ours");
	pthread_join(th, NULL);
	printf("waiter: LOCK_PI %s, word %s, UNLOCK_PI %s, word after %#x\n", o.ret, o.word, o.unlock, m);

	/* A signal restarts LOCK_PI, never EINTR. */
	futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	pthread_create(&th, NULL, lock_then_unlock, &o);
	wait_for_waiters(&m);
	usleep(20000);
	pthread_kill(th, SIGUSR1);
	usleep(20000);
	futex(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	pthread_join(th, NULL);
	printf("LOCK_PI interrupted by a handled signal: %s, handler ran %d\n", o.ret, handled);

	futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	pthread_create(&th, NULL, trylock_other, NULL);
	pthread_join(th, &v);
	printf("TRYLOCK_PI contended: %s, word %s\n", err((int)(intptr_t)v), owner(m, me));
	pthread_create(&th, NULL, timeouts, NULL);
	pthread_join(th, NULL);
	r = futex(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("UNLOCK_PI with no waiter left: %s, word %#x\n", res(r), m);

	/* An owner exiting with a waiter: the kernel hands the lock over
	 * with OWNER_DIED, robust list or not. */
	m = 0;
	pthread_create(&th, NULL, lock_and_exit_raw, NULL);
	while (!__atomic_load_n(&m, __ATOMIC_SEQ_CST))
		usleep(1000);
	r = futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	pthread_join(th, NULL);
	printf("LOCK_PI, owner exited holding it: %s, word %s\n", res(r), owner(m, me));
	r = futex(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("its UNLOCK_PI: %s, word %#x\n", res(r), m);
}

static void requeue(void) {
	uint32_t me = gettid_();
	struct timespec ts;
	printf("WAIT_REQUEUE_PI to itself: %s\n", res(futex(&c, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &c, 0)));
	printf("WAIT_REQUEUE_PI value differs: %s\n", res(futex(&c, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 1, NULL, &m, 0)));
	ts = in_ms(CLOCK_MONOTONIC, 50);
	printf("WAIT_REQUEUE_PI timeout: %s\n", res(futex(&c, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, &ts, &m, 0)));
	ts = in_ms(CLOCK_REALTIME, 50);
	printf("WAIT_REQUEUE_PI realtime timeout: %s\n",
	       res(futex(&c, FUTEX_WAIT_REQUEUE_PI_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &ts, &m, 0)));
	printf("CMP_REQUEUE_PI to itself: %s\n", res(futex(&c, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, 0, &c, 0)));
	printf("CMP_REQUEUE_PI waking 2: %s\n", res(futex(&c, FUTEX_CMP_REQUEUE_PI_PRIVATE, 2, 0, &m, 0)));
	printf("CMP_REQUEUE_PI negative count: %s\n", res(futex(&c, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)-1L, &m, 0)));
	printf("CMP_REQUEUE_PI value differs: %s\n", res(futex(&c, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, 0, &m, 5)));
	printf("CMP_REQUEUE_PI no waiters: %s\n", res(futex(&c, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, 0, &m, 0)));

	/* A free lock: the requeue takes it for the waiter and wakes it. */
	pthread_t th[2];
	struct out o[2] = {0};
	long r;
	pthread_create(&th[0], NULL, requeue_waiter, &o[0]);
	while ((r = futex(&c, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, 0, &m, 0)) == 0)
		usleep(1000);
	pthread_join(th[0], NULL);
	printf("CMP_REQUEUE_PI, lock free: %s; waiter: %s, word %s, UNLOCK_PI %s\n", res(r), o[0].ret, o[0].word, o[0].unlock);

	/* A held lock: both waiters move to it and get it in turn. */
	futex(&m, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, requeue_waiter, &o[i]);
	long total = 0;
	while (total < 2) {
		r = futex(&c, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)(long)INT_MAX, &m, 0);
		if (r < 0)
			break;
		total += r;
		usleep(1000);
	}
	printf("CMP_REQUEUE_PI, lock held: %ld requeued, word %s\n", total, owner(m, me));
	printf("FUTEX_WAKE of the PI word: %s\n", res(futex(&m, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
	printf("UNLOCK_PI: %s\n", res(futex(&m, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		printf("requeued waiter: %s, word %s, UNLOCK_PI %s\n", o[i].ret, o[i].word, o[i].unlock);
	}
	printf("word at the end: %#x\n", m);

	/* Only CMP_REQUEUE_PI to its own target may end the wait. */
	pthread_create(&th[0], NULL, requeue_waiter, &o[0]);
	while ((r = futex(&c, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)) == 0)
		usleep(1000);
	printf("FUTEX_WAKE of a WAIT_REQUEUE_PI waiter: %s\n", res(r));
	printf("CMP_REQUEUE of it: %s\n", res(futex(&c, FUTEX_CMP_REQUEUE_PRIVATE, 1, 0, &m2, 0)));
	printf("CMP_REQUEUE_PI to another futex: %s\n", res(futex(&c, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, 0, &m2, 0)));
	printf("CMP_REQUEUE_PI to its futex: %s\n", res(futex(&c, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, 0, &m, 0)));
	pthread_join(th[0], NULL);
	printf("waiter: %s, word %s, UNLOCK_PI %s\n", o[0].ret, o[0].word, o[0].unlock);

	/* Requeued to a lock it owns itself: EDEADLK, and it stays. A
	 * signal then restarts its wait, which finds the word changed. */
	m2 = 0;
	pthread_create(&th[0], NULL, self_requeue_waiter, &o[0]);
	while (!__atomic_load_n(&m2, __ATOMIC_SEQ_CST))
		usleep(1000);
	while ((r = futex(&c, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, 0, &m, 0)) == 0)
		usleep(1000);
	printf("CMP_REQUEUE_PI to the waiter's own lock: %s\n", res(r));
	c = 1;
	handled = 0;
	pthread_kill(th[0], SIGUSR1);
	pthread_join(th[0], NULL);
	printf("its WAIT_REQUEUE_PI after a signal: %s, handler ran %d, UNLOCK_PI %s\n", o[0].ret, handled, o[0].unlock);
	c = 0;
}

/* glibc's PTHREAD_PRIO_INHERIT mutexes. */
static pthread_mutex_t pm;
static long counter;

static void *count(void *arg) {
	(void)arg;
	for (int i = 0; i < 5000; i++) {
		pthread_mutex_lock(&pm);
		counter++;
		pthread_mutex_unlock(&pm);
	}
	return NULL;
}

static void *try_pm(void *arg) {
	(void)arg;
	return (void *)(intptr_t)pthread_mutex_trylock(&pm);
}

static void *timed_pm(void *arg) {
	(void)arg;
	struct timespec ts = in_ms(CLOCK_REALTIME, 50);
	printf("pthread_mutex_timedlock: %s\n", err(pthread_mutex_timedlock(&pm, &ts)));
	ts = in_ms(CLOCK_MONOTONIC, 50);
	printf("pthread_mutex_clocklock monotonic: %s\n", err(pthread_mutex_clocklock(&pm, CLOCK_MONOTONIC, &ts)));
	return NULL;
}

static void *lock_and_exit(void *arg) {
	pthread_mutex_lock(&pm);
	if (arg) /* wait until a locker is blocked in the kernel */
		wait_for_waiters((uint32_t *)&pm.__data.__lock);
	return NULL;
}

static void init_pm(int type, int robust) {
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT);
	pthread_mutexattr_settype(&ma, type);
	if (robust)
		pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&pm, &ma);
	pthread_mutexattr_destroy(&ma);
}

static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int slot, full;

static void *produce(void *arg) {
	(void)arg;
	for (int i = 1; i <= 500; i++) {
		pthread_mutex_lock(&pm);
		while (full)
			pthread_cond_wait(&cv, &pm);
		slot = i, full = 1;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&pm);
	}
	return NULL;
}

static void mutexes(int robust) {
	init_pm(PTHREAD_MUTEX_NORMAL, 0);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, count, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("PI mutex, 4 threads: counter %ld, word %#x\n", counter, pm.__data.__lock);

	pthread_mutex_lock(&pm);
	void *v;
	pthread_create(&th[0], NULL, try_pm, NULL);
	pthread_join(th[0], &v);
	printf("pthread_mutex_trylock held: %s\n", err((int)(intptr_t)v));
	pthread_create(&th[0], NULL, timed_pm, NULL);
	pthread_join(th[0], NULL);
	printf("pthread_mutex_unlock: %s\n", err(pthread_mutex_unlock(&pm)));
	pthread_mutex_destroy(&pm);

	init_pm(PTHREAD_MUTEX_ERRORCHECK, 0);
	pthread_mutex_lock(&pm);
	printf("error-checking PI relock: %s\n", err(pthread_mutex_lock(&pm)));
	pthread_mutex_unlock(&pm);
	pthread_mutex_destroy(&pm);

	for (int waiting = 0; robust && waiting < 2; waiting++) {
		init_pm(PTHREAD_MUTEX_NORMAL, 1);
		pthread_create(&th[0], NULL, lock_and_exit, waiting ? "wait" : NULL);
		if (waiting) {
			while (!__atomic_load_n(&pm.__data.__lock, __ATOMIC_SEQ_CST))
				usleep(1000);
		} else {
			pthread_join(th[0], NULL);
		}
		int r = pthread_mutex_lock(&pm);
		if (waiting)
			pthread_join(th[0], NULL);
		printf("robust PI, owner died %s: %s", waiting ? "while we waited" : "before", err(r));
		printf(", consistent %s", err(pthread_mutex_consistent(&pm)));
		printf(", unlock %s", err(pthread_mutex_unlock(&pm)));
		printf(", lock %s", err(pthread_mutex_lock(&pm)));
		printf(", unlock %s\n", err(pthread_mutex_unlock(&pm)));
		pthread_mutex_destroy(&pm);
	}

	init_pm(PTHREAD_MUTEX_NORMAL, 0);
	pthread_create(&th[0], NULL, produce, NULL);
	long sum = 0;
	for (int i = 0; i < 500; i++) {
		pthread_mutex_lock(&pm);
		while (!full)
			pthread_cond_wait(&cv, &pm);
		sum += slot, full = 0;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&pm);
	}
	pthread_join(th[0], NULL);
	printf("condition variable with a PI mutex: sum %ld\n", sum);
}

/* "norobust" leaves out the robust mutexes, for qemu-user as an oracle:
 * it does not pass set_robust_list on to the host. */
int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	raw();
	requeue();
	mutexes(!(argc > 1 && strcmp(argv[1], "norobust") == 0));
	return 0;
}
