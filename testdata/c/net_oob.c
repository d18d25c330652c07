// net_oob: TCP urgent data (MSG_OOB) over loopback, SO_OOBINLINE,
// SIOCATMARK, POLLPRI/EPOLLPRI, SIGURG to the F_SETOWN owner, MSG_OOB on
// AF_UNIX streams and MSG_ERRQUEUE. Prints only deterministic lines, so
// its output natively and under the sentry can be compared.
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t urgs;
static void onurg(int sig) { (void)sig; urgs++; }

static const char *err(int e) {
	switch (e) {
	case 0: return "ok";
	case EINVAL: return "EINVAL";
	case EAGAIN: return "EAGAIN";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOTCONN: return "ENOTCONN";
	default: return strerror(e);
	}
}

// pair connects a TCP client to a listener on a free loopback port and
// returns the accepted end in *srv.
static int pair(int *srv) {
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	if (bind(l, (void *)&a, sizeof a) || listen(l, 4) || getsockname(l, (void *)&a, &al)) {
		perror("listen");
		return -1;
	}
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (void *)&a, sizeof a)) {
		perror("connect");
		return -1;
	}
	*srv = accept(l, NULL, NULL);
	close(l);
	return c;
}

static int atmark(int fd) {
	int v = -1;
	if (ioctl(fd, SIOCATMARK, &v) < 0)
		return -errno;
	return v;
}

static void settle(int fd) {
	// Wait until the urgent data has arrived (POLLPRI), so the output
	// does not depend on timing.
	struct pollfd p = {.fd = fd, .events = POLLPRI};
	poll(&p, 1, 5000);
}

static void recvoob(const char *what, int fd, int flags) {
	char c = 0;
	ssize_t n = recv(fd, &c, 1, MSG_OOB | flags);
	if (n < 0)
		printf("%s: recv MSG_OOB -> %s\n", what, err(errno));
	else
		printf("%s: recv MSG_OOB -> %zd '%c'\n", what, n, c);
}

static void readsome(const char *what, int fd) {
	char buf[16] = {0};
	ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
	if (n < 0)
		printf("%s: read -> %s\n", what, err(errno));
	else
		printf("%s: read -> %zd \"%s\"\n", what, n, buf);
}

static void basic(void) {
	int s, c = pair(&s);
	ssize_t n = send(c, "abc", 3, MSG_OOB);
	printf("tcp: send MSG_OOB -> %zd\n", n);
	settle(s);
	struct pollfd p = {.fd = s, .events = POLLIN | POLLPRI};
	poll(&p, 1, 0);
	printf("tcp: poll POLLIN=%d POLLPRI=%d\n", !!(p.revents & POLLIN), !!(p.revents & POLLPRI));
	printf("tcp: atmark %d\n", atmark(s));
	readsome("tcp", s);
	printf("tcp: atmark %d\n", atmark(s));
	recvoob("tcp peek", s, MSG_PEEK);
	recvoob("tcp", s, 0);
	recvoob("tcp again", s, 0);
	p.revents = 0;
	poll(&p, 1, 0);
	printf("tcp: poll after POLLPRI=%d\n", !!(p.revents & POLLPRI));
	readsome("tcp after", s);
	send(c, "de", 2, 0);
	usleep(10000);
	readsome("tcp later", s);
	printf("tcp: atmark %d\n", atmark(s));
	recvoob("tcp none", s, 0);
	// A newer urgent byte replaces an unread one, which stays inline.
	send(c, "xy", 2, MSG_OOB);
	settle(s);
	send(c, "zw", 2, MSG_OOB);
	usleep(20000);
	readsome("tcp two", s);
	printf("tcp: atmark %d\n", atmark(s));
	recvoob("tcp two", s, 0);
	close(c);
	close(s);
}

static void inlined(void) {
	int s, c = pair(&s), one = 1;
	setsockopt(s, SOL_SOCKET, SO_OOBINLINE, &one, sizeof one);
	send(c, "abc", 3, MSG_OOB);
	settle(s);
	struct pollfd p = {.fd = s, .events = POLLIN | POLLPRI};
	poll(&p, 1, 0);
	printf("inline: poll POLLIN=%d POLLPRI=%d\n", !!(p.revents & POLLIN), !!(p.revents & POLLPRI));
	recvoob("inline", s, 0);
	readsome("inline", s);
	printf("inline: atmark %d\n", atmark(s));
	readsome("inline", s);
	printf("inline: atmark %d\n", atmark(s));
	close(c);
	close(s);
}

static void sigurg(void) {
	signal(SIGURG, onurg);
	int s, c = pair(&s);
	printf("sigurg: getown before %d\n", fcntl(s, F_GETOWN));
	printf("sigurg: setown %d\n", fcntl(s, F_SETOWN, getpid()));
	printf("sigurg: getown is pid %d\n", fcntl(s, F_GETOWN) == getpid());
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLPRI, .data.fd = s}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	printf("epoll: before %d\n", epoll_wait(ep, &out, 1, 0));
	send(c, "!", 1, MSG_OOB);
	int n = epoll_wait(ep, &out, 1, 5000);
	printf("epoll: after %d EPOLLPRI=%d\n", n, n == 1 && (out.events & EPOLLPRI) != 0);
	for (int i = 0; i < 500 && !urgs; i++)
		usleep(1000);
	printf("sigurg: delivered %d\n", urgs > 0);
	recvoob("sigurg", s, 0);
	printf("epoll: after read %d\n", epoll_wait(ep, &out, 1, 0));
	close(ep);
	close(c);
	close(s);
}

static void unixoob(void) {
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	ssize_t n = send(sv[0], "abc", 3, MSG_OOB);
	printf("unix: send MSG_OOB -> %s\n", n < 0 ? err(errno) : "ok");
	if (n == 3) {
		readsome("unix", sv[1]);
		recvoob("unix", sv[1], 0);
		recvoob("unix again", sv[1], 0);
	}
	close(sv[0]);
	close(sv[1]);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	n = send(sv[0], "abc", 3, MSG_OOB);
	printf("unix dgram: send MSG_OOB -> %s\n", n < 0 ? err(errno) : "ok");
	close(sv[0]);
	close(sv[1]);
}

static void errqueue(void) {
	int s, c = pair(&s);
	char buf[8];
	struct iovec iov = {buf, sizeof buf};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n = recvmsg(c, &m, MSG_ERRQUEUE);
	printf("errqueue: tcp -> %s\n", n < 0 ? err(errno) : "data");
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	n = recvmsg(u, &m, MSG_ERRQUEUE);
	printf("errqueue: udp -> %s\n", n < 0 ? err(errno) : "data");
	close(u);
	close(c);
	close(s);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	basic();
	inlined();
	sigurg();
	unixoob();
	errqueue();
	return 0;
}
