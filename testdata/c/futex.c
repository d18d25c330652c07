/* futex operations one by one, with threads as waiters: WAIT's EAGAIN
 * when the word changed, relative and absolute (MONOTONIC and REALTIME)
 * timeouts, WAKE counts, WAIT_BITSET/WAKE_BITSET matching, REQUEUE and
 * CMP_REQUEUE moving waiters to a second word, WAKE_OP's atomic update
 * and conditional second wake, and a robust mutex whose owner died. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long futex(uint32_t *uaddr, int op, uint32_t val, const void *timeout_or_val2, uint32_t *uaddr2, uint32_t val3) {
	return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

static void fail(const char *what) {
	printf("FAIL %s (errno %d)\n", what, errno);
	exit(1);
}

static uint32_t word, word2;
static volatile int started, woken;

struct waiter {
	uint32_t *addr;
	uint32_t bitset;
	long ret;
};

static void *wait_thread(void *arg) {
	struct waiter *w = arg;
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	w->ret = futex(w->addr, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, w->bitset);
	__atomic_add_fetch(&woken, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static pthread_t th[4];
static struct waiter ws[4];

static void start_waiters(int n, uint32_t *addr, const uint32_t *bitsets) {
	started = woken = 0;
	for (int i = 0; i < n; i++) {
		ws[i] = (struct waiter){addr, bitsets ? bitsets[i] : FUTEX_BITSET_MATCH_ANY, -1};
		pthread_create(&th[i], NULL, wait_thread, &ws[i]);
	}
	while (started < n)
		usleep(1000);
	usleep(50000); /* let them block in the futex */
}

static void join_waiters(int n) {
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
}

static long elapsed_ms(struct timespec a) {
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

int main(void) {
	word = 1;
	if (futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) != -1 || errno != EAGAIN)
		fail("WAIT on a changed word");
	printf("wait: EAGAIN when the word differs\n");

	word = 0;
	struct timespec t0, rel = {0, 50 * 1000 * 1000};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (futex(&word, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0) != -1 || errno != ETIMEDOUT || elapsed_ms(t0) < 40)
		fail("relative timeout");
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 50 * 1000 * 1000;
	if (abs.tv_nsec >= 1000000000)
		abs.tv_sec++, abs.tv_nsec -= 1000000000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY) != -1 || errno != ETIMEDOUT || elapsed_ms(t0) < 40)
		fail("absolute monotonic timeout");
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += 50 * 1000 * 1000;
	if (abs.tv_nsec >= 1000000000)
		abs.tv_sec++, abs.tv_nsec -= 1000000000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY) != -1 ||
	    errno != ETIMEDOUT || elapsed_ms(t0) < 40)
		fail("absolute realtime timeout");
	printf("timeouts: relative, absolute monotonic, absolute realtime\n");

	start_waiters(3, &word, NULL);
	if (futex(&word, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0) != 2)
		fail("WAKE 2 of 3");
	if (futex(&word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0) != 1)
		fail("WAKE the last one");
	join_waiters(3);
	printf("wake: counts\n");

	uint32_t bits[2] = {1, 2};
	start_waiters(2, &word, bits);
	if (futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 10, NULL, NULL, 2) != 1)
		fail("WAKE_BITSET 2");
	usleep(20000);
	if (woken != 1)
		fail("wrong waiter woken");
	if (futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 10, NULL, NULL, 1) != 1)
		fail("WAKE_BITSET 1");
	join_waiters(2);
	printf("bitset: only matching waiters\n");

	start_waiters(3, &word, NULL);
	/* Linux returns woken + requeued, whatever the man page says. */
	if (futex(&word, FUTEX_REQUEUE_PRIVATE, 1, (void *)1, &word2, 0) != 2)
		fail("REQUEUE");
	if (futex(&word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0) != 1)
		fail("one left on the first word");
	if (futex(&word2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0) != 1)
		fail("one moved to the second word");
	join_waiters(3);
	printf("requeue: 1 woken, 1 moved, 1 left\n");

	start_waiters(2, &word, NULL);
	if (futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)10, &word2, 7) != -1 || errno != EAGAIN)
		fail("CMP_REQUEUE with a wrong value");
	if (futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)10, &word2, 0) != 2)
		fail("CMP_REQUEUE returns woken + requeued");
	if (futex(&word2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0) != 2)
		fail("both on the second word");
	join_waiters(2);
	printf("cmp_requeue: EAGAIN, then both moved\n");

	word2 = 5;
	start_waiters(1, &word, NULL);
	/* word2 += 3 (old 5); wake 1 on word; if old > 4 wake 1 on word2. */
	int op = FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_GT, 4);
	if (futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &word2, op) != 1 || word2 != 8)
		fail("WAKE_OP");
	join_waiters(1);
	printf("wake_op: word2 %u\n", word2);

	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	static pthread_mutex_t rm;
	pthread_mutex_init(&rm, &ma);
	pthread_t owner;
	pthread_create(&owner, NULL, (void *(*)(void *))pthread_mutex_lock, &rm);
	pthread_join(owner, NULL); /* died holding it */
	int r = pthread_mutex_lock(&rm);
	if (r != EOWNERDEAD)
		fail("robust mutex of a dead owner");
	pthread_mutex_consistent(&rm);
	pthread_mutex_unlock(&rm);
	printf("robust: EOWNERDEAD after the owner died\n");
	return 0;
}
