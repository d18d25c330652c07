// net_echo is an epoll echo server: it listens on PORT on 0.0.0.0 and on
// :: (IPV6_V6ONLY, as redis binds "* -::*"), prints "listening", and
// echoes every connection until one sends "quit\n". Mode "et" uses
// edge-triggered epoll with non-blocking reads until EAGAIN; "lt" is
// level-triggered with one read per event.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_on(int family, int port) {
	int s = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (family == AF_INET6) {
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any};
		if (bind(s, (void *)&a, sizeof a) < 0) { perror("bind6"); exit(1); }
	} else {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
		if (bind(s, (void *)&a, sizeof a) < 0) { perror("bind4"); exit(1); }
	}
	if (listen(s, 511) < 0) { perror("listen"); exit(1); }
	return s;
}

int main(int argc, char **argv) {
	if (argc < 3) { fprintf(stderr, "usage: net_echo PORT lt|et\n"); return 2; }
	int port = atoi(argv[1]), et = strcmp(argv[2], "et") == 0;
	int l4 = listen_on(AF_INET, port), l6 = listen_on(AF_INET6, port);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = l4};
	epoll_ctl(ep, EPOLL_CTL_ADD, l4, &ev);
	ev.data.fd = l6;
	epoll_ctl(ep, EPOLL_CTL_ADD, l6, &ev);
	printf("listening\n");
	fflush(stdout);
	long conns = 0, bytes = 0;
	for (;;) {
		struct epoll_event out[64];
		int n = epoll_wait(ep, out, 64, -1);
		if (n < 0) { if (errno == EINTR) continue; perror("epoll_wait"); return 1; }
		for (int i = 0; i < n; i++) {
			int fd = out[i].data.fd;
			if (fd == l4 || fd == l6) {
				int c;
				while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					int one = 1;
					setsockopt(c, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
					struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP | (et ? EPOLLET : 0), .data.fd = c};
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
					conns++;
				}
				continue;
			}
			char buf[4096];
			for (;;) {
				ssize_t r = read(fd, buf, sizeof buf);
				if (r > 0) {
					bytes += r;
					if (r >= 5 && memcmp(buf + r - 5, "quit\n", 5) == 0) {
						printf("quit after %ld connections, %ld bytes\n", conns, bytes);
						return 0;
					}
					for (ssize_t off = 0; off < r;) {
						ssize_t w = write(fd, buf + off, r - off);
						if (w < 0 && errno == EAGAIN) continue; /* tiny test data: spin */
						if (w < 0) break;
						off += w;
					}
					if (!et) break;
					continue;
				}
				if (r < 0 && errno == EAGAIN) break;
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
				break;
			}
		}
	}
}
