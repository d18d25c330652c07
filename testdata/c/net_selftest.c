// net_selftest exercises the sandbox's pipes, eventfd, timerfd, epoll,
// poll/select and sockets in one process (no threads needed) and prints
// "ok NAME" per check; the first failure prints "FAIL NAME: why" and
// exits 1. It passes natively too, which is how it was checked.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <stddef.h>
#include <unistd.h>

static const char *cur;
static int native; // SELFTEST_NATIVE set: skip what only holds in the sandbox
#define CHECK(c) do { if (!(c)) { printf("FAIL %s: %s (line %d, errno %d %s)\n", cur, #c, __LINE__, errno, strerror(errno)); exit(1); } } while (0)
#define TEST(n) cur = n
#define OK() printf("ok %s\n", cur)

static void test_pipe(void) {
	TEST("pipe");
	int p[2];
	char buf[16];
	CHECK(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
	CHECK(fcntl(p[0], F_GETFD) == FD_CLOEXEC);
	CHECK(read(p[0], buf, sizeof buf) == -1 && errno == EAGAIN);
	CHECK(write(p[1], "hello", 5) == 5);
	int n = 0;
	CHECK(ioctl(p[0], FIONREAD, &n) == 0 && n == 5);
	CHECK(read(p[0], buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0);
	CHECK(fcntl(p[1], F_GETPIPE_SZ) == 65536);
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 5000) == 8192);
	int total = 0;
	char big[4096];
	memset(big, 'x', sizeof big);
	while ((n = write(p[1], big, sizeof big)) > 0) total += n;
	CHECK(n == -1 && errno == EAGAIN && total == 8192);
	close(p[1]);
	while ((n = read(p[0], big, sizeof big)) > 0) total -= n;
	CHECK(n == 0 && total == 0);
	close(p[0]);
	CHECK(pipe(p) == 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE);
	close(p[1]);
	OK();
}

static void test_splice(void) {
	TEST("splice-tee-vmsplice");
	int p[2], q[2], sv[2];
	CHECK(pipe(p) == 0 && pipe(q) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct iovec iov[2] = {{"hello ", 6}, {"splice", 6}};
	CHECK(vmsplice(p[1], iov, 2, 0) == 12);
	CHECK(tee(p[0], q[1], 100, 0) == 12);
	CHECK(tee(p[0], p[1], 100, 0) == -1 && errno == EINVAL);
	CHECK(splice(p[0], NULL, sv[0], NULL, 100, 0) == 12);
	char buf[32];
	CHECK(read(sv[1], buf, sizeof buf) == 12 && memcmp(buf, "hello splice", 12) == 0);
	CHECK(read(q[0], buf, sizeof buf) == 12 && memcmp(buf, "hello splice", 12) == 0);
	CHECK(write(sv[1], "back", 4) == 4);
	CHECK(splice(sv[0], NULL, q[1], NULL, 100, 0) == 4);
	loff_t off = 1;
	int fd = open("/etc/hostname", O_RDONLY);
	if (fd >= 0) {
		CHECK(splice(fd, &off, q[1], NULL, 2, 0) == 2 && off == 3);
		close(fd);
		CHECK(read(q[0], buf, sizeof buf) == 6);
	}
	CHECK(splice(sv[0], NULL, sv[1], NULL, 1, 0) == -1 && errno == EINVAL);
	CHECK(splice(p[0], NULL, q[1], NULL, 1, SPLICE_F_NONBLOCK) == -1 && errno == EAGAIN);
	close(p[0]); close(p[1]); close(q[0]); close(q[1]); close(sv[0]); close(sv[1]);
	OK();
}

static void test_eventfd_epoll(void) {
	TEST("eventfd-epoll");
	int efd = eventfd(0, EFD_NONBLOCK | EFD_SEMAPHORE);
	CHECK(efd >= 0);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ULL}, out[4];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == -1 && errno == EEXIST);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	uint64_t v = 3;
	CHECK(write(efd, &v, 8) == 8);
	CHECK(epoll_wait(ep, out, 4, 100) == 1 && out[0].events == EPOLLIN && out[0].data.u64 == 0x1122334455667788ULL);
	CHECK(read(efd, &v, 8) == 8 && v == 1);
	CHECK(read(efd, &v, 8) == 8 && v == 1);
	CHECK(read(efd, &v, 8) == 8 && v == 1);
	CHECK(read(efd, &v, 8) == -1 && errno == EAGAIN);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) == -1 && errno == ENOENT);
	close(efd);
	close(ep);
	OK();
}

