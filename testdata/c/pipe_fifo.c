// pipe_fifo: named pipes (mkfifo): opens wait for the other side unless
// O_NONBLOCK (a lone writer then gets ENXIO, a lone reader end of file),
// data flows between opens, fstat shows the node, O_RDWR never waits.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define CHECK(c) do { if (!(c)) { printf("FAIL %s line %d errno %d\n", #c, __LINE__, errno); return 1; } } while (0)
static char path[64];
static void *writer(void *a) { (void)a; usleep(50000); int w = open(path, O_WRONLY); write(w, "via fifo", 8); close(w); return NULL; }
int main(void) {
	snprintf(path, sizeof path, "/tmp/sentry-fifo-%d", getpid());
	unlink(path);
	CHECK(mkfifo(path, 0600) == 0);
	struct stat st;
	CHECK(stat(path, &st) == 0 && S_ISFIFO(st.st_mode));
	CHECK(mkfifo(path, 0600) == -1 && errno == EEXIST);
	CHECK(open(path, O_WRONLY | O_NONBLOCK) == -1 && errno == ENXIO);
	int r = open(path, O_RDONLY | O_NONBLOCK);
	CHECK(r >= 0);
	char buf[16];
	CHECK(read(r, buf, sizeof buf) == 0); // no writer yet: end of file
	int w = open(path, O_WRONLY | O_NONBLOCK);
	CHECK(w >= 0);
	CHECK(write(w, "abc", 3) == 3);
	CHECK(read(r, buf, sizeof buf) == 3 && memcmp(buf, "abc", 3) == 0);
	CHECK(read(r, buf, sizeof buf) == -1 && errno == EAGAIN);
	struct stat fst;
	CHECK(fstat(r, &fst) == 0 && S_ISFIFO(fst.st_mode) && fst.st_ino == st.st_ino);
	close(w);
	close(r);
	// A blocking reader waits for a writer thread.
	pthread_t th;
	pthread_create(&th, NULL, writer, NULL);
	r = open(path, O_RDONLY);
	CHECK(r >= 0);
	int n = 0, k;
	while ((k = read(r, buf + n, sizeof buf - n)) > 0) n += k;
	CHECK(n == 8 && memcmp(buf, "via fifo", 8) == 0);
	pthread_join(th, NULL);
	close(r);
	int rw = open(path, O_RDWR);
	CHECK(rw >= 0 && write(rw, "x", 1) == 1 && read(rw, buf, 1) == 1);
	close(rw);
	unlink(path);
	printf("fifo ok\n");
	return 0;
}
