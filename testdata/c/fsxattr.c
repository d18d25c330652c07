// fsxattr: extended attributes (xattr(7)) in the directory argv[1]: create
// and replace flags, size queries, ERANGE, E2BIG, name limits, unknown
// namespaces, listing (names sorted, so the output does not depend on the
// filesystem's order), removal, symlinks (user.* only on regular files and
// directories), the fd variants, and argv[1]/lower, a file the caller made
// beforehand with user.origin="host" set. Prints one line per check.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

static void res(const char *what, long r) {
	if (r < 0)
		printf("%s: -1 %s\n", what, strerror(errno));
	else
		printf("%s: %ld\n", what, r);
}

static int cmp(const void *a, const void *b) {
	return strcmp(*(char *const *)a, *(char *const *)b);
}

// printList prints the user.* and trusted.* names of a listxattr result,
// sorted. Other namespaces (security.selinux, ACLs) depend on the host.
static void printList(const char *what, char *buf, long n) {
	if (n < 0) {
		res(what, n);
		return;
	}
	char *names[64];
	int k = 0;
	for (char *p = buf; p < buf + n && k < 64; p += strlen(p) + 1)
		if (!strncmp(p, "user.", 5) || !strncmp(p, "trusted.", 8))
			names[k++] = p;
	qsort(names, k, sizeof names[0], cmp);
	printf("%s:", what);
	for (int i = 0; i < k; i++)
		printf(" %s", names[i]);
	printf("\n");
}

