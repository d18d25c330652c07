// uts: sethostname and setdomainname change what uname, gethostname and
// /proc/sys/kernel/{hostname,domainname} show; bad lengths are EINVAL.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static int fails;

static void check(int ok, const char *what) {
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		fails++;
}

static int file_is(const char *path, const char *want) {
	char buf[128] = {0};
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	return strcmp(buf, want) == 0;
}

int main(void) {
	struct utsname u;
	char name[80];
	check(sethostname("box-one", 7) == 0, "sethostname");
	check(uname(&u) == 0 && strcmp(u.nodename, "box-one") == 0, "uname nodename");
	check(gethostname(name, sizeof name) == 0 && strcmp(name, "box-one") == 0, "gethostname");
	check(file_is("/proc/sys/kernel/hostname", "box-one\n"), "/proc/sys/kernel/hostname");
	// Exactly len bytes are taken: "abcdef" with len 3 is "abc".
	check(sethostname("abcdef", 3) == 0 && gethostname(name, sizeof name) == 0 && strcmp(name, "abc") == 0, "sethostname takes len bytes");
	char longname[66];
	memset(longname, 'x', sizeof longname);
	check(sethostname(longname, 65) == -1 && errno == EINVAL, "sethostname 65 bytes is EINVAL");
	check(sethostname(longname, 64) == 0 && uname(&u) == 0 && strlen(u.nodename) == 64, "sethostname 64 bytes");
	const char *volatile bad = (const char *)8;
	check(sethostname(bad, 4) == -1 && errno == EFAULT, "sethostname bad pointer is EFAULT");
	check(uname(&u) == 0 && strcmp(u.domainname, "(none)") == 0, "domainname starts (none)");
	check(setdomainname("example", 7) == 0 && uname(&u) == 0 && strcmp(u.domainname, "example") == 0, "setdomainname");
	check(file_is("/proc/sys/kernel/domainname", "example\n"), "/proc/sys/kernel/domainname");
	printf("done %d\n", fails);
	return fails != 0;
}
