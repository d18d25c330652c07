// Capability sets as Linux keeps them while a root process drops and
// raises capabilities and changes ids: capset's subset rules, the
// bounding set, keep-caps, ambient capabilities across execve, euid and
// fsuid moving to and from 0, and permission checks that follow
// CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH / CAP_SYS_ADMIN / CAP_KILL
// rather than uid 0. Prints each step; run as root.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *step) {
	printf("%s:\n", step);
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "Cap", 3) == 0)
			printf("  %s", line);
	fclose(f);
	fflush(stdout);
}

static struct __user_cap_data_struct d[2];

static int getcaps(void) {
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	return syscall(SYS_capget, &h, d);
}

// setcaps sets effective, permitted, inheritable (low 32 and high words).
static int setcaps(unsigned long long e, unsigned long long p, unsigned long long i) {
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct n[2] = {{e, p, i}, {e >> 32, p >> 32, i >> 32}};
	return syscall(SYS_capset, &h, n);
}

static unsigned long long eff(void) {
	getcaps();
	return d[0].effective | (unsigned long long)d[1].effective << 32;
}
static unsigned long long prm(void) {
	getcaps();
	return d[0].permitted | (unsigned long long)d[1].permitted << 32;
}

#define BIT(c) (1ULL << (c))

static const char *res(int r) { return r == 0 ? "ok" : strerror(errno); }

static void tryopen(const char *what, const char *path) {
	int fd = open(path, O_RDONLY);
	printf("  open %s: %s\n", what, fd >= 0 ? "ok" : strerror(errno));
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv) {
	if (argc > 1) {
		show("after exec as 1000 with an ambient capability");
		printf("  ambient NET_BIND_SERVICE: %d\n", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_BIND_SERVICE, 0, 0));
		return 0;
	}
	char path[] = "/tmp/capsXXXXXX";
	int fd = mkstemp(path);
	fchmod(fd, 0600);
	fchown(fd, 1000, 1000);
	close(fd);
	show("root");
	tryopen("another user's 0600 file", path);
	unsigned long long all = prm();
	printf("capset without DAC_OVERRIDE: %s\n", res(setcaps(all & ~BIT(CAP_DAC_OVERRIDE), all, 0)));
	tryopen("it with DAC_READ_SEARCH", path);
	printf("capset without DAC_READ_SEARCH too: %s\n", res(setcaps(all & ~(BIT(CAP_DAC_OVERRIDE) | BIT(CAP_DAC_READ_SEARCH)), all, 0)));
	tryopen("it with neither", path);
	printf("capset effective back from permitted: %s\n", res(setcaps(all, all, 0)));
	tryopen("it again", path);
	printf("capset effective beyond permitted: %s\n", res(setcaps(all, all & ~BIT(CAP_NET_ADMIN), 0)));
	// Bits past CAP_LAST_CAP are dropped, not refused.
	printf("capset with bit 63: %s\n", res(setcaps(all | BIT(63), all | BIT(63), 0)));
	printf("capset dropping NET_ADMIN: %s\n", res(setcaps(all & ~BIT(CAP_NET_ADMIN), all & ~BIT(CAP_NET_ADMIN), 0)));
	printf("capset raising it back: %s\n", res(setcaps(all, all, 0)));
	all &= ~BIT(CAP_NET_ADMIN);
	printf("bounding drop NET_RAW: %s\n", res(prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0)));
	printf("bounding read NET_RAW: %d\n", prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0));
	int r = prctl(PR_CAPBSET_READ, 99, 0, 0, 0);
	printf("bounding read 99: %d %s\n", r, strerror(errno));
	show("after the bounding drop");
	if (setcaps(all & ~BIT(CAP_SYS_ADMIN), all, 0) == 0 && !(eff() & BIT(CAP_SYS_ADMIN)))
		printf("sethostname without SYS_ADMIN: %s\n", res(sethostname("x", 1)));
	printf("bounding drop without SETPCAP: %s\n", (setcaps(all & ~BIT(CAP_SETPCAP), all, 0), res(prctl(PR_CAPBSET_DROP, CAP_MKNOD, 0, 0, 0))));
	setcaps(all, all, 0);
	fflush(stdout);

	pid_t pid = fork();
	if (pid == 0) {
		setresuid(1000, 1000, 1000);
		show("setresuid 1000 without keep-caps");
		printf("  kill(1, 0) without CAP_KILL: %s\n", res(kill(getppid(), 0)));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);

	pid = fork();
	if (pid == 0) {
		printf("keepcaps: %s\n", res(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)));
		printf("keepcaps get: %d\n", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
		setresuid(1000, 1000, 1000);
		show("setresuid 1000 with keep-caps");
		printf("  capset effective KILL from permitted: %s\n", res(setcaps(BIT(CAP_KILL), prm(), 0)));
		printf("  kill(parent, 0) with CAP_KILL: %s\n", res(kill(getppid(), 0)));
		printf("  ambient raise without inheritable: %s\n", res(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0)));
		printf("  capset inheritable NET_BIND_SERVICE: %s\n", res(setcaps(BIT(CAP_KILL), prm(), BIT(CAP_NET_BIND_SERVICE))));
		printf("  ambient raise: %s\n", res(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0)));
		show("with an ambient capability");
		execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
		perror("exec");
		_exit(1);
	}
	waitpid(pid, NULL, 0);

	pid = fork();
	if (pid == 0) {
		seteuid(1000);
		show("seteuid 1000");
		seteuid(0);
		show("seteuid 0");
		setfsuid(1000);
		show("setfsuid 1000");
		setfsuid(0);
		show("setfsuid 0");
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	unlink(path);
	return 0;
}
