// net_reach tries to connect to each IPV4:PORT argument and prints the
// outcome ("connected" or the errno name), one line each: the sandbox
// must not reach the host's listeners, whatever the address.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		char host[64];
		snprintf(host, sizeof host, "%s", argv[i]);
		char *colon = strrchr(host, ':');
		if (!colon) return 2;
		*colon = 0;
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
		inet_pton(AF_INET, host, &a.sin_addr);
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (void *)&a, sizeof a) == 0) printf("%s connected\n", argv[i]);
		else printf("%s %s\n", argv[i], errno == ECONNREFUSED ? "ECONNREFUSED" : errno == ENETUNREACH ? "ENETUNREACH" : strerror(errno));
		close(s);
	}
	return 0;
}
