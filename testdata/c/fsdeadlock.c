// Deadlock detection of blocking locks between processes: a POSIX
// F_SETLKW that would close a cycle of waiting processes fails with
// EDEADLK (two and three processes); a waiter interrupted by a signal no
// longer counts; OFD locks and flock are not checked, so their cycles
// wait until a signal breaks them.
//
// Which process finds the cycle depends on which one blocks last, and a
// process cannot see another one sleeping in F_SETLKW. So a scenario
// waits a little after each child says it is about to block, checks that
// the cycle came out in the intended order (otherwise another process
// got the EDEADLK), and runs again with a longer pause if not. Only the
// result of the intended order is printed.
//
// Usage: fsdeadlock [DIR] (a directory for the lock files, /tmp if none;
// they are removed at the end).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dir;
static pid_t mainPid;

// path names a lock file of this run: runs in a shared /tmp do not meet.
static void path(char *p, size_t n, const char *name) {
	snprintf(p, n, "%s/fsdeadlock-%d-%s", dir, (int)mainPid, name);
}

static int openFile(const char *name) {
	char p[512];
	path(p, sizeof p, name);
	int fd = open(p, O_RDWR | O_CREAT, 0644);
	if (fd < 0) {
		perror(p);
		exit(1);
	}
	return fd;
}

// lk locks or unlocks byte start of fd; 0 or the errno.
static int lk(int fd, int cmd, short type, off_t start) {
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = 1};
	return fcntl(fd, cmd, &fl) == 0 ? 0 : errno;
}

static const char *ename(int e) {
	switch (e) {
	case 0: return "0";
	case EDEADLK: return "EDEADLK";
	case EINTR: return "EINTR";
	case EAGAIN: return "EAGAIN";
	}
	return strerror(e);
}

static void say(int fd) {
	char c = 1;
	if (write(fd, &c, 1) != 1) _exit(9);
}

static void hear(int fd) {
	char c;
	if (read(fd, &c, 1) != 1) _exit(9);
}

// reap waits for a child and gives its exit code (the errno of its
// blocking call), or -1 if it did not exit normally.
static int reap(pid_t pid) {
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) return -1;
	return WEXITSTATUS(st);
}

static void onalarm(int sig) { (void)sig; }

// Two processes: the parent holds byte 0, the child byte 1; the child
// waits for byte 0, then the parent asks for byte 1.
static int twoCycle(useconds_t pause, int *mine, int *child) {
	int fd = openFile("posix2");
	lk(fd, F_SETLK, F_WRLCK, 0);
	int p[2];
	if (pipe(p)) return -1;
	pid_t pid = fork();
	if (pid == 0) {
		lk(fd, F_SETLK, F_WRLCK, 1);
		say(p[1]);
		_exit(lk(fd, F_SETLKW, F_WRLCK, 0));
	}
	hear(p[0]);
	usleep(pause);
	*mine = lk(fd, F_SETLKW, F_WRLCK, 1);
	// Unlocking lets the child through; closing drops the rest.
	lk(fd, F_SETLK, F_UNLCK, 0);
	*child = reap(pid);
	close(fd);
	close(p[0]);
	close(p[1]);
	return *mine == EDEADLK && *child == 0;
}

// Three processes: the parent holds byte 0, child 1 byte 1, child 2
// byte 2. Child 1 waits for byte 2, child 2 for byte 0, then the parent
// asks for byte 1: parent -> child 1 -> child 2 -> parent.
static int threeCycle(useconds_t pause, int *mine, int *c1, int *c2) {
	int fd = openFile("posix3");
	lk(fd, F_SETLK, F_WRLCK, 0);
	int ready[2], go[2], about[2];
	if (pipe(ready) || pipe(go) || pipe(about)) return -1;
	pid_t two = fork();
	if (two == 0) {
		lk(fd, F_SETLK, F_WRLCK, 2);
		say(ready[1]);
		hear(go[0]);
		say(about[1]);
		_exit(lk(fd, F_SETLKW, F_WRLCK, 0));
	}
	hear(ready[0]);
	pid_t one = fork();
	if (one == 0) {
		lk(fd, F_SETLK, F_WRLCK, 1);
		say(about[1]);
		_exit(lk(fd, F_SETLKW, F_WRLCK, 2));
	}
	hear(about[0]);
	usleep(pause);
	say(go[1]);
	hear(about[0]);
	usleep(pause);
	*mine = lk(fd, F_SETLKW, F_WRLCK, 1);
	lk(fd, F_SETLK, F_UNLCK, 0);
	*c2 = reap(two);
	*c1 = reap(one);
	close(fd);
	int fds[] = {ready[0], ready[1], go[0], go[1], about[0], about[1]};
	for (unsigned i = 0; i < sizeof fds / sizeof fds[0]; i++) close(fds[i]);
	return *mine == EDEADLK && *c1 == 0 && *c2 == 0;
}