static void test_timerfd(void) {
	TEST("timerfd-epoll");
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	CHECK(tfd >= 0);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = tfd}, out[2];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) == 0);
	struct itimerspec its = {.it_value = {0, 20 * 1000 * 1000}, .it_interval = {0, 10 * 1000 * 1000}};
	CHECK(timerfd_settime(tfd, 0, &its, NULL) == 0);
	struct itimerspec cur2;
	CHECK(timerfd_gettime(tfd, &cur2) == 0 && cur2.it_interval.tv_nsec == 10 * 1000 * 1000 && cur2.it_value.tv_nsec > 0);
	uint64_t n;
	CHECK(read(tfd, &n, 8) == -1 && errno == EAGAIN);
	CHECK(epoll_wait(ep, out, 2, 2000) == 1 && out[0].data.fd == tfd);
	usleep(100 * 1000); // ~10 more periods; at least one must have counted
	CHECK(read(tfd, &n, 8) == 8 && n >= 2);
	struct itimerspec off = {0};
	CHECK(timerfd_settime(tfd, 0, &off, NULL) == 0);
	CHECK(epoll_wait(ep, out, 2, 50) == 0);
	close(tfd);
	close(ep);
	OK();
}

static int listener4(int *port) {
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(l >= 0);
	int one = 1;
	CHECK(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	CHECK(bind(l, (void *)&a, sizeof a) == 0);
	CHECK(listen(l, 16) == 0);
	socklen_t al = sizeof a;
	CHECK(getsockname(l, (void *)&a, &al) == 0 && al == sizeof a);
	*port = ntohs(a.sin_port);
	CHECK(*port >= 32768);
	return l;
}

static void test_tcp(void) {
	TEST("tcp-nonblocking-connect");
	int port;
	int l = listener4(&port);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int r = connect(c, (void *)&a, sizeof a);
	CHECK(r == 0 || errno == EINPROGRESS);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.fd = c}, out[4];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 1000) == 1 && out[0].events == EPOLLOUT);
	int err = -1;
	socklen_t el = sizeof err;
	CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0);
	struct sockaddr_in peer;
	socklen_t pl = sizeof peer;
	int s = accept4(l, (void *)&peer, &pl, SOCK_NONBLOCK);
	CHECK(s >= 0 && peer.sin_family == AF_INET && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	struct sockaddr_in cl;
	socklen_t cll = sizeof cl;
	CHECK(getsockname(c, (void *)&cl, &cll) == 0 && cl.sin_port == peer.sin_port);
	CHECK(getpeername(s, (void *)&cl, &cll) == 0 && cl.sin_port == peer.sin_port);
	CHECK(accept(l, NULL, NULL) == -1 && errno == EAGAIN);
	OK();

	TEST("tcp-options");
	int one = 1, v = 0;
	socklen_t vl = sizeof v;
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0);
	int idle = 300, intvl = 100, cnt = 3;
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) == 0);
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl) == 0);
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) == 0);
	CHECK(getsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, &vl) == 0 && v == 300);
	CHECK(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &vl) == 0 && v == 1);
	CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_STREAM);
	CHECK(getsockopt(s, SOL_SOCKET, 12345, &v, &vl) == -1 && errno == ENOPROTOOPT);
	OK();

	TEST("tcp-data");
	char buf[64];
	CHECK(write(c, "ping", 4) == 4);
	CHECK(recv(s, buf, sizeof buf, MSG_PEEK) == 4);
	CHECK(recv(s, buf, 2, 0) == 2 && memcmp(buf, "pi", 2) == 0);
	CHECK(read(s, buf, sizeof buf) == 2 && memcmp(buf, "ng", 2) == 0);
	CHECK(read(s, buf, sizeof buf) == -1 && errno == EAGAIN);
	struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
	CHECK(writev(s, iov, 2) == 5);
	CHECK(epoll_wait(ep, out, 4, 1000) == 1 && out[0].events == (EPOLLIN | EPOLLOUT));
	CHECK(recvfrom(c, buf, sizeof buf, MSG_DONTWAIT, NULL, NULL) == 5 && memcmp(buf, "abcde", 5) == 0);
	CHECK(shutdown(s, SHUT_WR) == 0);
	CHECK(epoll_wait(ep, out, 4, 1000) == 1 && (out[0].events & (EPOLLIN | EPOLLRDHUP)) == (EPOLLIN | EPOLLRDHUP));
	CHECK(read(c, buf, sizeof buf) == 0);
	CHECK(write(s, "x", 1) == -1 && errno == EPIPE);
	CHECK(send(c, "late", 4, MSG_NOSIGNAL) == 4);
	CHECK(read(s, buf, sizeof buf) == 4);
	close(c);
	close(s);
	OK();

	TEST("tcp-reset");
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (void *)&a, sizeof a) == 0);
	s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	CHECK(write(c, "unread", 6) == 6);
	close(s);
	CHECK(read(c, buf, sizeof buf) == -1 && errno == ECONNRESET);
	close(c);
	OK();

	TEST("tcp-backpressure");
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(c, (void *)&a, sizeof a);
	CHECK(r == 0 || errno == EINPROGRESS);
	s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	static char chunk[65536];
	long sent = 0;
	for (;;) {
		int n = write(c, chunk, sizeof chunk);
		if (n < 0) break;
		sent += n;
	}
	CHECK(errno == EAGAIN && sent > 0 && sent < 64L * 1024 * 1024);
	struct pollfd pf = {.fd = c, .events = POLLOUT};
	CHECK(poll(&pf, 1, 0) == 0);
	long got = 0;
	while (got < sent) {
		struct pollfd ps = {.fd = s, .events = POLLIN};
		CHECK(poll(&ps, 1, 1000) == 1);
		int n = read(s, chunk, sizeof chunk);
		CHECK(n > 0);
		got += n;
	}
	CHECK(got == sent);
	CHECK(poll(&pf, 1, 1000) == 1 && pf.revents == POLLOUT);
	close(c);
	close(s);
	OK();

	TEST("so-rcvtimeo-epoll-pwait2");
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (void *)&a, sizeof a) == 0);
	s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	struct timeval tv = {0, 50 * 1000};
	CHECK(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(read(c, buf, sizeof buf) == -1 && errno == EAGAIN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(ms >= 40 && ms < 2000);
	int ep2 = epoll_create1(0);
	struct epoll_event e2 = {.events = EPOLLIN, .data.fd = c};
	CHECK(epoll_ctl(ep2, EPOLL_CTL_ADD, c, &e2) == 0);
	struct timespec pt = {0, 20 * 1000 * 1000};
	CHECK(syscall(441 /* epoll_pwait2 */, ep2, out, 4, &pt, NULL, 8) == 0);
	CHECK(write(s, "z", 1) == 1);
	CHECK(syscall(441, ep2, out, 4, &pt, NULL, 8) == 1);
	close(ep2);
	// SO_LINGER {1, 0}: close resets the peer.
	struct linger lg = {1, 0};
	CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0);
	close(s);
	CHECK(read(c, buf, sizeof buf) == 1);
	CHECK(read(c, buf, sizeof buf) == -1 && errno == ECONNRESET);
	close(c);
	OK();

	TEST("tcp-refused-unreachable");
	close(l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (void *)&a, sizeof a) == -1 && errno == ECONNREFUSED);
	close(c);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(connect(c, (void *)&a, sizeof a) == -1 && errno == EINPROGRESS);
	pf.fd = c;
	pf.events = POLLOUT;
	CHECK(poll(&pf, 1, 1000) == 1 && (pf.revents & POLLERR));
	CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == ECONNREFUSED);
	close(c);
	struct sockaddr_in ext = {.sin_family = AF_INET, .sin_port = htons(80)};
	inet_pton(AF_INET, "1.1.1.1", &ext.sin_addr);
	if (!native) { // the host may well reach 1.1.1.1; the sandbox must not
		c = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(connect(c, (void *)&ext, sizeof ext) == -1 && errno == ENETUNREACH);
		CHECK(bind(c, (void *)&ext, sizeof ext) == -1 && errno == EADDRNOTAVAIL);
		close(c);
	}
	close(ep);
	OK();
}

