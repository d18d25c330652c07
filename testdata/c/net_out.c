// net_out is a client of servers beyond loopback, for --network host:
//   tcp HOST PORT      non-blocking connect (EINPROGRESS, epoll, SO_ERROR),
//                      names, options, a half-close, MSG_PEEK, the reply
//   udp HOST PORT      sendto/recvfrom an echo server, then the same
//                      connected (getsockname shows the route's address)
//   refused HOST PORT  blocking and non-blocking connect to a closed port
//                      (or an unreachable address)
//   timeout HOST PORT  connect (blocking, then non-blocking) with
//                      TCP_SYNCNT 1 to an address whose SYNs vanish
//   reset HOST PORT    sends a byte, waits in epoll_wait while the server
//                      resets the connection, prints the events and what
//                      read then says
//   churn HOST PORT N  waits for a line on stdin, opens N connections and
//                      drops them abruptly (a third still connecting, a
//                      third reset with SO_LINGER 0, a third held open
//                      together), prints "open K", waits for a line,
//                      closes those, prints "after", waits for a line
// Its output holds no ephemeral port, so a native run in the same
// network namespace prints the same.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in dst;

static void die(const char *what) {
	printf("%s: %s\n", what, strerror(errno));
	exit(1);
}

static const char *ip(struct sockaddr_in *a) { return inet_ntoa(a->sin_addr); }

static void waitfor(int fd, short ev) {
	struct pollfd p = {.fd = fd, .events = ev};
	if (poll(&p, 1, 60000) != 1) die("poll");
}

static void tcp(void) {
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1, v;
	socklen_t l = sizeof v;
	if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) die("TCP_NODELAY");
	if (setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) < 0) die("SO_KEEPALIVE");
	int rcv = 3000000, snd = 32768; // large: the host clamps it by its own rmem_max
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv) < 0) die("SO_RCVBUF");
	if (setsockopt(s, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd) < 0) die("SO_SNDBUF");
	int r = connect(s, (void *)&dst, sizeof dst);
	printf("connect: %s\n", r == 0 ? "0" : strerror(errno));
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLOUT, .data.fd = s}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	if (epoll_wait(ep, &out, 1, 60000) != 1) die("epoll_wait");
	printf("epoll: out=%d\n", !!(out.events & EPOLLOUT));
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &l) < 0) die("SO_ERROR");
	printf("SO_ERROR: %d\n", v);
	l = sizeof v;
	getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &l);
	printf("TCP_NODELAY: %d\n", v != 0);
	l = sizeof v;
	getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &l);
	printf("SO_KEEPALIVE: %d\n", v != 0);
	l = sizeof v;
	getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &l);
	printf("SO_RCVBUF: %d\n", v);
	l = sizeof v;
	getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &l);
	printf("SO_SNDBUF: %d\n", v);
	struct tcp_info ti;
	l = sizeof ti;
	if (getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &l) < 0) die("TCP_INFO");
	printf("TCP_INFO state: %d\n", ti.tcpi_state);
	struct sockaddr_in a;
	l = sizeof a;
	getsockname(s, (void *)&a, &l);
	printf("local: %s\n", ip(&a));
	l = sizeof a;
	getpeername(s, (void *)&a, &l);
	printf("peer: %s:%d\n", ip(&a), ntohs(a.sin_port));
	const char msg[] = "hello over the veth\n";
	if (send(s, msg, sizeof msg - 1, 0) != sizeof msg - 1) die("send");
	if (shutdown(s, SHUT_WR) < 0) die("shutdown");
	char buf[256];
	waitfor(s, POLLIN);
	ssize_t n = recv(s, buf, 5, MSG_PEEK);
	printf("peek: %.*s\n", (int)n, buf);
	size_t got = 0;
	for (;;) {
		n = read(s, buf + got, sizeof buf - 1 - got);
		if (n == 0) break;
		if (n < 0 && errno == EAGAIN) { waitfor(s, POLLIN); continue; }
		if (n < 0) die("read");
		got += n;
	}
	buf[got] = 0;
	printf("reply: %s", buf);
	close(s);
}