static void get(const char *what, const char *path, const char *name) {
	char buf[256];
	long n = getxattr(path, name, buf, sizeof buf - 1);
	if (n < 0) {
		res(what, n);
		return;
	}
	buf[n] = 0;
	printf("%s: %ld \"%s\"\n", what, n, buf);
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: fsxattr DIR\n");
		return 2;
	}
	char f[4096], d[4096], l[4096], lower[4096], big[300];
	snprintf(f, sizeof f, "%s/xf", argv[1]);
	snprintf(d, sizeof d, "%s/xd", argv[1]);
	snprintf(l, sizeof l, "%s/xl", argv[1]);
	snprintf(lower, sizeof lower, "%s/lower", argv[1]);
	int fd = open(f, O_CREAT | O_RDWR | O_TRUNC, 0644);
	mkdir(d, 0755);
	symlink("xf", l);

	get("get missing", f, "user.a");
	res("set create", setxattr(f, "user.a", "one", 3, XATTR_CREATE));
	res("set create again", setxattr(f, "user.a", "two", 3, XATTR_CREATE));
	res("set replace missing", setxattr(f, "user.b", "two", 3, XATTR_REPLACE));
	res("set replace", setxattr(f, "user.a", "three", 5, XATTR_REPLACE));
	get("get", f, "user.a");
	res("size query", getxattr(f, "user.a", NULL, 0));
	char small[2];
	res("too small", getxattr(f, "user.a", small, sizeof small));
	res("set empty", setxattr(f, "user.empty", "", 0, 0));
	get("get empty", f, "user.empty");
	res("set bad flags", setxattr(f, "user.a", "x", 1, 4));
	res("set trusted", setxattr(f, "trusted.t", "tv", 2, 0));
	get("get trusted", f, "trusted.t");
	res("set unknown namespace", setxattr(f, "foo.bar", "x", 1, 0));
	get("get unknown namespace", f, "foo.bar");
	res("set no namespace", setxattr(f, "plain", "x", 1, 0));
	res("set empty suffix", setxattr(f, "user.", "x", 1, 0));
	res("set empty name", setxattr(f, "", "x", 1, 0));
	memset(big, 'n', sizeof big);
	memcpy(big, "user.", 5);
	big[256] = 0;
	res("set name 256", setxattr(f, big, "x", 1, 0));
	get("get name 256", f, big);
	big[255] = 0;
	res("set name 255", setxattr(f, big, "x", 1, 0));
	res("remove name 255", removexattr(f, big));
	static char huge[65537];
	res("set 65537 bytes", setxattr(f, "user.huge", huge, sizeof huge, 0));
	// Disk filesystems hold less than XATTR_SIZE_MAX (ext4: a block).
	res("set 1000 bytes", setxattr(f, "user.huge", huge, 1000, 0));
	res("size 1000", getxattr(f, "user.huge", NULL, 0));
	res("remove huge", removexattr(f, "user.huge"));

	char list[1024];
	long need = listxattr(f, NULL, 0);
	res("list size is the list's", need == listxattr(f, list, sizeof list));
	res("list too small", listxattr(f, list, 3));
	printList("list", list, listxattr(f, list, sizeof list));
	res("remove", removexattr(f, "user.empty"));
	res("remove again", removexattr(f, "user.empty"));
	printList("list after remove", list, listxattr(f, list, sizeof list));

	res("dir set", setxattr(d, "user.d", "dv", 2, 0));
	get("dir get", d, "user.d");
	printList("dir list", list, listxattr(d, list, sizeof list));

	// Through the symlink to xf, and on the symlink itself.
	get("follow get", l, "user.a");
	res("lset user", lsetxattr(l, "user.s", "x", 1, 0));
	res("lget user", lgetxattr(l, "user.a", list, sizeof list));
	res("lremove user", lremovexattr(l, "user.a"));
	printList("llist", list, llistxattr(l, list, sizeof list));
	res("set via symlink", setxattr(l, "user.vial", "v", 1, 0));

	res("fset", fsetxattr(fd, "user.f", "fv", 2, XATTR_CREATE));
	res("fget size", fgetxattr(fd, "user.f", NULL, 0));
	res("fget too small", fgetxattr(fd, "user.f", small, 1));
	printList("flist", list, flistxattr(fd, list, sizeof list));
	res("fremove", fremovexattr(fd, "user.f"));
	res("fremove again", fremovexattr(fd, "user.f"));
	int dfd = open(d, O_RDONLY | O_DIRECTORY);
	res("dir fset", fsetxattr(dfd, "user.d2", "x", 1, 0));
	printList("dir flist", list, flistxattr(dfd, list, sizeof list));
	close(dfd);

	// A file that existed before: its attributes are kept, and setting
	// one does not lose them.
	get("lower get", lower, "user.origin");
	res("lower set", setxattr(lower, "user.added", "new", 3, 0));
	printList("lower list", list, listxattr(lower, list, sizeof list));
	get("lower get after set", lower, "user.origin");

	res("missing file", getxattr("/nonexistent/x", "user.a", list, 10));
	res("dev null user set", setxattr("/dev/null", "user.a", "x", 1, 0));
	res("dev null user get", getxattr("/dev/null", "user.a", list, 10));
	get("proc get", "/proc/self/status", "user.a");
	res("proc set", setxattr("/proc/self/status", "user.a", "x", 1, 0));
	printList("proc list", list, listxattr("/proc/self/status", list, sizeof list));
	// A memfd is a tmpfs file (user xattrs there since Linux 6.6).
	int mfd = memfd_create("x", 0);
	res("memfd fset", fsetxattr(mfd, "user.m", "mv", 2, 0));
	printList("memfd flist", list, flistxattr(mfd, list, sizeof list));
	close(mfd);
	res("pipe fget", ({ int p[2]; pipe(p); fgetxattr(p[0], "user.a", list, 10); }));

	// The *xattrat calls of Linux 6.13, relative to a directory fd.
	struct { unsigned long long value; unsigned size, flags; } args = {
		(unsigned long long)(unsigned long)"at", 2, XATTR_CREATE};
	int dirfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	res("setxattrat", syscall(463, dirfd, "xf", 0, "user.at", &args, sizeof args));
	res("setxattrat again", syscall(463, dirfd, "xf", 0, "user.at", &args, sizeof args));
	char v[8] = {0};
	args.value = (unsigned long)v, args.size = sizeof v - 1, args.flags = 0;
	res("getxattrat", syscall(464, dirfd, "xf", 0, "user.at", &args, sizeof args));
	printf("getxattrat value: %s\n", v);
	res("getxattrat small args", syscall(464, dirfd, "xf", 0, "user.at", &args, 8));
	printList("listxattrat nofollow", list, syscall(465, dirfd, "xl", AT_SYMLINK_NOFOLLOW, list, sizeof list));
	printList("listxattrat empty path", list, syscall(465, fd, "", AT_EMPTY_PATH, list, sizeof list));
	res("removexattrat", syscall(466, dirfd, "xf", 0, "user.at"));
	res("removexattrat again", syscall(466, dirfd, "xf", 0, "user.at"));
	close(dirfd);
	close(fd);
	return 0;
}