static void test_dualstack(void) {
	TEST("bind-any-dual-stack");
	int l4 = socket(AF_INET, SOCK_STREAM, 0), l6 = socket(AF_INET6, SOCK_STREAM, 0);
	int one = 1;
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(17001)};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(17001), .sin6_addr = in6addr_any};
	CHECK(setsockopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0);
	CHECK(bind(l4, (void *)&a4, sizeof a4) == 0 && listen(l4, 5) == 0);
	CHECK(bind(l6, (void *)&a6, sizeof a6) == 0 && listen(l6, 5) == 0);
	int x = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(bind(x, (void *)&a4, sizeof a4) == -1 && errno == EADDRINUSE);
	close(x);
	int c6 = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 d6 = {.sin6_family = AF_INET6, .sin6_port = htons(17001), .sin6_addr = in6addr_loopback};
	CHECK(connect(c6, (void *)&d6, sizeof d6) == 0);
	int s6 = accept(l6, NULL, NULL);
	CHECK(s6 >= 0);
	close(c6);
	close(s6);
	close(l6);
	close(l4);
	// Without IPV6_V6ONLY a :: listener takes IPv4 too, seen v4-mapped.
	l6 = socket(AF_INET6, SOCK_STREAM, 0);
	int zero = 0;
	CHECK(setsockopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) == 0);
	CHECK(bind(l6, (void *)&a6, sizeof a6) == 0 && listen(l6, 5) == 0);
	int c4 = socket(AF_INET, SOCK_STREAM, 0);
	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(connect(c4, (void *)&a4, sizeof a4) == 0);
	struct sockaddr_in6 p6;
	socklen_t pl = sizeof p6;
	int s = accept(l6, (void *)&p6, &pl);
	CHECK(s >= 0 && p6.sin6_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&p6.sin6_addr));
	close(s);
	close(c4);
	close(l6);
	OK();
}

