// udplite_cmsg: UDP-Lite sockets (their own port space, the coverage
// options and the receiver's coverage check) and IP-level ancillary data
// of inet datagrams (IP_TTL/IP_TOS, IPV6_HOPLIMIT/IPV6_TCLASS, sent as
// options or control messages, received as control messages, truncated
// with MSG_CTRUNC), as a native run prints them.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif
#define UDPLITE_SEND_CSCOV 10
#define UDPLITE_RECV_CSCOV 11

static void res(const char *what, long rc) {
	printf("%s = %ld%s%s\n", what, rc, rc < 0 ? " " : "", rc < 0 ? strerrorname_np(errno) : "");
}

static int geti(int s, int level, int name) {
	int v = -12345;
	socklen_t l = sizeof v;
	if (getsockopt(s, level, name, &v, &l) < 0) return -errno;
	return v;
}

static int seti(int s, int level, int name, int v) { return setsockopt(s, level, name, &v, sizeof v); }

static int bound(int family, int proto, struct sockaddr_storage *ss) {
	int s = socket(family, SOCK_DGRAM, proto);
	memset(ss, 0, sizeof *ss);
	socklen_t l;
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		l = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (void *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		l = sizeof *a;
	}
	bind(s, (void *)ss, l);
	getsockname(s, (void *)ss, &l);
	return s;
}

static socklen_t sslen(struct sockaddr_storage *ss) {
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

// recvshow receives one datagram (without waiting) with a control
// buffer of clen bytes and prints what came.
static void recvshow(const char *what, int s, size_t clen) {
	char data[256], ctl[256];
	struct iovec v = {data, sizeof data};
	struct msghdr m = {0};
	m.msg_iov = &v;
	m.msg_iovlen = 1;
	m.msg_control = clen ? ctl : NULL;
	m.msg_controllen = clen;
	memset(ctl, 0x55, sizeof ctl);
	long n = recvmsg(s, &m, MSG_DONTWAIT);
	printf("%s: ", what);
	if (n < 0) {
		printf("%s\n", strerrorname_np(errno));
		return;
	}
	printf("%ld bytes flags %#x controllen %zu", n, m.msg_flags, (size_t)m.msg_controllen);
	if (m.msg_controllen >= sizeof(struct cmsghdr))
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			printf(" [%d %d len %zu:", c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len);
			for (size_t i = 0; i + CMSG_LEN(0) < c->cmsg_len && i < 8; i++) printf(" %02x", CMSG_DATA(c)[i]);
			printf("]");
		}
	printf("\n");
}

