// Writing a running program's file, and running a file open for
// writing: ETXTBSY, as Linux's deny_write_access. The program copies
// itself to /tmp, runs the copy, and reports what each step gives.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *err(int r) {
	if (r >= 0) return "ok";
	switch (errno) {
	case ETXTBSY: return "ETXTBSY";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	default: return strerror(errno);
	}
}

// tryOpen opens p for writing and closes it again.
static const char *tryOpen(const char *p, int flags) {
	int fd = open(p, flags);
	const char *r = err(fd);
	if (fd >= 0) close(fd);
	return r;
}

static void copyFile(const char *from, const char *to) {
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) write(out, buf, n);
	close(in);
	close(out);
}

// startCopy runs prog with mode; it writes a byte to the returned pipe
// once it runs (after execve), and waits for the parent to kill it.
static pid_t startCopy(const char *prog, const char *mode, int *ready) {
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		char fd[16];
		snprintf(fd, sizeof fd, "%d", p[1]);
		execl(prog, prog, mode, fd, (char *)0);
		_exit(127);
	}
	close(p[1]);
	char c;
	if (read(p[0], &c, 1) != 1) printf("%s: did not start\n", mode);
	*ready = p[0];
	return pid;
}

int main(int argc, char **argv) {
	if (argc == 2) return 0; // run, with nothing to report
	if (argc == 3 && strcmp(argv[1], "run") == 0) {
		write(atoi(argv[2]), "r", 1);
		pause();
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "fork") == 0) {
		// The copy of the address space a fork makes runs the same
		// file: it keeps the deny after its parent has gone. It
		// sends its pid.
		if (fork() == 0) {
			pid_t me = getpid();
			write(atoi(argv[2]), &me, sizeof me);
			pause();
			_exit(0);
		}
		return 0;
	}
	char prog[64], prog2[64], script[64];
	snprintf(prog, sizeof prog, "/tmp/txtbusy-%d", getpid());
	snprintf(prog2, sizeof prog2, "/tmp/txtbusy-%d-w", getpid());
	snprintf(script, sizeof script, "/tmp/txtbusy-%d.sh", getpid());
	copyFile("/proc/self/exe", prog);

	int ready;
	pid_t pid = startCopy(prog, "run", &ready);
	printf("running: open O_WRONLY: %s\n", tryOpen(prog, O_WRONLY));
	printf("running: open O_RDWR: %s\n", tryOpen(prog, O_RDWR));
	printf("running: open O_RDONLY|O_TRUNC: %s\n", tryOpen(prog, O_RDONLY | O_TRUNC));
	printf("running: open O_RDONLY: %s\n", tryOpen(prog, O_RDONLY));
	printf("running: truncate: %s\n", err(truncate(prog, 0)));
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	close(ready);
	printf("after exit: open O_WRONLY: %s\n", tryOpen(prog, O_WRONLY));

	// The forked copy outlives the program that forked it.
	int p[2];
	pipe(p);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		char fd[16];
		snprintf(fd, sizeof fd, "%d", p[1]);
		execl(prog, prog, "fork", fd, (char *)0);
		_exit(127);
	}
	close(p[1]);
	waitpid(pid, &st, 0);
	pid_t grandchild = 0;
	if (read(p[0], &grandchild, sizeof grandchild) != sizeof grandchild) printf("fork: did not start\n");
	close(p[0]);
	printf("forked copy running, parent gone: open O_WRONLY: %s\n", tryOpen(prog, O_WRONLY));
	kill(grandchild, SIGKILL);
	// Not this process's child: its exit is seen by the file only.
	const char *after = "ETXTBSY";
	for (int tries = 0; tries < 5000 && strcmp(after, "ETXTBSY") == 0; tries++) {
		usleep(1000);
		after = tryOpen(prog, O_WRONLY);
	}
	printf("forked copy killed: open O_WRONLY: %s\n", after);

	// A file open for writing does not run.
	copyFile("/proc/self/exe", prog2);
	int w = open(prog2, O_WRONLY);
	pid = fork();
	if (pid == 0) {
		execl(prog2, prog2, "exit", (char *)0);
		_exit(errno == ETXTBSY ? 3 : 4);
	}
	waitpid(pid, &st, 0);
	printf("open for writing: execve: %s\n", WEXITSTATUS(st) == 3 ? "ETXTBSY" : "not ETXTBSY");
	close(w);
	pid = fork();
	if (pid == 0) {
		execl(prog2, prog2, "exit", (char *)0);
		_exit(errno == ETXTBSY ? 3 : 4);
	}
	waitpid(pid, &st, 0);
	printf("closed: execve runs it: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");

	// A #! script open for writing.
	int s = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	write(s, "#!/bin/sh\nexit 5\n", 17);
	pid = fork();
	if (pid == 0) {
		execl(script, script, (char *)0);
		_exit(errno == ETXTBSY ? 3 : 4);
	}
	waitpid(pid, &st, 0);
	printf("script open for writing: execve: %s\n", WEXITSTATUS(st) == 3 ? "ETXTBSY" : WEXITSTATUS(st) == 5 ? "runs" : "other");
	close(s);
	unlink(prog);
	unlink(prog2);
	unlink(script);
	return 0;
}
