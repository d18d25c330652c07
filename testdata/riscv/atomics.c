/* A: C11 atomics (amoadd, amoswap, CAS through lr/sc) from several
 * threads, a spinlock taken with a CAS (lr/sc) and a pthread mutex
 * (glibc's lr/sc and futex); no update may be lost. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define N 4
#define ITERS 50000
static atomic_long counter;
static atomic_int spin;
static long plain;
static atomic_uint bits;
static atomic_long maxv;
static atomic_int caslock;
static long undercas;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long undermutex;

static void *worker(void *arg) {
	long id = (long)arg;
	for (int i = 0; i < ITERS; i++) {
		atomic_fetch_add(&counter, 1);
		while (atomic_exchange_explicit(&spin, 1, memory_order_acquire))
			;
		plain++;
		atomic_store_explicit(&spin, 0, memory_order_release);
		atomic_fetch_or(&bits, 1u << (id * 8 + i % 8));
		long cur = atomic_load(&maxv), want = id * ITERS + i;
		while (cur < want && !atomic_compare_exchange_weak(&maxv, &cur, want))
			;
		for (int zero = 0; !atomic_compare_exchange_strong_explicit(&caslock, &zero, 1,
				memory_order_acquire, memory_order_relaxed); zero = 0)
			;
		undercas++;
		atomic_store_explicit(&caslock, 0, memory_order_release);
		pthread_mutex_lock(&mu);
		undermutex++;
		pthread_mutex_unlock(&mu);
	}
	return 0;
}

int main(void) {
	pthread_t th[N];
	for (long i = 0; i < N; i++)
		pthread_create(&th[i], 0, worker, (void *)i);
	for (int i = 0; i < N; i++)
		pthread_join(th[i], 0);
	printf("counter %ld plain %ld bits %08x max %ld cas-locked %ld mutex-locked %ld\n", (long)counter, plain,
	       (unsigned)bits, (long)maxv, undercas, undermutex);
	return counter == N * ITERS && plain == N * ITERS && undercas == N * ITERS && undermutex == N * ITERS ? 0 : 1;
}