static long sendctl(int s, struct sockaddr_storage *to, int level, int type, const void *val, size_t len) {
	char ctl[CMSG_SPACE(16)] = {0};
	struct iovec v = {"x", 1};
	struct msghdr m = {0};
	m.msg_name = to;
	m.msg_namelen = sslen(to);
	m.msg_iov = &v;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = CMSG_SPACE(len);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), val, len);
	return sendmsg(s, &m, 0);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sockaddr_storage la, ua, xa;
	char payload[100];
	memset(payload, 'p', sizeof payload);

	// UDP-Lite: options and port space.
	int lite = bound(AF_INET, IPPROTO_UDPLITE, &la);
	res("udplite socket", lite >= 0 ? 0 : -1);
	printf("SO_PROTOCOL %d\n", geti(lite, SOL_SOCKET, SO_PROTOCOL));
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	printf("udp SEND_CSCOV %d\n", geti(udp, IPPROTO_UDP, UDPLITE_SEND_CSCOV));
	printf("udp SEND_CSCOV at SOL_UDPLITE %d\n", geti(udp, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV));
	res("udp set SEND_CSCOV", seti(udp, IPPROTO_UDP, UDPLITE_SEND_CSCOV, 20));
	printf("lite SEND_CSCOV %d RECV_CSCOV %d\n", geti(lite, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV),
	       geti(lite, IPPROTO_UDPLITE, UDPLITE_RECV_CSCOV));
	seti(lite, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 4);
	printf("after 4: %d\n", geti(lite, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV));
	seti(lite, IPPROTO_UDP, UDPLITE_SEND_CSCOV, 70000);
	printf("after 70000 at SOL_UDP: %d\n", geti(lite, IPPROTO_UDP, UDPLITE_SEND_CSCOV));
	seti(lite, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 0);
	struct sockaddr_in same = *(struct sockaddr_in *)&la;
	res("bind udp to the udplite port", bind(udp, (void *)&same, sizeof same));
	int lsend = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE);
	res("udplite -> udplite", sendto(lsend, "L", 1, 0, (void *)&la, sslen(&la)));
	res("udp -> same port", sendto(socket(AF_INET, SOCK_DGRAM, 0), "U", 1, 0, (void *)&la, sslen(&la)));
	recvshow("udplite receiver", lite, 0);
	recvshow("udplite receiver again", lite, 0);
	recvshow("udp receiver", udp, 0);

	// Coverage: the receiver wants at least 20 bytes covered.
	seti(lite, IPPROTO_UDPLITE, UDPLITE_RECV_CSCOV, 20);
	seti(lsend, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 10);
	res("send cov 10", sendto(lsend, payload, sizeof payload, 0, (void *)&la, sslen(&la)));
	recvshow("cov 10 < 20", lite, 0);
	seti(lsend, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 30);
	sendto(lsend, payload, sizeof payload, 0, (void *)&la, sslen(&la));
	recvshow("cov 30", lite, 0);
	seti(lsend, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 500);
	sendto(lsend, payload, sizeof payload, 0, (void *)&la, sslen(&la));
	recvshow("cov 500 (whole)", lite, 0);
	seti(lite, IPPROTO_UDPLITE, UDPLITE_RECV_CSCOV, 0);
	seti(lsend, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, 30);
	sendto(lsend, payload, sizeof payload, 0, (void *)&la, sslen(&la));
	recvshow("cov 30, receiver wants full", lite, 0);
	int lite6 = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE);
	res("udplite6 socket", lite6 >= 0 ? 0 : -1);
	res("stream udplite", socket(AF_INET, SOCK_STREAM, IPPROTO_UDPLITE));

	// IPv4: TTL and TOS.
	int r4 = bound(AF_INET, 0, &ua);
	int s4 = socket(AF_INET, SOCK_DGRAM, 0);
	seti(r4, IPPROTO_IP, IP_RECVTTL, 1);
	seti(r4, IPPROTO_IP, IP_RECVTOS, 1);
	sendto(s4, "a", 1, 0, (void *)&ua, sslen(&ua));
	recvshow("v4 defaults", r4, 256);
	seti(s4, IPPROTO_IP, IP_TTL, 33);
	seti(s4, IPPROTO_IP, IP_TOS, 0x10);
	sendto(s4, "b", 1, 0, (void *)&ua, sslen(&ua));
	recvshow("v4 TTL 33 TOS 0x10", r4, 256);
	int ttl = 7, zero = 0;
	unsigned char tos = 0x08;
	res("v4 cmsg TTL 7", sendctl(s4, &ua, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl));
	recvshow("v4 cmsg TTL 7", r4, 256);
	res("v4 cmsg TTL 0", sendctl(s4, &ua, IPPROTO_IP, IP_TTL, &zero, sizeof zero));
	res("v4 cmsg TOS byte", sendctl(s4, &ua, IPPROTO_IP, IP_TOS, &tos, 1));
	recvshow("v4 cmsg TOS 8", r4, 256);
	res("v4 cmsg unknown type", sendctl(s4, &ua, IPPROTO_IP, 9999, &ttl, sizeof ttl));
	res("v4 cmsg IPv6 level (ignored)", sendctl(s4, &ua, IPPROTO_IPV6, IPV6_HOPLIMIT, &ttl, sizeof ttl));
	recvshow("after ignored", r4, 256);
	sendto(s4, "c", 1, 0, (void *)&ua, sslen(&ua));
	recvshow("v4 room for one", r4, CMSG_SPACE(sizeof(int)));
	sendto(s4, "d", 1, 0, (void *)&ua, sslen(&ua));
	recvshow("v4 no control buffer", r4, 0);

	// IPv6: hop limit and traffic class.
	int r6 = bound(AF_INET6, 0, &xa);
	int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	seti(r6, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
	seti(r6, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
	sendto(s6, "e", 1, 0, (void *)&xa, sslen(&xa));
	recvshow("v6 defaults", r6, 256);
	seti(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 9);
	seti(s6, IPPROTO_IPV6, IPV6_TCLASS, 0x20);
	sendto(s6, "f", 1, 0, (void *)&xa, sslen(&xa));
	recvshow("v6 hops 9 tclass 0x20", r6, 256);
	int hl = 3, tc = 300, minus = -1;
	res("v6 cmsg HOPLIMIT 3", sendctl(s6, &xa, IPPROTO_IPV6, IPV6_HOPLIMIT, &hl, sizeof hl));
	recvshow("v6 cmsg HOPLIMIT 3", r6, 256);
	res("v6 cmsg HOPLIMIT -1", sendctl(s6, &xa, IPPROTO_IPV6, IPV6_HOPLIMIT, &minus, sizeof minus));
	recvshow("v6 cmsg HOPLIMIT -1", r6, 256);
	res("v6 cmsg TCLASS 300", sendctl(s6, &xa, IPPROTO_IPV6, IPV6_TCLASS, &tc, sizeof tc));
	res("v6 cmsg HOPLIMIT short", sendctl(s6, &xa, IPPROTO_IPV6, IPV6_HOPLIMIT, &hl, 2));
	res("v6 cmsg unknown type", sendctl(s6, &xa, IPPROTO_IPV6, 9999, &hl, sizeof hl));
	for (size_t clen = 0; clen <= CMSG_SPACE(sizeof(int)) + CMSG_LEN(2); clen += (clen < 24 ? 3 : 5)) {
		char what[64];
		sendto(s6, "g", 1, 0, (void *)&xa, sslen(&xa));
		snprintf(what, sizeof what, "v6 controllen %zu", clen);
		recvshow(what, r6, clen);
	}
	res("v6 RECVHOPLIMIT off", seti(r6, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 0));
	printf("RECVTCLASS %d\n", geti(r6, IPPROTO_IPV6, IPV6_RECVTCLASS));
	sendto(s6, "h", 1, 0, (void *)&xa, sslen(&xa));
	recvshow("v6 tclass only", r6, 256);
	return 0;
}
