// Blocking locks: F_OFD_SETLKW and flock wait for a release by another
// thread, and a signal interrupts a wait with EINTR.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/syscall.h>

static int a, b;

static int thread_view;

// procView checks /proc/thread-self and /proc/self/task from a second
// thread: 1 when both show this thread and the two tasks.
static int procView(void) {
	char want[64], got[64] = {0};
	snprintf(want, sizeof want, "%d/task/%ld", getpid(), (long)syscall(SYS_gettid));
	readlink("/proc/thread-self", got, sizeof got - 1);
	int tasks = 0;
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') tasks++;
	if (d) closedir(d);
	return strcmp(want, got) == 0 && tasks == 2;
}

static void *unlocker(void *arg) {
	(void)arg;
	thread_view = procView();
	usleep(100 * 1000);
	struct flock un = {.l_type = F_UNLCK, .l_whence = SEEK_SET};
	fcntl(a, F_OFD_SETLK, &un);
	flock(a, LOCK_UN);
	return NULL;
}

static void onalarm(int sig) { (void)sig; }

int main(int argc, char **argv) {
	const char *path = argc > 1 ? argv[1] : "/tmp/blocklocks";
	a = open(path, O_RDWR | O_CREAT, 0644);
	b = open(path, O_RDWR);
	struct flock wr = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	fcntl(a, F_OFD_SETLK, &wr);
	flock(a, LOCK_EX);

	// A signal without SA_RESTART interrupts the waits.
	struct sigaction sa = {.sa_handler = onalarm};
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	int r = fcntl(b, F_OFD_SETLKW, &wr);
	printf("setlkw interrupted: %d %s\n", r, r ? strerror(errno) : "");
	alarm(1);
	r = flock(b, LOCK_EX);
	printf("flock interrupted: %d %s\n", r, r ? strerror(errno) : "");

	// A release by another thread lets the waits through.
	pthread_t th;
	pthread_create(&th, NULL, unlocker, NULL);
	r = fcntl(b, F_OFD_SETLKW, &wr);
	printf("setlkw after release: %d\n", r);
	r = flock(b, LOCK_EX);
	printf("flock after release: %d\n", r);
	pthread_join(th, NULL);
	printf("thread sees itself in /proc: %d\n", thread_view);
	return 0;
}
