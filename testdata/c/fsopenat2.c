// openat2 RESOLVE_* flags against a tree made by the caller:
// DIR/sub/file, DIR/sub/up -> .., DIR/sub/abs -> /etc/passwd.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void try(int dirfd, const char *path, unsigned long long resolve) {
	struct open_how how = {.flags = O_RDONLY, .resolve = resolve};
	int fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
	printf("%s %#llx: %s\n", path, resolve, fd >= 0 ? "ok" : strerror(errno));
	if (fd >= 0) close(fd);
}

int main(int argc, char **argv) {
	int d = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (d < 0) { perror("open dir"); return 1; }
	try(d, "sub/file", RESOLVE_BENEATH);
	try(d, "sub/../sub/file", RESOLVE_BENEATH);
	try(d, "../x", RESOLVE_BENEATH);
	try(d, "/etc/passwd", RESOLVE_BENEATH);
	try(d, "sub/abs", RESOLVE_BENEATH);
	try(d, "sub/abs", RESOLVE_NO_SYMLINKS);
	try(d, "sub/abs", 0);
	try(d, "sub/up/sub/file", RESOLVE_NO_SYMLINKS);
	try(d, "../../../../sub/file", RESOLVE_IN_ROOT);
	try(d, "/sub/file", RESOLVE_IN_ROOT);
	try(d, "/proc/self/fd/0", RESOLVE_NO_MAGICLINKS);
	try(AT_FDCWD, "/proc", RESOLVE_NO_XDEV);
	try(AT_FDCWD, "/proc/self/status", RESOLVE_NO_XDEV);
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_BENEATH | RESOLVE_IN_ROOT};
	printf("both scopes: %s\n", syscall(SYS_openat2, d, "sub/file", &how, sizeof how) < 0 ? strerror(errno) : "ok");
	how.resolve = 0;
	how.mode = 0644;
	printf("mode without O_CREAT: %s\n", syscall(SYS_openat2, d, "sub/file", &how, sizeof how) < 0 ? strerror(errno) : "ok");
	how.mode = 0;
	printf("small size: %s\n", syscall(SYS_openat2, d, "sub/file", &how, 8) < 0 ? strerror(errno) : "ok");
	return 0;
}