static void test_unix(void) {
	TEST("unix-socketpair-scm-rights");
	int sv[2], p[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "through", 7) == 7);
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof cbuf);
	struct iovec iov = {"F", 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
	CHECK(sendmsg(sv[0], &m, 0) == 1);
	close(p[0]);
	char rb[8], rc[CMSG_SPACE(sizeof(int))];
	struct iovec riov = {rb, sizeof rb};
	struct msghdr rm = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = rc, .msg_controllen = sizeof rc};
	CHECK(recvmsg(sv[1], &rm, MSG_CMSG_CLOEXEC) == 1 && rb[0] == 'F');
	cm = CMSG_FIRSTHDR(&rm);
	CHECK(cm && cm->cmsg_type == SCM_RIGHTS);
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	CHECK(read(fd, rb, sizeof rb) == 7 && memcmp(rb, "through", 7) == 0);
	close(fd);
	close(p[1]);
	struct ucred uc;
	socklen_t ul = sizeof uc;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &ul) == 0 && uc.pid == getpid());
	close(sv[0]);
	close(sv[1]);
	OK();

	TEST("unix-abstract-stream");
	int x;
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un ua = {.sun_family = AF_UNIX};
	memcpy(ua.sun_path, "\0sentry-test", 12);
	socklen_t ual = offsetof(struct sockaddr_un, sun_path) + 12;
	CHECK(bind(l, (void *)&ua, ual) == 0 && listen(l, 1) == 0);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (void *)&ua, ual) == 0);
	int s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	CHECK(send(c, "abc", 3, 0) == 3 && send(c, "d", 1, 0) == 1);
	CHECK(recv(s, rb, 4, MSG_WAITALL) == 4 && memcmp(rb, "abcd", 4) == 0);
	close(c);
	close(s);
	close(l);
	OK();

	TEST("unix-dgram-path");
	char path[128];
	snprintf(path, sizeof path, "/tmp/sentry-selftest-%d.sock", getpid());
	unlink(path);
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un pa = {.sun_family = AF_UNIX};
	strcpy(pa.sun_path, path);
	CHECK(bind(d, (void *)&pa, sizeof pa) == 0);
	int e = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(sendto(e, "dgram1", 6, 0, (void *)&pa, sizeof pa) == 6);
	CHECK(sendto(e, "dgram22", 7, 0, (void *)&pa, sizeof pa) == 7);
	CHECK(recv(d, rb, 3, MSG_TRUNC) == 6);
	CHECK(recv(d, rb, sizeof rb, 0) == 7 && memcmp(rb, "dgram22", 7) == 0);
	close(e);
	close(d);
	unlink(path);
	OK();

	TEST("unix-path-node");
	char dir[64], rel[80];
	snprintf(dir, sizeof dir, "/tmp/sentry-selftest-dir-%d", getpid());
	mkdir(dir, 0755);
	snprintf(path, sizeof path, "%s/srv.sock", dir);
	unlink(path);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(pa.sun_path, path);
	CHECK(bind(l, (void *)&pa, sizeof pa) == 0 && listen(l, 4) == 0);
	struct stat st;
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
	CHECK(open(path, O_RDONLY) == -1 && errno == ENXIO);
	x = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(x, (void *)&pa, sizeof pa) == -1 && errno == EADDRINUSE);
	close(x);
	// A relative name from another directory reaches the same socket.
	char old[256];
	CHECK(getcwd(old, sizeof old) != NULL && chdir(dir) == 0);
	struct sockaddr_un ra = {.sun_family = AF_UNIX};
	snprintf(rel, sizeof rel, "srv.sock");
	strcpy(ra.sun_path, rel);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (void *)&ra, sizeof ra) == 0);
	CHECK(chdir(old) == 0);
	s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	struct sockaddr_un got;
	socklen_t gl = sizeof got;
	CHECK(getsockname(l, (void *)&got, &gl) == 0 && strcmp(got.sun_path, path) == 0);
	close(c);
	close(s);
	close(l);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (void *)&pa, sizeof pa) == -1 && errno == ECONNREFUSED); // node left, nobody listens
	unlink(path);
	CHECK(connect(c, (void *)&pa, sizeof pa) == -1 && errno == ENOENT);
	strcpy(ra.sun_path, "/etc/hostname");
	CHECK(connect(c, (void *)&ra, sizeof ra) == -1 && errno == ECONNREFUSED);
	close(c);
	rmdir(dir);
	OK();

	TEST("unix-seqpacket");
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	CHECK(write(sv[0], "one", 3) == 3 && write(sv[0], "two", 3) == 3);
	CHECK(read(sv[1], rb, sizeof rb) == 3 && memcmp(rb, "one", 3) == 0);
	close(sv[0]);
	CHECK(read(sv[1], rb, sizeof rb) == 3 && read(sv[1], rb, sizeof rb) == 0);
	close(sv[1]);
	OK();
}

