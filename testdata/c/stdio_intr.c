// Blocking calls on the stdio the program was given (a host pipe, FIFO
// or terminal whose writer stays open) and signals: stdio_intr MODE HOW.
// MODE: read, readv, poll, select, epoll (on fd 0) or write (1 MiB to
// fd 1, which nobody reads). HOW: plain (SIGALRM handler without
// SA_RESTART after 1s), restart (with SA_RESTART) or input (no alarm:
// wait for input). Markers and results go to fd 2: "alarm" from the
// handler, "waiting" before an input wait; whoever drives the test feeds
// "data\n" when it sees either.
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/uio.h>
#include <unistd.h>

static void on_alarm(int sig) {
	(void)sig;
	write(2, "alarm\n", 6);
}

static void report(const char *what, long r, int err, const char *extra) {
	if (r < 0)
		dprintf(2, "%s: -1 %s\n", what, strerror(err));
	else
		dprintf(2, "%s: %ld%s\n", what, r, extra);
}

int main(int argc, char **argv) {
	if (argc != 3)
		return 2;
	const char *mode = argv[1], *how = argv[2];
	if (strcmp(how, "input") == 0) {
		dprintf(2, "waiting\n");
	} else {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_alarm;
		if (strcmp(how, "restart") == 0)
			sa.sa_flags = SA_RESTART;
		sigaction(SIGALRM, &sa, NULL);
		alarm(1);
	}
	char buf[64], extra[128] = "";
	long r;
	if (strcmp(mode, "read") == 0) {
		r = read(0, buf, sizeof buf);
		if (r > 0)
			snprintf(extra, sizeof extra, " \"%.*s\"", (int)r - 1, buf);
	} else if (strcmp(mode, "readv") == 0) {
		struct iovec iov[2] = {{buf, 2}, {buf + 2, sizeof buf - 2}};
		r = readv(0, iov, 2);
		if (r > 0)
			snprintf(extra, sizeof extra, " \"%.*s\"", (int)r - 1, buf);
	} else if (strcmp(mode, "poll") == 0) {
		struct pollfd p = {.fd = 0, .events = POLLIN};
		r = poll(&p, 1, -1);
		snprintf(extra, sizeof extra, " revents %#x", p.revents);
	} else if (strcmp(mode, "select") == 0) {
		fd_set rfds;
		FD_ZERO(&rfds);
		FD_SET(0, &rfds);
		r = select(1, &rfds, NULL, NULL, NULL);
		snprintf(extra, sizeof extra, " isset %d", r > 0 && FD_ISSET(0, &rfds));
	} else if (strcmp(mode, "epoll") == 0) {
		int ep = epoll_create1(0);
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) < 0) {
			report("epoll_ctl", -1, errno, "");
			return 1;
		}
		struct epoll_event out = {0};
		r = epoll_wait(ep, &out, 1, -1);
		snprintf(extra, sizeof extra, " events %#x data %u", out.events, out.data.u32);
	} else if (strcmp(mode, "write") == 0) {
		static char big[1 << 20];
		r = write(1, big, sizeof big);
	} else {
		return 2;
	}
	int err = errno;
	report(mode, r, err, extra);
	return 0;
}
