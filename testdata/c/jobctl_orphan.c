// Orphaned process groups: when an exit leaves a process group with no
// member whose parent is in another group of the same session, and a
// member of it is stopped, every member gets SIGHUP then SIGCONT. Each
// case runs in a session of its own (setsid), so the result does not
// depend on who adopts orphans (the machine's init natively, PID 1 in
// the sandbox): both are outside that session.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int report = -1;

static void on_sig(int s) {
	const char *m = s == SIGHUP ? "HUP\n" : s == SIGCONT ? "CONT\n" : "other\n";
	write(report, m, strlen(m));
}

static void catch_hup_cont(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);
}

static void nap(long ms) {
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0) {
	}
}

// stop_and_report stops the calling process; once continued, it has
// seen what its handlers wrote.
static void stop_and_report(void) {
	raise(SIGSTOP);
	write(report, "resumed\n", 8);
	_exit(0);
}

// run runs one case in a child and prints what its processes reported.
static void run(const char *name, void (*body)(void)) {
	int p[2];
	if (pipe(p) != 0) {
		perror("pipe");
		exit(1);
	}
	fflush(stdout);
	pid_t m = fork();
	if (m == 0) {
		close(p[0]);
		report = p[1];
		if (setsid() < 0) {
			write(report, "setsid failed\n", 14);
			_exit(1);
		}
		body();
		_exit(0);
	}
	close(p[1]);
	char buf[512];
	size_t n = 0;
	ssize_t k;
	while ((k = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
		n += k;
	buf[n] = 0;
	close(p[0]);
	int st;
	waitpid(m, &st, 0);
	printf("%s:\n%s", name, buf);
}

// A child in its own group stops; its parent (another group, same
// session) exits: the child's group is orphaned when it is reparented.
static void child_group_orphaned_by_parent_exit(void) {
	pid_t s = fork();
	if (s == 0) {
		setpgid(0, 0);
		catch_hup_cont();
		stop_and_report();
	}
	setpgid(s, s);
	int st;
	waitpid(s, &st, WUNTRACED);
	write(report, WIFSTOPPED(st) ? "child stopped\n" : "child not stopped\n", WIFSTOPPED(st) ? 14 : 18);
	_exit(0);
}

// A group leader whose parent is in another group exits while another
// member of its group is stopped: its own group becomes orphaned.
static void own_group_orphaned_by_leader_exit(void) {
	pid_t q = fork();
	if (q == 0) {
		setpgid(0, 0);
		pid_t s = fork();
		if (s == 0) {
			catch_hup_cont();
			stop_and_report();
		}
		int st;
		waitpid(s, &st, WUNTRACED);
		write(report, "member stopped\n", 15);
		_exit(0);
	}
	int st;
	waitpid(q, &st, 0);
	_exit(0);
}

// Nobody is stopped: an orphaned group gets no signal.
static void running_group_gets_nothing(void) {
	pid_t self = getpid();
	int sync[2];
	pipe(sync);
	pid_t s = fork();
	if (s == 0) {
		close(sync[0]);
		setpgid(0, 0);
		catch_hup_cont();
		write(sync[1], "x", 1);
		close(sync[1]);
		while (getppid() == self)
			nap(1);
		nap(200);
		write(report, "no signal\n", 10);
		_exit(0);
	}
	close(sync[1]);
	char c;
	read(sync[0], &c, 1);
	_exit(0);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	run("child group", child_group_orphaned_by_parent_exit);
	run("own group", own_group_orphaned_by_leader_exit);
	run("running group", running_group_gets_nothing);
	printf("done\n");
	return 0;
}