static void test_udp(void) {
	TEST("udp");
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	CHECK(bind(b, (void *)&sa, sizeof sa) == 0);
	socklen_t sl = sizeof sa;
	CHECK(getsockname(b, (void *)&sa, &sl) == 0);
	char buf[32];
	CHECK(recv(b, buf, sizeof buf, 0) == -1 && errno == EAGAIN);
	CHECK(sendto(a, "hi", 2, 0, (void *)&sa, sizeof sa) == 2);
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	CHECK(recvfrom(b, buf, sizeof buf, 0, (void *)&from, &fl) == 2 && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && from.sin_port != 0);
	struct mmsghdr mm[2];
	struct iovec iv[2] = {{"m1", 2}, {"m22", 3}};
	memset(mm, 0, sizeof mm);
	for (int i = 0; i < 2; i++) {
		mm[i].msg_hdr.msg_iov = &iv[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &sa;
		mm[i].msg_hdr.msg_namelen = sizeof sa;
	}
	CHECK(sendmmsg(a, mm, 2, 0) == 2);
	char r1[8], r2[8];
	struct iovec rv[2] = {{r1, 8}, {r2, 8}};
	memset(mm, 0, sizeof mm);
	for (int i = 0; i < 2; i++) {
		mm[i].msg_hdr.msg_iov = &rv[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	CHECK(recvmmsg(b, mm, 2, 0, NULL) == 2 && mm[0].msg_len == 2 && mm[1].msg_len == 3);
	close(a);
	close(b);
	OK();
}

static void test_poll_select(void) {
	TEST("poll-select");
	int p[2];
	CHECK(pipe(p) == 0);
	struct pollfd pf[2] = {{.fd = p[0], .events = POLLIN}, {.fd = 999, .events = POLLIN}};
	CHECK(poll(pf, 2, 10) == 1 && pf[1].revents == POLLNVAL);
	CHECK(write(p[1], "x", 1) == 1);
	CHECK(poll(pf, 1, -1) == 1 && pf[0].revents == POLLIN);
	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	struct timeval tv = {1, 0};
	CHECK(select(p[1] + 1, &r, &w, NULL, &tv) == 2 && FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
	char c;
	CHECK(read(p[0], &c, 1) == 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timespec ts = {0, 10 * 1000 * 1000};
	CHECK(pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL) == 0);
	close(p[1]);
	CHECK(poll(pf, 1, 0) == 1 && pf[0].revents == POLLHUP);
	close(p[0]);
	OK();
}

static void test_epoll_modes(void) {
	TEST("epoll-et-oneshot-nested");
	int p[2];
	CHECK(pipe2(p, O_NONBLOCK) == 0);
	int ep = epoll_create1(0), outer = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = p[0]}, out[4];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	struct epoll_event oev = {.events = EPOLLIN, .data.fd = ep};
	CHECK(epoll_ctl(outer, EPOLL_CTL_ADD, ep, &oev) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, outer, &oev) == -1 && errno == ELOOP);
	CHECK(epoll_wait(outer, out, 4, 0) == 0);
	CHECK(write(p[1], "a", 1) == 1);
	CHECK(epoll_wait(outer, out, 4, 1000) == 1 && out[0].data.fd == ep);
	CHECK(epoll_wait(ep, out, 4, 0) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 0); // edge-triggered: reported once
	CHECK(write(p[1], "b", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 1); // a new edge
	ev.events = EPOLLIN | EPOLLONESHOT;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 0); // disarmed
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	int q[2];
	CHECK(pipe(q) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, q[0], &ev) == -1 && errno == EINVAL);
	// Closing the only fd of a registered file removes it.
	close(q[0]);
	close(q[1]);
	int plain = open("/etc/hostname", O_RDONLY);
	if (plain >= 0) {
		CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, plain, &ev) == -1 && errno == EPERM);
		close(plain);
	}
	close(p[0]);
	close(p[1]);
	close(ep);
	close(outer);
	OK();
}

