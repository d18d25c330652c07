// Named pipes: mkfifo, a blocking open that waits for its partner (in
// another thread), data through the FIFO, O_NONBLOCK opens (ENXIO for a
// writer without readers), EOF after the writer closes, O_RDWR, fstat,
// and a signal interrupting a blocked open.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path[256];

static void *writer(void *arg) {
	(void)arg;
	usleep(100 * 1000);
	int w = open(path, O_WRONLY);
	write(w, "through the fifo", 16);
	close(w);
	return NULL;
}

static void onalarm(int sig) { (void)sig; }

int main(int argc, char **argv) {
	snprintf(path, sizeof path, "%s/fifo", argc > 1 ? argv[1] : "/tmp");
	unlink(path);
	printf("mkfifo: %d\n", mkfifo(path, 0600));
	int r = mkfifo(path, 0600);
	printf("mkfifo again: %d %s\n", r, r ? strerror(errno) : "");
	struct stat st;
	stat(path, &st);
	printf("is fifo: %d mode %o\n", S_ISFIFO(st.st_mode), st.st_mode & 0777);

	int w = open(path, O_WRONLY | O_NONBLOCK);
	printf("nonblocking writer without reader: %d %s\n", w, w < 0 ? strerror(errno) : "");
	int nr = open(path, O_RDONLY | O_NONBLOCK);
	printf("nonblocking reader: %d\n", nr >= 0);
	char buf[64] = {0};
	printf("read with no writer: %zd\n", read(nr, buf, sizeof buf));
	close(nr);

	pthread_t th;
	pthread_create(&th, NULL, writer, NULL);
	int rd = open(path, O_RDONLY); // waits for the writer thread
	ssize_t n = read(rd, buf, sizeof buf - 1);
	printf("read: %zd %s\n", n, buf);
	pthread_join(th, NULL);
	printf("read after writer closed: %zd\n", read(rd, buf, sizeof buf));
	fstat(rd, &st);
	printf("fstat fifo: %d\n", S_ISFIFO(st.st_mode));
	close(rd);

	int rw = open(path, O_RDWR);
	write(rw, "rw", 2);
	memset(buf, 0, sizeof buf);
	printf("O_RDWR echo: %zd %s\n", read(rw, buf, sizeof buf), buf);
	close(rw);

	struct sigaction sa = {.sa_handler = onalarm};
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	int blocked = open(path, O_WRONLY);
	printf("blocked open interrupted: %d %s\n", blocked, blocked < 0 ? strerror(errno) : "");
	printf("unlink: %d\n", unlink(path));
	return 0;
}