// A child whose F_SETLKW was interrupted waits for nothing any more, so
// the parent's request for its byte is no deadlock: it sleeps until its
// own signal.
static void interruptedWaiter(void) {
	int fd = openFile("posixintr");
	lk(fd, F_SETLK, F_WRLCK, 0);
	int res[2], done[2];
	if (pipe(res) || pipe(done)) exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		lk(fd, F_SETLK, F_WRLCK, 1);
		ualarm(100 * 1000, 0);
		char r = (char)lk(fd, F_SETLKW, F_WRLCK, 0);
		if (write(res[1], &r, 1) != 1) _exit(9);
		hear(done[0]);
		_exit(0);
	}
	char r;
	if (read(res[0], &r, 1) != 1) exit(1);
	printf("posix interrupted waiter: its F_SETLKW: %s\n", ename(r));
	ualarm(200 * 1000, 0);
	printf("posix interrupted waiter: parent F_SETLKW on its byte: %s\n", ename(lk(fd, F_SETLKW, F_WRLCK, 1)));
	say(done[1]);
	reap(pid);
	close(fd);
}

// OFD locks: the same two-party cycle, between two open file
// descriptions; nothing detects it, a signal ends the parent's wait.
static void ofdCycle(void) {
	int a = openFile("ofd");
	lk(a, F_OFD_SETLK, F_WRLCK, 0);
	int p[2];
	if (pipe(p)) exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		int b = openFile("ofd");
		lk(b, F_OFD_SETLK, F_WRLCK, 1);
		say(p[1]);
		_exit(lk(b, F_OFD_SETLKW, F_WRLCK, 0));
	}
	hear(p[0]);
	ualarm(200 * 1000, 0);
	printf("ofd cycle: parent F_OFD_SETLKW: %s\n", ename(lk(a, F_OFD_SETLKW, F_WRLCK, 1)));
	lk(a, F_OFD_SETLK, F_UNLCK, 0);
	printf("ofd cycle: child gets its lock: %s\n", ename(reap(pid)));
	close(a);
}

// flock: the parent holds file x, the child file y and waits for x; the
// parent's flock of y is not detected either.
static void flockCycle(void) {
	int x = openFile("flockx");
	flock(x, LOCK_EX);
	int p[2];
	if (pipe(p)) exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		int y = openFile("flocky");
		flock(y, LOCK_EX);
		say(p[1]);
		int cx = openFile("flockx");
		_exit(flock(cx, LOCK_EX) ? errno : 0);
	}
	hear(p[0]);
	int y = openFile("flocky");
	ualarm(200 * 1000, 0);
	printf("flock cycle: parent flock: %s\n", ename(flock(y, LOCK_EX) ? errno : 0));
	flock(x, LOCK_UN);
	printf("flock cycle: child gets its lock: %s\n", ename(reap(pid)));
	close(x);
	close(y);
}

int main(int argc, char **argv) {
	dir = argc > 1 ? argv[1] : "/tmp";
	mainPid = getpid();
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sigaction sa = {.sa_handler = onalarm}; // no SA_RESTART
	sigaction(SIGALRM, &sa, NULL);

	int ok = 0, mine = 0, c1 = 0, c2 = 0;
	for (useconds_t pause = 50 * 1000; !ok && pause < 10 * 1000 * 1000; pause *= 2)
		ok = twoCycle(pause, &mine, &c1);
	printf("posix two processes: parent F_SETLKW: %s\n", ename(mine));
	printf("posix two processes: child gets its lock after the parent unlocks: %s\n", ename(c1));

	ok = 0;
	for (useconds_t pause = 50 * 1000; !ok && pause < 10 * 1000 * 1000; pause *= 2)
		ok = threeCycle(pause, &mine, &c1, &c2);
	printf("posix three processes: parent F_SETLKW: %s\n", ename(mine));
	printf("posix three processes: children get their locks: %s %s\n", ename(c1), ename(c2));

	interruptedWaiter();
	ofdCycle();
	flockCycle();
	const char *names[] = {"posix2", "posix3", "posixintr", "ofd", "flockx", "flocky"};
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
		char p[512];
		path(p, sizeof p, names[i]);
		unlink(p);
	}
	return 0;
}
