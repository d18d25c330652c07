/* Passes bad pointers to syscalls: each must fail with EFAULT and the
 * sentry must survive. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(void) {
	int bad = 0;
	if (write(1, (void *)8, 10) != -1 || errno != EFAULT) bad |= 1;
	int fd = open("/etc/passwd", O_RDONLY);
	if (fd < 0 || read(fd, (void *)8, 10) != -1 || errno != EFAULT) bad |= 2;
	if (syscall(SYS_openat, AT_FDCWD, (char *)16, O_RDONLY) != -1 || errno != EFAULT) bad |= 4;
	if (syscall(SYS_uname, (void *)0xffffffffff00) != -1 || errno != EFAULT) bad |= 8;
	printf("efault bad=%d\n", bad);
	return bad;
}