static volatile sig_atomic_t got_sigpipe;
static void on_sigpipe(int sig) { got_sigpipe = sig; }

static void test_signals(void) {
	TEST("sigpipe");
	struct sigaction sa = {.sa_handler = on_sigpipe};
	CHECK(sigaction(SIGPIPE, &sa, NULL) == 0);
	int p[2];
	CHECK(pipe(p) == 0);
	close(p[0]);
	CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE && got_sigpipe == SIGPIPE);
	close(p[1]);
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	close(sv[1]);
	got_sigpipe = 0;
	CHECK(send(sv[0], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE && got_sigpipe == 0);
	CHECK(send(sv[0], "x", 1, 0) == -1 && errno == EPIPE && got_sigpipe == SIGPIPE);
	close(sv[0]);
	signal(SIGPIPE, SIG_IGN);
	OK();

	TEST("signalfd-epoll");
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &m, NULL) == 0);
	int sfd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
	CHECK(sfd >= 0);
	struct signalfd_siginfo si;
	CHECK(read(sfd, &si, sizeof si) == -1 && errno == EAGAIN);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = sfd}, out[2];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) == 0);
	CHECK(epoll_wait(ep, out, 2, 0) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(epoll_wait(ep, out, 2, 1000) == 1 && out[0].data.fd == sfd);
	CHECK(read(sfd, &si, sizeof si) == sizeof si && si.ssi_signo == SIGUSR1 && si.ssi_pid == (uint32_t)getpid());
	CHECK(epoll_wait(ep, out, 2, 0) == 0);
	close(ep);
	close(sfd);
	CHECK(sigprocmask(SIG_UNBLOCK, &m, NULL) == 0);
	OK();
}

static void test_ifaddrs(void) {
	TEST("interfaces-only-lo");
	struct ifaddrs *ifa, *i;
	CHECK(getifaddrs(&ifa) == 0);
	int n4 = 0, n6 = 0;
	for (i = ifa; i; i = i->ifa_next) {
		CHECK(strcmp(i->ifa_name, "lo") == 0);
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET) n4++;
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET6) n6++;
	}
	CHECK(n4 == 1 && n6 == 1);
	freeifaddrs(ifa);
	CHECK(if_nametoindex("lo") == 1);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq reqs[4];
	struct ifconf ifc = {.ifc_len = sizeof reqs, .ifc_req = reqs};
	CHECK(ioctl(s, SIOCGIFCONF, &ifc) == 0 && ifc.ifc_len == sizeof(struct ifreq) && strcmp(reqs[0].ifr_name, "lo") == 0);
	close(s);
	OK();
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	native = getenv("SELFTEST_NATIVE") != NULL;
	test_pipe();
	test_eventfd_epoll();
	test_splice();
	test_timerfd();
	test_tcp();
	test_dualstack();
	test_unix();
	test_udp();
	test_poll_select();
	test_epoll_modes();
	test_signals();
	if (!native) test_ifaddrs();
	printf("all ok\n");
	return 0;
}
