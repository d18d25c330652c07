/* Scheduling policy calls: SCHED_OTHER reported and accepted, priority
 * ranges, real-time policies refused (EPERM: the sandbox has none), ESRCH
 * for an unknown pid. */
#include <sched.h>
#include <stdio.h>
#include <errno.h>
#include <pthread.h>
int main(void) {
	struct sched_param p = {0};
	int pol; struct sched_param q;
	printf("%d %d %d %d\n", sched_getscheduler(0), sched_get_priority_max(SCHED_FIFO), sched_get_priority_min(SCHED_RR), sched_get_priority_max(SCHED_OTHER));
	printf("set other %d\n", sched_setscheduler(0, SCHED_OTHER, &p));
	p.sched_priority = 10;
	int r = sched_setscheduler(0, SCHED_FIFO, &p); printf("set fifo %d %d\n", r, r ? errno : 0);
	printf("getparam %d prio %d\n", sched_getparam(0, &q), q.sched_priority);
	printf("pthread_getschedparam %d pol %d\n", pthread_getschedparam(pthread_self(), &pol, &q), pol);
	r = sched_getscheduler(999999); printf("bad pid %d %d\n", r, errno);
	return 0;
}
