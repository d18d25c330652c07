// Tries to reach host files outside the sandbox's root and volumes
// through "..", absolute and relative symlinks and /proc links; prints
// what each attempt got. Run with --root ROOT and -v VOL:/vol, where the
// caller put symlinks pointing outside into ROOT and VOL.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void tryopen(const char *p, int flags) {
	int fd = open(p, flags, 0644);
	char buf[64] = {0};
	if (fd < 0) {
		printf("%s: %s\n", p, strerror(errno));
		return;
	}
	int n = read(fd, buf, sizeof buf - 1);
	printf("%s: opened, read %d %s\n", p, n, n > 0 ? buf : "");
	close(fd);
}

int main(void) {
	tryopen("/../../../../secret", O_RDONLY);
	tryopen("/up/secret", O_RDONLY);
	tryopen("/abs", O_RDONLY);
	tryopen("/rel", O_RDONLY);
	tryopen("/vol/../../secret", O_RDONLY);
	tryopen("/vol/out/secret", O_RDONLY);
	tryopen("/vol/out/created", O_WRONLY | O_CREAT);
	tryopen("/vol/loop", O_RDONLY);
	chdir("/vol");
	tryopen("../../../../../secret", O_RDONLY);
	char cwd[256];
	getcwd(cwd, sizeof cwd);
	printf("cwd after chdir /vol: %s\n", cwd);
	tryopen("/proc/self/root/../secret", O_RDONLY);
	tryopen("/vol/inside", O_WRONLY | O_CREAT);
	return 0;
}
