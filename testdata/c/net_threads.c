// net_threads: an edge-triggered epoll echo server thread with many
// blocking client threads; a blocking writer against a slow reader
// (back-pressure, data intact); blocking accept, read and epoll_wait
// interrupted by a signal (EINTR without SA_RESTART, restarted with it).
// Prints "ok NAME" per part; exits 1 at the first failure.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL %s (line %d, errno %d %s)\n", #c, __LINE__, errno, strerror(errno)); exit(1); } } while (0)

static int port;

static int listener(int *p) {
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	CHECK(bind(l, (void *)&a, sizeof a) == 0 && listen(l, 128) == 0);
	socklen_t al = sizeof a;
	CHECK(getsockname(l, (void *)&a, &al) == 0);
	*p = ntohs(a.sin_port);
	return l;
}

static int dial(int p) {
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(p), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	CHECK(connect(c, (void *)&a, sizeof a) == 0);
	return c;
}

static void *server(void *arg) {
	int l = *(int *)arg;
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = l};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) == 0);
	int open = 0, seen = 0;
	for (;;) {
		struct epoll_event out[32];
		int n = epoll_wait(ep, out, 32, -1);
		CHECK(n > 0);
		for (int i = 0; i < n; i++) {
			int fd = out[i].data.fd;
			if (fd == l) {
				int c;
				while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = c};
					CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) == 0);
					open++;
					seen++;
				}
				CHECK(errno == EAGAIN);
				continue;
			}
			char buf[2048];
			for (;;) {
				ssize_t r = read(fd, buf, sizeof buf);
				if (r > 0) {
					for (ssize_t off = 0; off < r;) {
						ssize_t w = write(fd, buf + off, r - off);
						if (w < 0 && errno == EAGAIN) continue;
						CHECK(w > 0);
						off += w;
					}
					continue;
				}
				if (r < 0 && errno == EAGAIN) break;
				CHECK(r == 0);
				close(fd);
				if (--open == 0 && seen == 8) return NULL;
				break;
			}
		}
	}
}

static void *client(void *arg) {
	long id = (long)arg;
	int c = dial(port);
	char out[1024], in[1024];
	for (int j = 0; j < 200; j++) {
		int len = 1 + (j * 37 + id) % sizeof out;
		for (int k = 0; k < len; k++) out[k] = (char)(id + j + k);
		CHECK(write(c, out, len) == len);
		int got = 0;
		while (got < len) {
			int r = read(c, in + got, len - got);
			CHECK(r > 0);
			got += r;
		}
		CHECK(memcmp(in, out, len) == 0);
	}
	close(c);
	return NULL;
}

static int bp_fds[2];
static void *slow_reader(void *arg) {
	(void)arg;
	static char buf[65536];
	uint64_t sum = 0, total = 0;
	for (;;) {
		usleep(500);
		ssize_t r = read(bp_fds[1], buf, sizeof buf);
		CHECK(r >= 0);
		if (r == 0) break;
		for (ssize_t i = 0; i < r; i++) sum += (unsigned char)buf[i];
		total += r;
	}
	CHECK(total == 8u << 20);
	return (void *)(uintptr_t)sum;
}

static volatile sig_atomic_t hits;
static void on_usr1(int s) { (void)s; hits++; }

struct blocked { int fd; int kind; int ret; int err; int wfd; /* kind 1: the pipe's write end */ int done; };
static void *block_in(void *arg) {
	struct blocked *b = arg;
	char c;
	struct epoll_event ev;
	errno = 0;
	if (b->kind == 0) b->ret = accept(b->fd, NULL, NULL);
	else if (b->kind == 1) b->ret = read(b->fd, &c, 1);
	else b->ret = epoll_wait(b->fd, &ev, 1, -1);
	b->err = errno;
	__atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void interrupt(struct blocked *b, const char *name, int expect_eintr) {
	pthread_t th;
	CHECK(pthread_create(&th, NULL, block_in, b) == 0);
	usleep(100 * 1000);
	CHECK(pthread_kill(th, SIGUSR1) == 0);
	usleep(100 * 1000);
	// On a busy machine the thread may not have reached its call when the
	// signal came: then only the handler ran, and the call blocks. Signal
	// again until it returns (natively too).
	while (expect_eintr && !__atomic_load_n(&b->done, __ATOMIC_SEQ_CST)) {
		CHECK(pthread_kill(th, SIGUSR1) == 0);
		usleep(100 * 1000);
	}
	if (!expect_eintr) {
		// Restarted: still blocked; unblock it for real.
		if (b->kind == 0) close(dial(port));
		else if (b->kind == 1) CHECK(write(b->wfd, "x", 1) == 1);
	}
	CHECK(pthread_join(th, NULL) == 0);
	if (expect_eintr) CHECK(b->ret == -1 && b->err == EINTR);
	else CHECK(b->ret >= 0);
	printf("ok %s\n", name);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	int l = listener(&port);
	int flags = SOCK_NONBLOCK;
	(void)flags;
	CHECK(fcntl(l, 4 /* F_SETFL */, 04000 /* O_NONBLOCK */) == 0);
	pthread_t srv, cl[8];
	CHECK(pthread_create(&srv, NULL, server, &l) == 0);
	for (long i = 0; i < 8; i++) CHECK(pthread_create(&cl[i], NULL, client, (void *)i) == 0);
	for (int i = 0; i < 8; i++) CHECK(pthread_join(cl[i], NULL) == 0);
	CHECK(pthread_join(srv, NULL) == 0);
	close(l);
	printf("ok epoll-et-server-8-client-threads\n");

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, bp_fds) == 0);
	pthread_t rd;
	CHECK(pthread_create(&rd, NULL, slow_reader, NULL) == 0);
	static char chunk[1 << 20];
	uint64_t sum = 0;
	for (int i = 0; i < 8; i++) {
		for (int k = 0; k < (int)sizeof chunk; k++) { chunk[k] = (char)(k * 7 + i); sum += (unsigned char)chunk[k]; }
		CHECK(write(bp_fds[0], chunk, sizeof chunk) == sizeof chunk);
	}
	close(bp_fds[0]);
	void *rsum;
	CHECK(pthread_join(rd, &rsum) == 0 && (uint64_t)(uintptr_t)rsum == sum);
	close(bp_fds[1]);
	printf("ok backpressure-slow-reader\n");

	struct sigaction sa = {.sa_handler = on_usr1};
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	l = listener(&port);
	int p[2];
	CHECK(pipe(p) == 0);
	int ep = epoll_create1(0);
	struct blocked b0 = {.fd = l, .kind = 0}, b1 = {.fd = p[0], .kind = 1, .wfd = p[1]}, b2 = {.fd = ep, .kind = 2};
	interrupt(&b0, "accept-eintr", 1);
	interrupt(&b1, "pipe-read-eintr", 1);
	interrupt(&b2, "epoll-wait-eintr", 1);
	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	struct blocked r0 = {.fd = l, .kind = 0}, r1 = {.fd = p[0], .kind = 1, .wfd = p[1]};
	interrupt(&r0, "accept-sa-restart", 0);
	interrupt(&r1, "pipe-read-sa-restart", 0);
	CHECK(hits >= 5);
	printf("all ok\n");
	return 0;
}
