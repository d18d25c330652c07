// Controlling terminals and job control on a pseudo-terminal the program
// makes itself: /dev/tty without a controlling terminal, acquiring one by
// opening a pty slave as a session leader, tcgetpgrp/tcsetpgrp/TIOCGSID
// only on it, SIGTTIN for a background reader (EIO when ignored), SIGTTOU
// for a background writer with TOSTOP (the write proceeds when ignored)
// and for tcsetattr, and SIGHUP to the foreground group when the session
// leader exits. Prints no pids.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static const char *err(int r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static int slave = -1;
static int report = -1;

static void on_hup(int s) {
	(void)s;
	write(report, "foreground member got SIGHUP\n", 29);
	_exit(0);
}

// background runs body in a new process group (not the terminal's
// foreground one) and reports how the child ended or stopped.
static void background(const char *what, void (*body)(void)) {
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		body();
		_exit(0);
	}
	setpgid(c, c);
	int st;
	waitpid(c, &st, WUNTRACED);
	if (WIFSTOPPED(st)) {
		printf("%s: stopped by %s\n", what, sigabbrev_np(WSTOPSIG(st)));
		kill(c, SIGKILL);
		waitpid(c, &st, 0);
	} else if (WIFEXITED(st)) {
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	} else {
		printf("%s: killed by %s\n", what, sigabbrev_np(WTERMSIG(st)));
	}
}

static void bg_read(void) {
	char c;
	read(slave, &c, 1);
}

static void bg_read_ignoring(void) {
	signal(SIGTTIN, SIG_IGN);
	char c;
	printf("  read ignoring SIGTTIN: %s\n", err(read(slave, &c, 1)));
}

static void bg_write(void) { write(slave, "x", 1); }

static void bg_write_ignoring(void) {
	signal(SIGTTOU, SIG_IGN);
	printf("  write ignoring SIGTTOU: %s\n", err(write(slave, "x", 1)));
}

static void bg_tcsetattr(void) {
	struct termios t;
	tcgetattr(slave, &t);
	tcsetattr(slave, TCSANOW, &t);
}

static void bg_tcsetpgrp_blocked(void) {
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGTTOU);
	sigprocmask(SIG_BLOCK, &s, NULL);
	printf("  tcsetpgrp with SIGTTOU blocked: %s\n", err(tcsetpgrp(slave, getpgrp())));
	printf("  now in the foreground: %s\n", tcgetpgrp(slave) == getpgrp() ? "yes" : "no");
	tcsetpgrp(slave, getsid(0));
}

// leader is the session leader of the pty's session.
static void leader(const char *name) {
	printf("setsid: %s\n", err(setsid()));
	printf("open /dev/tty without a controlling terminal: %s\n", err(open("/dev/tty", O_RDWR)));
	slave = open(name, O_RDWR);
	printf("open the slave: %s\n", err(slave));
	printf("foreground group is the leader's: %s\n", tcgetpgrp(slave) == getpgrp() ? "yes" : "no");
	pid_t sid = -1;
	const char *r = err(ioctl(slave, TIOCGSID, &sid));
	printf("TIOCGSID: %s, the session: %s\n", r, sid == getsid(0) ? "yes" : "no");
	int t = open("/dev/tty", O_RDWR);
	printf("open /dev/tty: %s\n", err(t));
	printf("write to /dev/tty: %s\n", err(write(t, "x", 1)));
	close(t);
	printf("TIOCSCTTY again: %s\n", err(ioctl(slave, TIOCSCTTY, 0)));

	background("background read", bg_read);
	background("background read, SIGTTIN ignored", bg_read_ignoring);
	background("background write without TOSTOP", bg_write);
	struct termios tio;
	tcgetattr(slave, &tio);
	tio.c_lflag |= TOSTOP;
	printf("set TOSTOP: %s\n", err(tcsetattr(slave, TCSANOW, &tio)));
	background("background write with TOSTOP", bg_write);
	background("background write, SIGTTOU ignored", bg_write_ignoring);
	background("background tcsetattr", bg_tcsetattr);
	background("background tcsetpgrp", bg_tcsetpgrp_blocked);
	printf("foreground is the leader's again: %s\n", tcgetpgrp(slave) == getpgrp() ? "yes" : "no");

	// A foreground member outlives the leader and gets SIGHUP.
	int sync[2];
	pipe(sync);
	pid_t f = fork();
	if (f == 0) {
		close(sync[0]);
		signal(SIGHUP, on_hup);
		close(sync[1]);
		for (;;)
			pause();
	}
	close(sync[1]);
	char c;
	read(sync[0], &c, 1); // EOF: the member's handler is in place
	fflush(stdout);
	_exit(0);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	printf("posix_openpt: %s\n", err(m));
	printf("grantpt: %s\n", err(grantpt(m)));
	printf("unlockpt: %s\n", err(unlockpt(m)));
	char *name = ptsname(m);
	printf("ptsname: %s\n", name && strncmp(name, "/dev/pts/", 9) == 0 ? "/dev/pts/N" : "?");
	int s = open(name, O_RDWR | O_NOCTTY);
	pid_t pg;
	printf("tcgetpgrp on a terminal that is not ours: %s\n", err(ioctl(s, TIOCGPGRP, &pg)));
	printf("tcsetpgrp on a terminal that is not ours: %s\n", err(tcsetpgrp(s, getpgrp())));
	close(s);

	int p[2];
	pipe(p);
	pid_t l = fork();
	if (l == 0) {
		close(p[0]);
		report = p[1];
		leader(name);
	}
	close(p[1]);
	int st;
	waitpid(l, &st, 0);
	char buf[256];
	ssize_t n;
	while ((n = read(p[0], buf, sizeof buf)) > 0)
		fwrite(buf, 1, n, stdout);
	printf("done\n");
	return 0;
}
