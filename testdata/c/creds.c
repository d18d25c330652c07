// creds: the set*id rules (privileged and not, -1 arguments), fs ids,
// supplementary groups, inheritance over fork, /proc/self/status, file
// permission checks by the effective ids, and a set-user-id exec. Run as
// root; argv[1] is a fresh directory. Prints what Linux does; the e2e
// test compares it with a native run.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void ids(const char *what) {
	uid_t r, e, s;
	gid_t rg, eg, sg;
	getresuid(&r, &e, &s);
	getresgid(&rg, &eg, &sg);
	gid_t gs[64];
	int n = getgroups(64, gs);
	printf("%s: uid %u %u %u gid %u %u %u fsuid %d fsgid %d groups", what, r, e, s, rg, eg, sg,
	       setfsuid(-1), setfsgid(-1));
	for (int i = 0; i < n; i++) printf(" %u", gs[i]);
	printf("\n");
}

static void res(const char *what, int rc) {
	printf("%s = %d%s%s\n", what, rc, rc < 0 ? " " : "", rc < 0 ? strerrorname_np(errno) : "");
}

struct caphdr {
	unsigned version;
	int pid;
};
struct capdata {
	unsigned eff, perm, inh;
};

// caps prints a few capability bits (the host's root may lack others:
// only these are compared) and that capset of the same sets succeeds.
static void caps(const char *what) {
	struct caphdr h = {0x20080522, 0};
	struct capdata d[2];
	if (syscall(SYS_capget, &h, d) < 0) {
		printf("%s: capget %s\n", what, strerrorname_np(errno));
		return;
	}
	printf("%s: eff DAC_OVERRIDE %d SETUID %d KILL %d perm SETUID %d inh %u", what, d[0].eff >> 1 & 1,
	       d[0].eff >> 7 & 1, d[0].eff >> 5 & 1, d[0].perm >> 7 & 1, d[0].inh);
	printf(" capset same %ld\n", syscall(SYS_capset, &h, d));
}

static void status_lines(void) {
	FILE *f = fopen("/proc/self/status", "r");
	char line[512];
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) || !strncmp(line, "Groups:", 7) ||
		    !strncmp(line, "CapEff:", 7))
			fputs(line, stdout);
	fclose(f);
}

