/* A record lock held through a close-on-exec descriptor is released by
 * execve, as closing the descriptor releases it. A child checks from
 * outside after the exec. Prints "released" or "still locked". */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	const char *path = "/tmp/lock-exec-probe";
	if (argc > 1 && strcmp(argv[1], "after") == 0) {
		int fd = open(path, O_RDWR);
		pid_t c = fork();
		if (c == 0) {
			struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
			if (fcntl(fd, F_GETLK, &fl) != 0)
				_exit(2);
			_exit(fl.l_type == F_UNLCK ? 0 : 1);
		}
		int st;
		waitpid(c, &st, 0);
		puts(WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "released" : "still locked");
		unlink(path);
		return 0;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	if (fd < 0 || fcntl(fd, F_SETLK, &fl) != 0) {
		perror("lock");
		return 1;
	}
	execl(argv[0], argv[0], "after", (char *)NULL);
	perror("execl");
	return 1;
}
