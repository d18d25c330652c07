// thread_churn creates many short-lived threads, waves of them at once,
// and says how many ran: thread creation must not fail however slowly
// the machine schedules the new threads.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define WAVES 8
#define WIDTH 16

static int ran;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg) {
	(void)arg;
	pthread_mutex_lock(&mu);
	ran++;
	pthread_mutex_unlock(&mu);
	return NULL;
}

int main(void) {
	for (int w = 0; w < WAVES; w++) {
		pthread_t th[WIDTH];
		for (int i = 0; i < WIDTH; i++) {
			int err = pthread_create(&th[i], NULL, worker, NULL);
			if (err) {
				printf("wave %d thread %d: pthread_create: %s\n", w, i, strerror(err));
				return 1;
			}
		}
		for (int i = 0; i < WIDTH; i++)
			pthread_join(th[i], NULL);
	}
	printf("%d threads ran\n", ran);
	return 0;
}
