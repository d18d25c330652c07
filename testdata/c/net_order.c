// net_order records the order in which messages arrive across several
// connections: it listens on 127.0.0.1:PORT, prints "listening", accepts
// N+1 connections, each of which first says which one it is
// ("c%06d\n"), and answers "ready\n" on connection N, the control
// connection. Then every message is 8 bytes; the server waits on
// connections 0..N-1 with one edge-triggered epoll, takes one message
// per event in the order epoll reports them, and after every N messages
// writes those N messages, in the order it took them, on the control
// connection. It ends when connections 0..N-1 are closed. An optional
// third argument is the IPv4 address to listen on instead of 127.0.0.1
// (the address of a network namespace, for --network host).
//
// The answers go on a connection that carries no messages because a
// socket the server is writing on is locked, and Linux queues what
// arrives for it meanwhile until the write ends: a message on it would
// be overtaken by one on another connection even natively. The epoll is
// edge-triggered because Linux keeps a level-triggered fd that was ready
// at the last epoll_wait on the ready list, at its old place, until the
// next epoll_wait: new data there would be reported ahead of data that
// came earlier on another connection.
//
// On Linux's loopback a message is in the receiver's queue before the
// sender's write returns, and epoll reports fds in the order they became
// ready, so a client that writes one message on each connection in turn
// and then waits for the batch sees it in exactly the order it wrote.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MSG 8
#define MAXN 64

static void writeall(int fd, const char *p, size_t n) {
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) { perror("write"); exit(1); }
		p += w;
		n -= (size_t)w;
	}
}

// readmsg reads one whole message (blocking socket); 0 at end of file.
static int readmsg(int fd, char *m) {
	ssize_t r = recv(fd, m, MSG, MSG_WAITALL);
	if (r == 0) return 0;
	if (r != MSG) { fprintf(stderr, "recv: %zd (%s)\n", r, r < 0 ? strerror(errno) : "short"); exit(1); }
	return 1;
}

int main(int argc, char **argv) {
	if (argc < 3) { fprintf(stderr, "usage: net_order PORT N [ADDR]\n"); return 2; }
	int port = atoi(argv[1]), n = atoi(argv[2]);
	if (n < 1 || n > MAXN) { fprintf(stderr, "N out of range\n"); return 2; }
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (argc > 3 && inet_pton(AF_INET, argv[3], &a.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", argv[3]); return 2; }
	if (bind(l, (void *)&a, sizeof a) < 0 || listen(l, 64) < 0) { perror("bind/listen"); return 1; }
	printf("listening\n");
	fflush(stdout);

	int fds[MAXN + 1];
	for (int i = 0; i <= n; i++) fds[i] = -1;
	for (int i = 0; i <= n; i++) {
		int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) { perror("accept"); return 1; }
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		char m[MSG + 1] = {0};
		if (!readmsg(c, m) || m[0] != 'c') { fprintf(stderr, "bad hello %s\n", m); return 1; }
		int k = atoi(m + 1);
		if (k < 0 || k > n || fds[k] >= 0) { fprintf(stderr, "bad index %d\n", k); return 1; }
		fds[k] = c;
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	for (int k = 0; k < n; k++) {
		struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = (unsigned)k};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[k], &ev) < 0) { perror("epoll_ctl"); return 1; }
	}
	writeall(fds[n], "ready\n", 6);
	char batch[MAXN * MSG];
	int inbatch = 0, open = n;
	long total = 0;
	while (open > 0) {
		struct epoll_event out[MAXN];
		int got = epoll_wait(ep, out, MAXN, -1);
		if (got < 0) { if (errno == EINTR) continue; perror("epoll_wait"); return 1; }
		for (int i = 0; i < got; i++) {
			int k = (int)out[i].data.u32;
			if (fds[k] < 0) continue;
			if (!readmsg(fds[k], batch + inbatch * MSG)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fds[k], NULL);
				close(fds[k]);
				fds[k] = -1;
				open--;
				continue;
			}
			total++;
			if (++inbatch == n) {
				writeall(fds[n], batch, (size_t)n * MSG);
				inbatch = 0;
			}
		}
	}
	printf("done after %ld messages\n", total);
	return 0;
}
