// tcp_closed_peer: what writes to a stream whose peer has closed return.
// TCP: the first write succeeds (its segment draws the peer's RST), later
// ones fail with EPIPE; a peer that closed with unread data reset the
// connection at once; AF_UNIX fails at once. Prints one line per write so
// the output can be compared with Linux's.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void pair(int fd[2]) {
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t n = sizeof a;
	bind(l, (struct sockaddr *)&a, sizeof a);
	listen(l, 1);
	getsockname(l, (struct sockaddr *)&a, &n);
	fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd[0], (struct sockaddr *)&a, sizeof a) != 0)
		perror("connect");
	fd[1] = accept(l, NULL, NULL);
	close(l);
}

static void writes(const char *what, int fd) {
	for (int i = 1; i <= 3; i++) {
		ssize_t r = send(fd, "x", 1, 0);
		printf("%s write %d: %s\n", what, i, r == 1 ? "ok" : strerror(errno));
		usleep(100000); // let the RST come back (natively)
	}
}

int main(void) {
	signal(SIGPIPE, SIG_IGN);
	int fd[2];
	char c;

	pair(fd);
	close(fd[1]);
	usleep(100000); // the FIN arrives
	printf("tcp read after peer close: %zd\n", recv(fd[0], &c, 1, MSG_DONTWAIT));
	writes("tcp", fd[0]);
	close(fd[0]);

	pair(fd);
	send(fd[0], "unread", 6, 0);
	usleep(100000);
	close(fd[1]); // unread data: a reset
	usleep(100000);
	writes("tcp-reset", fd[0]);
	close(fd[0]);

	socketpair(AF_UNIX, SOCK_STREAM, 0, fd);
	close(fd[1]);
	writes("unix", fd[0]);
	return 0;
}