static void udp(void) {
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	const char msg[] = "ping over udp";
	if (sendto(s, msg, sizeof msg - 1, 0, (void *)&dst, sizeof dst) < 0) die("sendto");
	char buf[256];
	struct sockaddr_in from;
	socklen_t l = sizeof from;
	waitfor(s, POLLIN);
	ssize_t n = recvfrom(s, buf, sizeof buf, 0, (void *)&from, &l);
	if (n < 0) die("recvfrom");
	printf("recvfrom: %.*s from %s:%d\n", (int)n, buf, ip(&from), ntohs(from.sin_port));
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	if (connect(c, (void *)&dst, sizeof dst) < 0) die("connect udp");
	struct sockaddr_in a;
	l = sizeof a;
	getsockname(c, (void *)&a, &l);
	printf("connected local: %s\n", ip(&a));
	l = sizeof a;
	getpeername(c, (void *)&a, &l);
	printf("connected peer: %s:%d\n", ip(&a), ntohs(a.sin_port));
	if (send(c, "again", 5, 0) != 5) die("send");
	waitfor(c, POLLIN);
	n = recv(c, buf, sizeof buf, 0);
	printf("recv: %.*s\n", (int)n, buf);
	close(s);
	close(c);
}

static void refused(void) {
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int r = connect(s, (void *)&dst, sizeof dst);
	printf("blocking connect: %s\n", r == 0 ? "0" : strerror(errno));
	close(s);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(s, (void *)&dst, sizeof dst);
	printf("non-blocking connect: %s\n", r == 0 ? "0" : strerror(errno));
	waitfor(s, POLLOUT);
	int v;
	socklen_t l = sizeof v;
	getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &l);
	printf("SO_ERROR: %s\n", strerror(v));
	close(s);
}

static void timeout(void) {
	int one = 1;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (setsockopt(s, IPPROTO_TCP, TCP_SYNCNT, &one, sizeof one) < 0) die("TCP_SYNCNT");
	int r = connect(s, (void *)&dst, sizeof dst);
	printf("blocking connect: %s\n", r == 0 ? "0" : strerror(errno));
	close(s);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(s, IPPROTO_TCP, TCP_SYNCNT, &one, sizeof one);
	r = connect(s, (void *)&dst, sizeof dst);
	printf("non-blocking connect: %s\n", r == 0 ? "0" : strerror(errno));
	waitfor(s, POLLOUT);
	int v;
	socklen_t l = sizeof v;
	getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &l);
	printf("SO_ERROR: %s\n", strerror(v));
	close(s);
}

static void reset(void) {
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (void *)&dst, sizeof dst) < 0) die("connect");
	if (send(s, "x", 1, 0) != 1) die("send");
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = s}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	if (epoll_wait(ep, &out, 1, 60000) != 1) die("epoll_wait");
	printf("events: in=%d err=%d hup=%d rdhup=%d\n", !!(out.events & EPOLLIN), !!(out.events & EPOLLERR),
	       !!(out.events & EPOLLHUP), !!(out.events & EPOLLRDHUP));
	char c;
	ssize_t n = read(s, &c, 1);
	printf("read: %s\n", n < 0 ? strerror(errno) : n == 0 ? "end of file" : "a byte");
	n = read(s, &c, 1);
	printf("read again: %s\n", n < 0 ? strerror(errno) : n == 0 ? "end of file" : "a byte");
	close(s);
}

static void churn(int n) {
	char line[64];
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	printf("before\n");
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin)) return;
	int *kept = calloc(n, sizeof *kept), k = 0;
	for (int i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (s < 0) die("socket");
		if (connect(s, (void *)&dst, sizeof dst) < 0 && errno != EINPROGRESS) die("connect");
		switch (i % 3) {
		case 0: // dropped while (perhaps) still connecting
			close(s);
			break;
		case 1: { // connected, then reset
			waitfor(s, POLLOUT);
			struct linger lg = {1, 0};
			setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
			send(s, "x", 1, MSG_NOSIGNAL);
			close(s);
			break;
		}
		default: // connected and kept open, all at once
			waitfor(s, POLLOUT);
			kept[k++] = s;
		}
	}
	printf("open %d\n", k);
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin)) return;
	while (k > 0) close(kept[--k]);
	printf("after\n");
	fflush(stdout);
	fgets(line, sizeof line, stdin);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 4) { fprintf(stderr, "usage: net_out tcp|udp|refused|timeout|reset|churn HOST PORT [N]\n"); return 2; }
	dst.sin_family = AF_INET;
	dst.sin_port = htons(atoi(argv[3]));
	if (inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1) { fprintf(stderr, "bad address\n"); return 2; }
	if (!strcmp(argv[1], "tcp")) tcp();
	else if (!strcmp(argv[1], "udp")) udp();
	else if (!strcmp(argv[1], "refused")) refused();
	else if (!strcmp(argv[1], "reset")) reset();
	else if (!strcmp(argv[1], "timeout")) timeout();
	else if (!strcmp(argv[1], "churn")) churn(argc > 4 ? atoi(argv[4]) : 200);
	else return 2;
	return 0;
}
