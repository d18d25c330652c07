/* Threads: many pthreads with a mutex, a condition variable, joins,
 * thread-local storage and distinct TIDs; one thread exits with
 * pthread_exit while others run; the process exits with the status of
 * exit_group. Prints "threads ok" and exits 0 when all checks pass. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define N 8
#define ROUNDS 2000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int arrived;
static pid_t tids[N];
static __thread long tls_value;

static void fail(const char *what) {
	printf("FAIL %s\n", what);
	exit(1);
}

static void *worker(void *arg) {
	long id = (long)arg;
	tls_value = id * 100;
	tids[id] = (pid_t)syscall(SYS_gettid);
	if (getpid() == tids[id])
		fail("thread has the process's id");
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
		if (i % 500 == 0)
			sched_yield();
	}
	pthread_mutex_lock(&mu);
	arrived++;
	pthread_cond_broadcast(&cv);
	while (arrived < N)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	if (tls_value != id * 100)
		fail("TLS value changed");
	if (id == 0)
		pthread_exit((void *)(id + 1));
	return (void *)(id + 1);
}

int main(void) {
	pthread_t th[N];
	tls_value = -1;
	for (long i = 0; i < N; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)i) != 0)
			fail("pthread_create");
	for (long i = 0; i < N; i++) {
		void *ret;
		if (pthread_join(th[i], &ret) != 0)
			fail("pthread_join");
		if ((long)ret != i + 1)
			fail("join value");
	}
	if (counter != (long)N * ROUNDS)
		fail("counter");
	if (tls_value != -1)
		fail("main TLS");
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			if (tids[i] == tids[j] || tids[i] == 0)
				fail("tids not distinct");
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) < 1)
		fail("sched_getaffinity");
	if (sched_setaffinity(0, sizeof set, &set) != 0)
		fail("sched_setaffinity");
	unsigned cpu;
	if (getcpu(&cpu, NULL) != 0)
		fail("getcpu");
	printf("threads ok\n");
	return 0;
}
