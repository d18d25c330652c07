/* tryexec PATH [ARGS...]: execv PATH and, when that fails, print the errno's
 * name, so a shell loop sees exactly what execve answered. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	execv(argv[1], argv + 1);
	const char *name = strerrorname_np(errno);
	printf("%s errno %s\n", argv[1], name ? name : "?");
	return 100;
}
