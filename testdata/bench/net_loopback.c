// net_loopback: loopback TCP between two threads of one process.
//   pingpong N   N round trips of 1-byte messages; prints ns_per_roundtrip=
//   bulk MB      MB megabytes one way in 64 KiB writes; prints mb_per_s=
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int srv_fd;
static long n;
static int bulk;

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *peer(void *arg) {
	(void)arg;
	int c = accept(srv_fd, NULL, NULL);
	int one = 1;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	static char buf[65536];
	if (bulk) {
		while (read(c, buf, sizeof buf) > 0) {}
	} else {
		for (long i = 0; i < n; i++) {
			if (read(c, buf, 1) != 1 || write(c, buf, 1) != 1) exit(1);
		}
	}
	close(c);
	return NULL;
}

int main(int argc, char **argv) {
	if (argc < 3) return 2;
	bulk = strcmp(argv[1], "bulk") == 0;
	n = atol(argv[2]);
	srv_fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	if (bind(srv_fd, (void *)&a, sizeof a) || listen(srv_fd, 1) || getsockname(srv_fd, (void *)&a, &al)) return 1;
	pthread_t th;
	pthread_create(&th, NULL, peer, NULL);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (void *)&a, sizeof a)) return 1;
	int one = 1;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	static char buf[65536];
	double t0 = now();
	if (bulk) {
		long total = n << 20;
		for (long sent = 0; sent < total;) {
			ssize_t w = write(c, buf, sizeof buf);
			if (w <= 0) return 1;
			sent += w;
		}
		shutdown(c, SHUT_WR);
		pthread_join(th, NULL);
		printf("mb_per_s=%.1f\n", n / (now() - t0));
	} else {
		for (long i = 0; i < n; i++) {
			if (write(c, "x", 1) != 1 || read(c, buf, 1) != 1) return 1;
		}
		pthread_join(th, NULL);
		printf("ns_per_roundtrip=%.0f\n", (now() - t0) * 1e9 / n);
	}
	return 0;
}