int main(int argc, char **argv) {
	if (argc == 3 && !strcmp(argv[1], "exec")) {
		ids(argv[2]);
		printf("AT_SECURE %lu\n", (unsigned long)getauxval(AT_SECURE));
		return 0;
	}
	const char *dir = argv[1];
	char path[4096], self[4096];
	setvbuf(stdout, NULL, _IONBF, 0);
	ids("start");
	caps("start");
	struct capdata cd[2];
	struct caphdr bad = {123, 0};
	res("capget bad version", syscall(SYS_capget, &bad, NULL));
	printf("version written back %#x\n", bad.version);
	struct caphdr probe = {0x20080522, 0};
	res("capget probe", syscall(SYS_capget, &probe, NULL));
	bad.version = 123;
	res("capget bad version with data", syscall(SYS_capget, &bad, cd));
	struct caphdr none = {0x20080522, 999999};
	res("capget no such pid", syscall(SYS_capget, &none, cd));

	// A root-only file, a world-readable one, and a set-uid copy of us.
	snprintf(path, sizeof path, "%s/secret", dir);
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	write(fd, "s\n", 2);
	close(fd);
	snprintf(path, sizeof path, "%s/public", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	close(fd);
	chmod(dir, 0777);
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n] = 0;
	snprintf(path, sizeof path, "%s/suid", dir);
	int in = open(self, O_RDONLY), out = open(path, O_CREAT | O_WRONLY, 0755);
	char buf[65536];
	while ((n = read(in, buf, sizeof buf)) > 0) write(out, buf, n);
	close(in);
	close(out);
	res("chmod 04755", chmod(path, 04755));

	// A directory only root may search, holding a readable file.
	snprintf(path, sizeof path, "%s/private", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/private/f", dir);
	close(open(path, O_CREAT | O_WRONLY, 0644));

	res("initgroups root", initgroups("root", 0));
	ids("initgroups");
	gid_t gs[] = {30, 10, 20, 10};
	res("setgroups", setgroups(4, gs));
	res("getgroups(0)", getgroups(0, NULL));
	res("getgroups(1)", getgroups(1, gs));
	res("setfsuid 7 (old)", setfsuid(7));
	res("setfsuid 0 (old)", setfsuid(0));
	res("setresgid 100 200 300", setresgid(100, 200, 300));
	res("setregid -1 -1", setregid(-1, -1));
	ids("gids");
	res("setreuid 1000 -1", setreuid(1000, -1));
	ids("reuid");
	res("setreuid -1 0 (saved 0)", setreuid(-1, 0));
	ids("back");
	res("setuid -1", setuid(-1));
	res("setresuid 1000 1001 0", setresuid(1000, 1001, 0));
	ids("resuid");
	caps("resuid");
	status_lines();
	// Unprivileged now (euid 1001): only among r/e/s.
	res("setuid 5", setuid(5));
	res("setresuid 1000 -1 -1", setresuid(1000, -1, -1));
	res("setresuid 5 -1 -1", setresuid(5, -1, -1));
	res("setreuid 1001 1000", setreuid(1001, 1000));
	ids("swapped");
	res("setgroups unpriv", setgroups(1, gs));
	res("setgid 100", setgid(100));
	res("setgid 7", setgid(7));
	res("setfsuid 9 (old)", setfsuid(9));
	res("setfsuid -1 (old)", setfsuid(-1));
	res("setfsgid 300 (old)", setfsgid(300));
	res("setfsgid -1 (old)", setfsgid(-1));

	// Files, as euid 1000 (not the owner: root).
	snprintf(path, sizeof path, "%s/secret", dir);
	res("open secret", open(path, O_RDONLY));
	res("access secret R (real 1001)", access(path, R_OK));
	res("faccessat secret F", faccessat(AT_FDCWD, path, F_OK, AT_EACCESS));
	snprintf(path, sizeof path, "%s/public", dir);
	fd = open(path, O_RDONLY);
	res("open public r", fd >= 0 ? 0 : -1);
	close(fd);
	res("open public w", open(path, O_WRONLY));
	res("access public W", access(path, W_OK));
	res("faccessat public R eaccess", faccessat(AT_FDCWD, path, R_OK, AT_EACCESS));
	snprintf(path, sizeof path, "%s/mine", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0640);
	struct stat st;
	fstat(fd, &st);
	printf("created: uid %u gid %u mode %o\n", st.st_uid, st.st_gid, st.st_mode & 07777);
	close(fd);
	res("reopen mine rw", (fd = open(path, O_RDWR)) >= 0 ? 0 : -1);
	close(fd);
	snprintf(path, sizeof path, "%s/private/f", dir);
	res("open in unsearchable dir", open(path, O_RDONLY));
	res("access F in unsearchable dir", access(path, F_OK));
	res("faccessat R in unsearchable dir", faccessat(AT_FDCWD, path, R_OK, AT_EACCESS));
	snprintf(path, sizeof path, "%s/private/new", dir);
	res("create in unsearchable dir", open(path, O_CREAT | O_WRONLY, 0644));
	res("mkdir in unsearchable dir", mkdir(path, 0755));
	snprintf(path, sizeof path, "%s/private", dir);
	res("mkdir existing", mkdir(path, 0755));
	snprintf(path, sizeof path, "%s/mydir", dir);
	res("mkdir mine", mkdir(path, 0750));
	stat(path, &st);
	printf("mkdir'd: uid %u gid %u mode %o\n", st.st_uid, st.st_gid, st.st_mode & 07777);
	snprintf(path, sizeof path, "%s/mydir/link", dir);
	res("symlink mine", symlink("target", path));
	lstat(path, &st);
	printf("symlink: uid %u gid %u\n", st.st_uid, st.st_gid);
	snprintf(path, sizeof path, "%s/mydir", dir);
	res("chmod mydir 0500", chmod(path, 0500));
	snprintf(path, sizeof path, "%s/mydir/f", dir);
	res("create in my read-only dir", open(path, O_CREAT | O_WRONLY, 0644));

	pid_t pid = fork();
	if (pid == 0) {
		ids("child");
		_exit(0);
	}
	waitpid(pid, NULL, 0);

	// Drop everything to 1000 and exec the set-uid-root copy.
	res("setresuid 1000 1000 1000", setresuid(1000, 1000, 1000));
	res("setreuid -1 0 (gone)", setreuid(-1, 0));
	caps("dropped");
	status_lines();
	snprintf(path, sizeof path, "%s/suid", dir);
	pid = fork();
	if (pid == 0) {
		execl(path, path, "exec", "suid-exec", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	snprintf(path, sizeof path, "%s/secret", dir);
	res("exec non-executable", execl(path, path, (char *)NULL));
	return 0;
}
