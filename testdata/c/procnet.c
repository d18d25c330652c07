// procnet: opens TCP (v4 and v6), UDP and unix sockets of its own, then
// prints the lines of /proc/net/{tcp,tcp6,udp,unix} that are its sockets
// (found by inode), with what differs between runs (ports, inodes, the
// slot number, kernel pointers, the temporary directory) replaced by
// names, so the output is the same on Linux and in the sandbox.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAXN 16
static unsigned long inos[MAXN];
static const char *inonames[MAXN];
static int ninos;
static unsigned ports[MAXN];
static const char *portnames[MAXN];
static int nports;

static char out[MAXN][512];

static void die(const char *what) {
	perror(what);
	exit(1);
}

static void name_ino(int fd, const char *name) {
	struct stat st;
	if (fstat(fd, &st) < 0)
		die("fstat");
	inos[ninos] = st.st_ino;
	inonames[ninos++] = name;
}

static void name_port(int fd, const char *name) {
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die("getsockname");
	unsigned p = ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
					     : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	ports[nports] = p;
	portnames[nports++] = name;
}

// ino_index is which of our sockets an inode field names, or -1.
static int ino_index(const char *tok) {
	unsigned long v = strtoul(tok, NULL, 10);
	for (int i = 0; i < ninos; i++)
		if (inos[i] == v && v != 0)
			return i;
	return -1;
}

// flush prints the lines found, in the order the sockets were made
// (the kernel lists them in hash order).
static void flush(void) {
	for (int i = 0; i < ninos; i++) {
		if (out[i][0])
			printf("%s", out[i]);
		out[i][0] = 0;
	}
}

// print_addr prints "HEXADDR:PORT" with the port replaced by its name.
static void print_addr(char *b, const char *tok) {
	const char *colon = strchr(tok, ':');
	unsigned p = strtoul(colon + 1, NULL, 16);
	const char *pn = colon + 1;
	for (int i = 0; i < nports; i++)
		if (ports[i] == p && p != 0)
			pn = portnames[i];
	sprintf(b + strlen(b), " %.*s:%s", (int)(colon - tok), tok, pn);
}

// inet prints the lines of an inet table naming one of our sockets: the
// fields up to the inode, and the length of the line if Linux pads the
// table's lines to a fixed width (IPv4 only).
static void inet(const char *file, int padded) {
	FILE *f = fopen(file, "r");
	if (!f)
		die(file);
	char line[512];
	int first = 1;
	printf("%s\n", file);
	while (fgets(line, sizeof line, f)) {
		size_t n = strlen(line);
		if (first) {
			printf("header [%s] len %zu\n", line, n);
			first = 0;
			continue;
		}
		char *tok[32];
		int nt = 0;
		char copy[512];
		strcpy(copy, line);
		for (char *s = strtok(copy, " \n"); s && nt < 32; s = strtok(NULL, " \n"))
			tok[nt++] = s;
		if (nt < 10)
			continue;
		int w = ino_index(tok[9]);
		if (w < 0)
			continue;
		char *b = out[w];
		strcpy(b, "  SL");
		print_addr(b, tok[1]);
		print_addr(b, tok[2]);
		for (int i = 3; i < 9; i++)
			sprintf(b + strlen(b), " %s", tok[i]);
		sprintf(b + strlen(b), " %s fields %d", inonames[w], nt);
		if (padded)
			sprintf(b + strlen(b), " len %zu", n);
		strcat(b, "\n");
	}
	fclose(f);
	flush();
}

static void unixtab(const char *dir) {
	FILE *f = fopen("/proc/net/unix", "r");
	if (!f)
		die("/proc/net/unix");
	char line[512];
	int first = 1;
	printf("/proc/net/unix\n");
	while (fgets(line, sizeof line, f)) {
		if (first) {
			printf("header [%s]", line);
			first = 0;
			continue;
		}
		char *tok[16];
		int nt = 0;
		for (char *s = strtok(line, " \n"); s && nt < 16; s = strtok(NULL, " \n"))
			tok[nt++] = s;
		if (nt < 7)
			continue;
		int w = ino_index(tok[6]);
		if (w < 0)
			continue;
		char *b = out[w];
		sprintf(b, "  NUM: %s %s %s %s %s %s", tok[1], tok[2], tok[3], tok[4], tok[5], inonames[w]);
		if (nt > 7) {
			size_t dl = strlen(dir);
			if (strncmp(tok[7], dir, dl) == 0)
				sprintf(b + strlen(b), " DIR%s", tok[7] + dl);
			else
				sprintf(b + strlen(b), " %s", tok[7]);
		}
		strcat(b, "\n");
	}
	fclose(f);
	flush();
}

int main(void) {
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a4;

	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a4, sizeof a4) < 0 || listen(l, 5) < 0)
		die("tcp listen");
	name_ino(l, "LISTEN");
	name_port(l, "LPORT");
	getsockname(l, (struct sockaddr *)&a4, &len);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a4, sizeof a4) < 0)
		die("tcp connect");
	name_ino(c, "CLIENT");
	name_port(c, "CPORT");
	int s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	name_ino(s, "SERVER");
	if (write(c, "hello", 5) != 5)
		die("write");
	usleep(10000);

	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int l6 = socket(AF_INET6, SOCK_STREAM, 0);
	if (l6 < 0 || bind(l6, (struct sockaddr *)&a6, sizeof a6) < 0 || listen(l6, 5) < 0)
		die("tcp6 listen");
	name_ino(l6, "LISTEN6");
	name_port(l6, "L6PORT");

	struct sockaddr_in u4 = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	if (u < 0 || bind(u, (struct sockaddr *)&u4, sizeof u4) < 0)
		die("udp bind");
	name_ino(u, "UDP");
	name_port(u, "UPORT");

	char dir[] = "/tmp/procnetXXXXXX";
	if (!mkdtemp(dir))
		die("mkdtemp");
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	snprintf(un.sun_path, sizeof un.sun_path, "%s/s.sock", dir);
	int x = socket(AF_UNIX, SOCK_STREAM, 0);
	if (x < 0 || bind(x, (struct sockaddr *)&un, sizeof un) < 0 || listen(x, 5) < 0)
		die("unix listen");
	name_ino(x, "UNIXLISTEN");
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sp) < 0)
		die("socketpair");
	name_ino(sp[0], "PAIR");

	inet("/proc/net/tcp", 1);
	inet("/proc/self/net/tcp6", 0);
	inet("/proc/net/udp", 1);
	unixtab(dir);
	unlink(un.sun_path);
	rmdir(dir);
	return 0;
}
