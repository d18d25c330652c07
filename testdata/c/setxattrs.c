/* setxattrs PATH NAME... : set each extended attribute NAME on PATH (a
 * 20-byte value, the size of a VFS_CAP_REVISION_2 file capability) and
 * print the result of each and the size read back. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

int main(int argc, char **argv) {
	char v[20] = {0, 0, 0, 2, 0, 0x20}; /* revision 2, CAP_SYS_ADMIN permitted */
	for (int i = 2; i < argc; i++) {
		int r = setxattr(argv[1], argv[i], v, sizeof v, 0);
		printf("%s %s", argv[i], r == 0 ? "ok" : strerrorname_np(errno));
		char back[64];
		printf(" read back %zd\n", getxattr(argv[1], argv[i], back, sizeof back));
	}
	return 0;
}
