// Who owns a process's /proc files, and their modes, as the process
// changes identity and its dumpable flag: Linux gives /proc/PID and all
// under it the process's effective ids while it is dumpable, root once a
// credential change or PR_SET_DUMPABLE 0 made it non-dumpable; exec of an
// ordinary program makes it dumpable again. fd links carry the file's
// access mode. Prints one line per path at each step; run as root.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int rd, wr;

static void show(const char *step) {
	char fdr[64], fdw[64];
	snprintf(fdr, sizeof fdr, "/proc/self/fd/%d", rd);
	snprintf(fdw, sizeof fdw, "/proc/self/fd/%d", wr);
	const char *paths[] = {"/proc/self/", "/proc/self/status", "/proc/self/fd", "/proc/self/fdinfo",
	                       "/proc/self/task", "/proc/self/exe", "/proc/self/net", "/proc/self/net/tcp",
	                       fdr, fdw, "/proc/version", "/proc/sys/kernel/hostname", NULL};
	printf("%s: dumpable %d\n", step, prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	for (int i = 0; paths[i]; i++) {
		struct stat st;
		if (lstat(paths[i], &st) != 0) {
			printf("  %s: %s\n", paths[i], strerror(errno));
			continue;
		}
		const char *name = paths[i] == fdr ? "fd/RD" : paths[i] == fdw ? "fd/WR" : paths[i];
		printf("  %s %u:%u %04o\n", name, st.st_uid, st.st_gid, st.st_mode & 07777);
	}
	// A process may always reach its own descriptors, whoever owns
	// /proc/self/fd (proc_fd_permission).
	int self = open(fdr, O_RDONLY);
	printf("  open own fd link: %s\n", self >= 0 ? "ok" : strerror(errno));
	if (self >= 0)
		close(self);
	DIR *d = opendir("/proc/self/fd");
	printf("  list own fds: %s\n", d ? "ok" : strerror(errno));
	if (d)
		closedir(d);
	int fd = open("/proc/sys/kernel/hostname", O_WRONLY);
	printf("  open hostname for writing: %s\n", fd >= 0 ? "ok" : strerror(errno));
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv) {
	rd = open("/proc/version", O_RDONLY);
	wr = open("/dev/null", O_WRONLY);
	if (argc > 1) {
		show("after exec");
		return 0;
	}
	show("root");
	if (setgid(1000) != 0 || setuid(1000) != 0) {
		perror("setuid");
		return 1;
	}
	show("after setuid");
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	show("after PR_SET_DUMPABLE 1");
	printf("PR_SET_DUMPABLE 2: %d\n", prctl(PR_SET_DUMPABLE, 2, 0, 0, 0));
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	pid_t pid = fork();
	if (pid == 0) {
		printf("child inherits dumpable %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	fflush(stdout);
	execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
	perror("exec");
	return 1;
}
